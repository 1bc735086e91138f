"""moto's server app, for slipway's tests, demo and benchmarks: `moto_launcher.py PORT
[--single-threaded]`.

Corrections to moto, each for a behaviour real AWS has and moto lacks:
- DynamoDB, concurrency: moto_server serves requests on many threads and evaluates a
  condition expression apart from the write it guards, so two conditional transactions on
  the same item read at once can both succeed, and a cancelled one's undo can erase another's
  write; real DynamoDB never allows either. The patch serialises moto's DynamoDB requests
  (other services still run side by side). --single-threaded serves every request, of any
  service, one at a time.
- CloudFormation: executing an UPDATE change set does not store the change set's parameters
  as the stack's (moto 5.x), so the next change set is compared with the parameters of the
  stack's creation and a rollback to them is wrongly reported as "no changes". The patch
  stores them, as CloudFormation does. It also fills in the stack's Outputs, which moto
  computes only when a stack is created or updated without a change set (so a stack made
  by a change set never shows any). And it records what DescribeStacks reports of the last
  operation and moto leaves out: the stack's ChangeSetId (the change set it was last created
  or updated with) and, after an update, its LastUpdatedTime.
- DynamoDB TransactWriteItems: moto deep-copies every table a transaction names so it can
  roll back, which makes each transaction cost time in proportion to the table's size (with
  a few thousand builds in the table, ~0.1 s a transaction). Real DynamoDB's cost does not
  grow with the table. The patch saves and restores only the items the transaction touches:
  the same outcome, at a cost independent of the table.
- ECR: an image's digest is the sha256 of its layers' digests (or of a random number when
  it has none), so images that differ only in their manifest share a digest. ECR's digest is
  the sha256 of the manifest's bytes, as the patch makes it.
- CodeBuild (moto 5.x): a build jumps to SUCCEEDED on its first BatchGetBuilds, runs
  nothing, ignores environmentVariablesOverride and the idempotency token, never fails, is
  turned back from STOPPED into SUCCEEDED by the next poll, and writes no log. The patch
  (codebuild_patch.py, whose docstring says what it emulates and what not) makes StartBuild
  a local build agent: it fetches the project's source at sourceVersion, runs the
  buildspec's phases with CodeBuild's variables and transitions, writes the output to the
  build's CloudWatch Logs stream in this moto, honours timeouts and StopBuild, and reports
  it all through BatchGetBuilds.
- CloudFormation (moto 5.x): a resource that cannot be created or updated while a change set
  executes makes ExecuteChangeSet itself answer with the resource's error, and leaves the
  stack half changed and "in progress". CloudFormation accepts the execution and then fails
  the operation: the resource's *_FAILED event with the reason, the stack rolled back
  (ROLLBACK_COMPLETE after a creation, UPDATE_ROLLBACK_COMPLETE with its former parameters
  and template after an update), and the change set EXECUTE_FAILED. The patch does that.
- CloudFormation (moto 5.x): an AWS::SSM::Parameter without a Name fails the stack operation
  (moto passes None on); CloudFormation gives it a generated physical name, as the patch does.
- CloudFormation rollback triggers and drift detection (moto 5.x has neither): an update
  executed with a RollbackConfiguration is watched for its monitoring time and rolled back
  when one of its alarms is in ALARM, and DetectStackDrift compares SSM parameters and Lambda
  functions with what the template declares (cfn_safety_patch.py says what it emulates).
"""
import copy
import datetime
import hashlib
import os
import sys
import threading

from moto.cloudformation import models as cfn
from moto.dynamodb import models as ddb
from moto.dynamodb import responses as ddb_responses
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table
from moto.ecr import models as ecr
from moto.ssm import models as ssm_models
from moto.server import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import run_simple

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cfn_safety_patch  # noqa: E402  (patches moto's CloudFormation on import)

_execute = cfn.CloudFormationBackend.execute_change_set


def _failed_execution(self, change_set_name, error, before):
    """The stack of the change set, rolled back as CloudFormation rolls back a failed
    operation (see the module's docstring)."""
    for change_set in self.change_sets.values():
        if change_set_name not in (change_set.change_set_id, change_set.change_set_name):
            continue
        stack = self.stacks[change_set.stack_id]
        creating = change_set.change_set_type == "CREATE"
        reason = getattr(error, "message", None) or str(error)
        logical_id = _failing_resource(change_set, reason)
        resource = (change_set.template_dict or {}).get("Resources", {}).get(logical_id, {})
        failed = cfn.Event(stack_id=stack.stack_id, stack_name=stack.name,
                           logical_resource_id=logical_id, physical_resource_id="",
                           resource_type=resource.get("Type", ""),
                           resource_status="CREATE_FAILED" if creating else "UPDATE_FAILED",
                           resource_status_reason=reason, resource_properties=None)
        stack.events.append(failed)
        if creating:
            stack._add_stack_event("ROLLBACK_IN_PROGRESS", resource_status_reason=
                                   "The following resource(s) failed to create: " +
                                   f"[{failed.logical_resource_id}]. Rollback requested by user.")
            stack._add_stack_event("ROLLBACK_COMPLETE")
            stack.status = "ROLLBACK_COMPLETE"
        else:
            stack._add_stack_event("UPDATE_ROLLBACK_IN_PROGRESS", resource_status_reason=reason)
            stack._add_stack_event("UPDATE_ROLLBACK_COMPLETE")
            stack.status = "UPDATE_ROLLBACK_COMPLETE"
            stack.resource_map.resolved_parameters.clear()
            stack.resource_map.resolved_parameters.update(before.get(stack.stack_id, {}))
        change_set.execution_status = "EXECUTE_FAILED"
        return True
    return False


def _failing_resource(change_set, reason):
    """The logical id of the resource whose error `reason` is: the first resource of the
    template whose properties' values appear in it, else the first one moto did not make."""
    resources = (change_set.template_dict or {}).get("Resources", {})
    for logical_id, resource in resources.items():
        for value in (resource.get("Properties") or {}).values():
            if isinstance(value, str) and value and value in reason:
                return logical_id
    made = getattr(change_set.stack.resource_map, "_parsed_resources", {})
    for logical_id in resources:
        if logical_id not in made:
            return logical_id
    return next(iter(resources), change_set.stack_name)


def _execute_and_keep_parameters(self, change_set_name, stack_name=None):
    before = {}  # each stack's parameters as they were, for an update's rollback
    for stack in self.stacks.values():
        before[stack.stack_id] = dict(stack.resource_map.resolved_parameters)

    def execute():
        _execute(self, change_set_name, stack_name)
        for change_set in self.change_sets.values():
            if change_set_name in (change_set.change_set_id, change_set.change_set_name):
                stack = self.stacks[change_set.stack_id]
                stack.parameters = change_set.parameters
                stack._parse_template()
                stack.output_map = stack._create_output_map()
                stack.change_set_id = change_set.change_set_id
                if change_set.change_set_type == "UPDATE":
                    stack.last_updated_time = datetime.datetime.now(datetime.timezone.utc)

    try:
        cfn_safety_patch.watch_execution(self, change_set_name, execute)
    except cfn.ValidationError:
        raise
    except Exception as error:  # a resource's own error: the operation fails, not the call
        if _failed_execution(self, change_set_name, error, before):
            return
        raise


cfn.CloudFormationBackend.execute_change_set = _execute_and_keep_parameters


class _CopyKeepingTables:
    """`copy` for moto's DynamoDB backend: while a transaction runs, its whole-table backup
    is skipped (the table itself is kept; _transact restores the touched items instead)."""
    in_transaction = False

    def __getattr__(self, name):
        return getattr(copy, name)

    def deepcopy(self, value, memo=None):
        if self.in_transaction and isinstance(value, Table):
            return value
        return copy.deepcopy(value, memo)


_copy = _CopyKeepingTables()
ddb.copy = _copy
_transact = ddb.DynamoDBBackend.transact_write_items


def _touched_items(backend, transact_items):
    """(table, hash key, range key, deep copy of the item or None) for each operation."""
    out = []
    for entry in transact_items:
        _, op = next(iter(entry.items()))
        table = backend.tables.get(op.get("TableName"))
        if table is None:
            continue
        key = op["Key"] if "Key" in op else op.get("Item", {})
        if table.hash_key_attr not in key:
            continue
        hash_value = DynamoType(key[table.hash_key_attr])
        range_value = DynamoType(key[table.range_key_attr]) if table.range_key_attr and table.range_key_attr in key else None
        if table.has_range_key and range_value is None:
            continue
        out.append((table, hash_value, range_value, copy.deepcopy(table.get_item(hash_value, range_value))))
    return out


def _transact_restoring_touched_items(self, transact_items):
    touched = _touched_items(self, transact_items)
    _copy.in_transaction = True
    try:
        _transact(self, transact_items)
    except Exception:
        for table, hash_value, range_value, saved in reversed(touched):
            if range_value is None:
                if saved is None:
                    table.items.pop(hash_value, None)
                else:
                    table.items[hash_value] = saved
            elif saved is None:
                table.items[hash_value].pop(range_value, None)
            else:
                table.items[hash_value][range_value] = saved
        raise
    finally:
        _copy.in_transaction = False


ddb.DynamoDBBackend.transact_write_items = _transact_restoring_touched_items

_ddb_lock = threading.Lock()
_ddb_call = ddb_responses.DynamoHandler.call_action


def _ddb_call_serialised(self):
    """One DynamoDB request at a time: each condition is evaluated with the write it guards,
    and a cancelled transaction's undo (above) cannot erase another's write."""
    with _ddb_lock:
        return _ddb_call(self)


ddb_responses.DynamoHandler.call_action = _ddb_call_serialised



def _digest_of_manifest(self):
    self._image_digest = "sha256:" + hashlib.sha256(self.image_manifest.encode("utf-8")).hexdigest()


ecr.Image._create_digest = _digest_of_manifest

_ssm_create = ssm_models.Parameter.create_from_cloudformation_json.__func__


def _ssm_create_named(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
    """An AWS::SSM::Parameter without a Name gets the physical name CloudFormation generates
    (moto passed None to PutParameter, and the stack operation failed)."""
    properties = cloudformation_json.get("Properties", {})
    if not properties.get("Name"):
        cloudformation_json = dict(cloudformation_json, Properties=dict(properties, Name=resource_name))
    return _ssm_create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)


ssm_models.Parameter.create_from_cloudformation_json = classmethod(_ssm_create_named)

import codebuild_patch  # noqa: E402  (patches moto's CodeBuild on import)

codebuild_patch.ENDPOINT = f"http://127.0.0.1:{int(sys.argv[1])}"  # builds' aws CLI talks here

run_simple("127.0.0.1", int(sys.argv[1]), DomainDispatcherApplication(create_backend_app),
           threaded="--single-threaded" not in sys.argv[2:], use_reloader=False)
