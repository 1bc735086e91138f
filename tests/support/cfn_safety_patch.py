"""moto's CloudFormation with rollback triggers and drift detection (imported by
moto_launcher.py; tests/support/moto_launcher_check.py checks it against boto3).

moto 5.x ignores a change set's RollbackConfiguration and has no drift detection. This patch:

Rollback triggers (CreateChangeSet's RollbackConfiguration: CloudWatch alarm ARNs and
MonitoringTimeInMinutes). As CloudFormation does, the triggers are kept with the stack
(DescribeStacks shows them) and apply to later updates that name none. An update executed
with triggers stays UPDATE_IN_PROGRESS for its monitoring time; every DescribeStacks or
DescribeStackEvents looks at the alarms (moto's own CloudWatch, so `set-alarm-state` drives
them): an alarm in ALARM, or one that does not exist, rolls the update back -- the stack's
template, parameters and resources return to what they were, with the events
UPDATE_ROLLBACK_IN_PROGRESS (its reason naming the alarm's ARN), then
UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS and UPDATE_ROLLBACK_COMPLETE; once the monitoring
time has passed quietly the update completes (UPDATE_COMPLETE_CLEANUP_IN_PROGRESS,
UPDATE_COMPLETE). A first creation with triggers is watched the same way and rolled back to
ROLLBACK_COMPLETE. $MOTO_CFN_SECONDS_PER_MINUTE (default 60) shortens a monitoring minute for
tests. Not emulated: the alarm's history (only its state when polled counts), composite
alarms, and a stack operation that is slow for any other reason.

Drift detection (DetectStackDrift, DescribeStackDriftDetectionStatus,
DescribeStackResourceDrifts). A detection compares what the template declares (intrinsic
functions resolved with the stack's parameters, as moto resolved them when it created the
resources) with the resources' actual values in moto's backends, for AWS::SSM::Parameter
(Value, Type, Description) and AWS::Lambda::Function (Code.ImageUri, MemorySize, Timeout,
Environment.Variables, Handler, Runtime); a resource gone from its backend is DELETED, other
types are NOT_CHECKED, as CloudFormation reports types it cannot check. The first status poll
answers DETECTION_IN_PROGRESS, the next DETECTION_COMPLETE. Not emulated: properties not
listed, drift of stack sets, DetectStackResourceDrift of one resource.
"""
import json
import os
import threading
import time
import uuid

from moto.awslambda.models import lambda_backends
from moto.cloudformation import models as cfn
from moto.cloudformation import responses as cfn_responses
from moto.cloudformation.parsing import clean_json
from moto.cloudwatch.models import cloudwatch_backends
from moto.core.responses import ActionResult
from moto.core.utils import utcnow
from moto.ssm.models import ssm_backends

_lock = threading.RLock()
_change_set_triggers = {}  # (stack name or id, change set name) -> RollbackConfiguration dict
_watched = {}              # stack id -> what an update under watch needs to finish or roll back
_detections = {}           # detection id -> the detection


def _seconds_per_minute():
    return float(os.environ.get("MOTO_CFN_SECONDS_PER_MINUTE", "60"))


# --- rollback triggers ---------------------------------------------------------------------

_create_change_set = cfn_responses.CloudFormationResponse.create_change_set


def _create_change_set_keeping_triggers(self):
    result = _create_change_set(self)
    given = self._get_param("RollbackConfiguration") or {}
    arns = [{"Arn": t["Arn"], "Type": t.get("Type") or "AWS::CloudWatch::Alarm"}
            for t in given.get("RollbackTriggers") or []]
    minutes = given.get("MonitoringTimeInMinutes")
    if given:
        config = {"RollbackTriggers": arns, "MonitoringTimeInMinutes": int(minutes or 0)}
        with _lock:
            _change_set_triggers[self._get_param("ChangeSetName")] = config
    return result


cfn_responses.CloudFormationResponse.create_change_set = _create_change_set_keeping_triggers


def _find_change_set(backend, name):
    if name in backend.change_sets:
        return backend.change_sets[name]
    for cs in backend.change_sets.values():
        if cs.change_set_name == name:
            return cs
    return None


def watch_execution(backend, change_set_name, execute):
    """Runs `execute` (moto's execution of the change set) under the stack's rollback
    triggers: the stack is left in progress, to be finished by _advance."""
    change_set = _find_change_set(backend, change_set_name)
    if change_set is None:
        return execute()
    stack = backend.stacks.get(change_set.stack_id)
    with _lock:
        config = _change_set_triggers.pop(change_set.change_set_name, None)
        if config is None and stack is not None:
            config = getattr(stack, "rollback_configuration", None)  # kept from before
        before = None
        if stack is not None and change_set.change_set_type == "UPDATE":
            before = {"template": stack.template, "parameters": dict(stack.parameters)}
        execute()
        stack = backend.stacks.get(change_set.stack_id)
        if stack is None or not config or not config.get("RollbackTriggers"):
            if stack is not None and config is not None:
                stack.rollback_configuration = config
            return
        stack.rollback_configuration = config
        final = stack.events.pop()  # moto's immediate *_COMPLETE
        stack.status = final.resource_status.replace("_COMPLETE", "_IN_PROGRESS")
        _watched[stack.stack_id] = {
            "backend": backend,
            "kind": change_set.change_set_type,
            "before": before,
            "arns": [t["Arn"] for t in config["RollbackTriggers"]],
            "until": time.time() + config.get("MonitoringTimeInMinutes", 0) * _seconds_per_minute(),
        }


def _alarm_state(backend, arn):
    parts = arn.split(":")
    if len(parts) < 7 or parts[2] != "cloudwatch":
        return None
    alarms = cloudwatch_backends[parts[4]][parts[3]].alarms
    alarm = alarms.get(":".join(parts[6:]))
    return alarm.state_value if alarm else None


def _roll_back(stack, watch, arn, why):
    reason = f"The following rollback trigger(s) fired: {arn} ({why})"
    if watch["kind"] == "CREATE":
        stack._add_stack_event("ROLLBACK_IN_PROGRESS", resource_status_reason=reason)
        stack._add_stack_event("ROLLBACK_COMPLETE")
        stack.status = "ROLLBACK_COMPLETE"
        return
    stack._add_stack_event("UPDATE_ROLLBACK_IN_PROGRESS", resource_status_reason=reason)
    before = watch["before"]
    stack.template = before["template"]
    stack._parse_template()
    stack.resource_map.update(stack.template_dict, before["parameters"])
    stack.parameters = before["parameters"]
    stack.output_map = stack._create_output_map()
    stack._add_stack_event("UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS")
    stack._add_stack_event("UPDATE_ROLLBACK_COMPLETE")
    stack.status = "UPDATE_ROLLBACK_COMPLETE"


def _advance(stack):
    with _lock:
        watch = _watched.get(stack.stack_id)
        if watch is None:
            return
        for arn in watch["arns"]:
            state = _alarm_state(watch["backend"], arn)
            if state is None or state == "ALARM":
                del _watched[stack.stack_id]
                _roll_back(stack, watch, arn, "in ALARM state" if state else "the alarm does not exist")
                return
        if time.time() < watch["until"]:
            return
        del _watched[stack.stack_id]
        if watch["kind"] == "CREATE":
            stack._add_stack_event("CREATE_COMPLETE")
            stack.status = "CREATE_COMPLETE"
        else:
            stack._add_stack_event("UPDATE_COMPLETE_CLEANUP_IN_PROGRESS")
            stack._add_stack_event("UPDATE_COMPLETE")
            stack.status = "UPDATE_COMPLETE"


_describe_stacks = cfn.CloudFormationBackend.describe_stacks
_describe_stack_events = cfn.CloudFormationBackend.describe_stack_events


def _describe_stacks_advancing(self, name_or_stack_id):
    stacks = _describe_stacks(self, name_or_stack_id)
    for stack in stacks:
        _advance(stack)
    return stacks


def _describe_stack_events_advancing(self, stack_name):
    for stack in list(self.stacks.values()):
        if stack_name in (stack.name, stack.stack_id):
            _advance(stack)
    return _describe_stack_events(self, stack_name)


cfn.CloudFormationBackend.describe_stacks = _describe_stacks_advancing
cfn.CloudFormationBackend.describe_stack_events = _describe_stack_events_advancing


# --- drift detection -----------------------------------------------------------------------

def _ssm_actual(stack, resource, account, region):
    name = getattr(resource, "name", None)
    param = ssm_backends[account][region].get_parameter(name) if name else None
    if param is None:
        return None
    out = {"Value": param.value, "Type": param.parameter_type}
    if getattr(param, "description", None):
        out["Description"] = param.description
    return out


def _lambda_actual(stack, resource, account, region):
    name = getattr(resource, "function_name", None)
    try:
        fn = lambda_backends[account][region].get_function(name)
    except Exception:  # noqa: BLE001 (moto raises its own not-found)
        return None
    out = {"MemorySize": fn.memory_size, "Timeout": fn.timeout}
    if "ImageUri" in fn.code:
        out["Code"] = {"ImageUri": fn.code["ImageUri"]}
    if fn.environment_vars:
        out["Environment"] = {"Variables": dict(fn.environment_vars)}
    for attr, key in (("handler", "Handler"), ("run_time", "Runtime")):
        if getattr(fn, attr, None):
            out[key] = getattr(fn, attr)
    return out


_CHECKED = {
    "AWS::SSM::Parameter": (_ssm_actual, ["Value", "Type", "Description"]),
    "AWS::Lambda::Function": (_lambda_actual, ["Code", "MemorySize", "Timeout", "Environment",
                                               "Handler", "Runtime"]),
}


def _differences(expected, actual, path=""):
    out = []
    if isinstance(expected, dict) and isinstance(actual, dict):
        for key in sorted(set(expected) | set(actual)):
            out += _differences(expected.get(key), actual.get(key), f"{path}/{key}")
        return out
    if str(expected) != str(actual) and not (expected is None and actual in ({}, "")):
        out.append({"PropertyPath": path, "ExpectedValue": json.dumps(expected) if not isinstance(expected, str) else expected,
                    "ActualValue": json.dumps(actual) if not isinstance(actual, str) else actual,
                    "DifferenceType": "NOT_EQUAL" if actual is not None else "REMOVE"})
    return out


def _resource_drifts(stack, account, region):
    drifts = []
    now = utcnow()
    stack._parse_template()
    for logical_id, resource_json in stack.template_dict.get("Resources", {}).items():
        kind = resource_json.get("Type")
        entry = {"StackId": stack.stack_id, "LogicalResourceId": logical_id, "ResourceType": kind,
                 "Timestamp": now}
        resource = stack.resource_map._parsed_resources.get(logical_id)
        if resource is not None and hasattr(resource, "physical_resource_id"):
            entry["PhysicalResourceId"] = resource.physical_resource_id
        if kind not in _CHECKED or resource is None:
            entry["StackResourceDriftStatus"] = "NOT_CHECKED"
            drifts.append(entry)
            continue
        read, keys = _CHECKED[kind]
        declared = clean_json(resource_json.get("Properties", {}), stack.resource_map)
        expected = {k: declared[k] for k in keys if k in declared}
        actual_all = read(stack, resource, account, region)
        if actual_all is None:
            entry.update({"StackResourceDriftStatus": "DELETED", "ExpectedProperties": json.dumps(expected)})
            drifts.append(entry)
            continue
        actual = {k: actual_all[k] for k in expected if k in actual_all}
        diffs = _differences(expected, actual)
        entry.update({"ExpectedProperties": json.dumps(expected, sort_keys=True),
                      "ActualProperties": json.dumps(actual, sort_keys=True),
                      "PropertyDifferences": diffs,
                      "StackResourceDriftStatus": "MODIFIED" if diffs else "IN_SYNC"})
        drifts.append(entry)
    return drifts


def _detect_stack_drift(self):
    stack = self.cloudformation_backend.get_stack(self._get_param("StackName"))
    _advance(stack)
    drifts = _resource_drifts(stack, self.current_account, self.region)
    drifted = [d for d in drifts if d["StackResourceDriftStatus"] in ("MODIFIED", "DELETED")]
    detection_id = str(uuid.uuid4())
    with _lock:
        _detections[detection_id] = {"stack": stack, "drifts": drifts, "polls": 0,
                                     "status": "DRIFTED" if drifted else "IN_SYNC",
                                     "count": len(drifted), "at": utcnow()}
    stack.drift_information = {"StackDriftStatus": "DRIFTED" if drifted else "IN_SYNC",
                               "LastCheckTimestamp": utcnow()}
    return ActionResult({"StackDriftDetectionId": detection_id})


def _describe_stack_drift_detection_status(self):
    detection_id = self._get_param("StackDriftDetectionId")
    with _lock:
        d = _detections.get(detection_id)
        if d is None:
            raise cfn.ValidationError(detection_id, message=f"No drift detection {detection_id}")
        d["polls"] += 1
        done = d["polls"] > 1
    result = {"StackId": d["stack"].stack_id, "StackDriftDetectionId": detection_id,
              "DetectionStatus": "DETECTION_COMPLETE" if done else "DETECTION_IN_PROGRESS",
              "Timestamp": d["at"]}
    if done:
        result.update({"StackDriftStatus": d["status"], "DriftedStackResourceCount": d["count"]})
    return ActionResult(result)


def _describe_stack_resource_drifts(self):
    stack = self.cloudformation_backend.get_stack(self._get_param("StackName"))
    filters = self._get_param("StackResourceDriftStatusFilters") or []
    with _lock:
        found = [d for d in _detections.values() if d["stack"] is stack]
    drifts = found[-1]["drifts"] if found else []
    if filters:
        drifts = [d for d in drifts if d["StackResourceDriftStatus"] in filters]
    return ActionResult({"StackResourceDrifts": drifts})


cfn_responses.CloudFormationResponse.detect_stack_drift = _detect_stack_drift
cfn_responses.CloudFormationResponse.describe_stack_drift_detection_status = _describe_stack_drift_detection_status
cfn_responses.CloudFormationResponse.describe_stack_resource_drifts = _describe_stack_resource_drifts
