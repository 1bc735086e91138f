"""moto's server app, for slipway's tests, demo and benchmarks: `moto_launcher.py PORT
[--single-threaded]`.

Corrections to moto, each for a behaviour real AWS has and moto lacks:
- --single-threaded: moto_server serves requests on many threads and then evaluates
  DynamoDB condition expressions without atomicity (concurrent conditional writes can both
  succeed), which real DynamoDB never allows; one thread restores that guarantee.
- CloudFormation: executing an UPDATE change set does not store the change set's parameters
  as the stack's (moto 5.x), so the next change set is compared with the parameters of the
  stack's creation and a rollback to them is wrongly reported as "no changes". The patch
  stores them, as CloudFormation does. It also fills in the stack's Outputs, which moto
  computes only when a stack is created or updated without a change set (so a stack made
  by a change set never shows any).
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
"""
import copy
import hashlib
import os
import sys

from moto.cloudformation import models as cfn
from moto.dynamodb import models as ddb
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table
from moto.ecr import models as ecr
from moto.server import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import run_simple

_execute = cfn.CloudFormationBackend.execute_change_set


def _execute_and_keep_parameters(self, change_set_name, stack_name=None):
    _execute(self, change_set_name, stack_name)
    for change_set in self.change_sets.values():
        if change_set_name in (change_set.change_set_id, change_set.change_set_name):
            stack = self.stacks[change_set.stack_id]
            stack.parameters = change_set.parameters
            stack._parse_template()
            stack.output_map = stack._create_output_map()


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



def _digest_of_manifest(self):
    self._image_digest = "sha256:" + hashlib.sha256(self.image_manifest.encode("utf-8")).hexdigest()


ecr.Image._create_digest = _digest_of_manifest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import codebuild_patch  # noqa: E402  (patches moto's CodeBuild on import)

codebuild_patch.ENDPOINT = f"http://127.0.0.1:{int(sys.argv[1])}"  # builds' aws CLI talks here

run_simple("127.0.0.1", int(sys.argv[1]), DomainDispatcherApplication(create_backend_app),
           threaded="--single-threaded" not in sys.argv[2:], use_reloader=False)
