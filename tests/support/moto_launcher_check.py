#!/usr/bin/env python3
"""Checks moto_launcher.py's patches against boto3 (botocore parses every answer by AWS's
own service models):
- DynamoDB keeps real DynamoDB's transaction semantics: a cancelled TransactWriteItems
  leaves no trace (a put before the failing condition is undone, an update is undone, the
  failing put never lands) and a successful one lands whole.
- CodeBuild builds behave as CodeBuild's do: one phase per BatchGetBuilds through
  CodeBuild's phase list, overrides kept, an idempotency token never starts a second build,
  scripted FAILED / FAULT / TIMED_OUT in the chosen phase with CodeBuild's contexts, STOPPED
  stays STOPPED, exported variables, and the log lines in the build's CloudWatch Logs stream
  in order.
- CloudFormation rollback triggers: an update with a RollbackConfiguration stays in progress
  for its monitoring time, an alarm set to ALARM then rolls it back (template, parameters and
  the SSM parameter's value restored; the rollback event names the alarm), a quiet one
  completes, later updates keep the stack's triggers, and a missing alarm rolls back too.
- Drift detection: SSM parameters and Lambda functions changed behind CloudFormation's back
  are MODIFIED with their property differences, the stack DRIFTED; other types NOT_CHECKED.
Exit 77 (skipped) when moto or boto3 is not installed."""
import json
import os
import socket
import subprocess
import sys
import tempfile
import time

try:
    import boto3
    import moto  # noqa: F401
except ImportError:
    print("moto/boto3 not installed: skipped")
    sys.exit(77)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def client(service, port):
    return boto3.client(service, endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
                        aws_access_key_id="AKIDTEST", aws_secret_access_key="test-secret")


def check_dynamodb(port):
    if True:
        db = client("dynamodb", port)
        db.create_table(TableName="t", BillingMode="PAY_PER_REQUEST",
                        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                                   {"AttributeName": "sk", "KeyType": "RANGE"}],
                        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                              {"AttributeName": "sk", "AttributeType": "S"}])

        def key(pk, sk):
            return {"pk": {"S": pk}, "sk": {"S": sk}}

        def exists(pk, sk):
            return "Item" in db.get_item(TableName="t", Key=key(pk, sk))

        db.put_item(TableName="t", Item={**key("A", "1"), "v": {"N": "1"}})
        try:
            db.transact_write_items(TransactItems=[
                {"Put": {"TableName": "t", "Item": key("B", "1")}},
                {"Update": {"TableName": "t", "Key": key("A", "1"), "UpdateExpression": "SET v = :two",
                            "ExpressionAttributeValues": {":two": {"N": "2"}}}},
                {"Put": {"TableName": "t", "Item": key("A", "2"), "ConditionExpression": "attribute_exists(pk)"}},
            ])
            sys.exit("a transaction with a failing condition succeeded")
        except db.exceptions.TransactionCanceledException as e:
            codes = [r.get("Code") for r in e.response["CancellationReasons"]]
            assert codes == ["None", "None", "ConditionalCheckFailed"], codes
        assert not exists("B", "1"), "the put before the failing condition was not undone"
        assert db.get_item(TableName="t", Key=key("A", "1"))["Item"]["v"] == {"N": "1"}, "update not undone"
        assert not exists("A", "2"), "the failing put landed"
        assert db.scan(TableName="t")["Count"] == 1
        db.transact_write_items(TransactItems=[{"Put": {"TableName": "t", "Item": key("C", "1")}},
                                               {"Delete": {"TableName": "t", "Key": key("A", "1")}}])
        assert exists("C", "1") and not exists("A", "1"), "a successful transaction did not land whole"
        print("moto transactions: cancelled ones leave no trace, successful ones land whole")


PHASES = ["SUBMITTED", "QUEUED", "PROVISIONING", "DOWNLOAD_SOURCE", "INSTALL", "PRE_BUILD",
          "BUILD", "POST_BUILD", "UPLOAD_ARTIFACTS", "FINALIZING", "COMPLETED"]


def check_codebuild(port, script_path):
    cb, logs = client("codebuild", port), client("logs", port)
    cb.create_project(name="proj", source={"type": "NO_SOURCE", "location": "x"},
                      artifacts={"type": "NO_ARTIFACTS"},
                      environment={"type": "LINUX_CONTAINER", "image": "img", "computeType": "BUILD_GENERAL1_SMALL"},
                      serviceRole="arn:aws:iam::123456789012:role/cb")
    with open(script_path, "w") as f:
        json.dump({"ok": {"log": ["one", "two", "three", "four"], "exports": {"SLIPWAY_IMAGE_DIGEST": "sha256:d"}},
                   "bad": {"outcome": "FAILED", "exit_status": 3},
                   "fault": {"outcome": "FAULT", "in_phase": "PROVISIONING"},
                   "slow": {"outcome": "TIMED_OUT", "in_phase": "PRE_BUILD"}}, f)

    def start(component, token=None):
        args = {"projectName": "proj", "sourceVersion": "abc123",
                "environmentVariablesOverride": [{"name": "SLIPWAY_COMPONENT", "value": component, "type": "PLAINTEXT"}],
                "computeTypeOverride": "BUILD_GENERAL1_MEDIUM"}
        if token:
            args["idempotencyToken"] = token
        return cb.start_build(**args)["build"]

    def poll(build_id):
        return cb.batch_get_builds(ids=[build_id])["builds"][0]

    ok = start("ok", token="run:ok:1")
    assert ok["buildStatus"] == "IN_PROGRESS" and ok["currentPhase"] == "QUEUED", ok["currentPhase"]
    assert start("ok", token="run:ok:1")["id"] == ok["id"], "a repeated token started a second build"
    assert ok["environment"]["environmentVariables"][0]["value"] == "ok", "overrides lost"
    assert ok["environment"]["computeType"] == "BUILD_GENERAL1_MEDIUM"
    seen = []
    for _ in range(len(PHASES)):
        b = poll(ok["id"])
        seen.append(b["currentPhase"])
        if b["buildComplete"]:
            break
    assert seen == PHASES[2:], f"not one phase per poll: {seen}"
    assert b["buildStatus"] == "SUCCEEDED" and all(p.get("phaseStatus") == "SUCCEEDED" for p in b["phases"][:-1])
    assert b["exportedEnvironmentVariables"] == [{"name": "SLIPWAY_IMAGE_DIGEST", "value": "sha256:d"}]
    assert poll(ok["id"])["buildStatus"] == "SUCCEEDED", "a finished build changed"
    events = logs.get_log_events(logGroupName=b["logs"]["groupName"], logStreamName=b["logs"]["streamName"],
                                 startFromHead=True)["events"]
    lines = [e["message"].rstrip("\n") for e in events if not e["message"].startswith("[Container]")]
    assert lines == ["one", "two", "three", "four"], lines

    def run_out(component):
        build = start(component)
        for _ in range(len(PHASES) + 2):
            build = poll(build["id"])
            if build["buildComplete"]:
                return build
        sys.exit(f"{component}: never completed")

    bad = run_out("bad")
    failed = [p for p in bad["phases"] if p.get("phaseStatus") == "FAILED"]
    assert bad["buildStatus"] == "FAILED" and failed[0]["phaseType"] == "BUILD", bad["phases"]
    assert "exit status 3" in failed[0]["contexts"][0]["message"]
    fault = run_out("fault")
    assert fault["buildStatus"] == "FAULT" and fault["phases"][-2]["phaseType"] == "PROVISIONING"
    slow = run_out("slow")
    assert slow["buildStatus"] == "TIMED_OUT" and slow["phases"][-2]["phaseStatus"] == "TIMED_OUT"
    stopped = start("ok")
    poll(stopped["id"])
    assert cb.stop_build(id=stopped["id"])["build"]["buildStatus"] == "STOPPED"
    again = poll(stopped["id"])
    assert again["buildStatus"] == "STOPPED" and again["buildComplete"], "STOPPED did not stay"
    print("moto codebuild: phases one per poll, overrides kept, scripted ends, STOPPED kept, logs in order")


SAFETY_TEMPLATE = """
Parameters:
  Release: {Type: String}
  Image: {Type: String}
Resources:
  Config:
    Type: AWS::SSM::Parameter
    Properties: {Name: /check/release, Type: String, Value: !Ref Release}
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement: [{Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: sts:AssumeRole}]
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: check-fn
      PackageType: Image
      Code: {ImageUri: !Ref Image}
      Role: !GetAtt Role.Arn
      MemorySize: 512
      Timeout: 30
  Bucket:
    Type: AWS::S3::Bucket
"""


def check_rollback_and_drift(port):
    cfn, cw, ssm, lam = (client(s, port) for s in ("cloudformation", "cloudwatch", "ssm", "lambda"))
    cw.put_metric_alarm(AlarmName="prod-5xx", MetricName="5xx", Namespace="check", Statistic="Sum",
                        Period=60, EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanThreshold")
    alarm = cw.describe_alarms(AlarmNames=["prod-5xx"])["MetricAlarms"][0]["AlarmArn"]
    image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/check:1"

    def change(name, kind, release, triggers=None, minutes=1):
        args = {"StackName": "safety", "ChangeSetName": name, "ChangeSetType": kind,
                "TemplateBody": SAFETY_TEMPLATE, "Capabilities": ["CAPABILITY_IAM"],
                "Parameters": [{"ParameterKey": "Release", "ParameterValue": release},
                               {"ParameterKey": "Image", "ParameterValue": image}]}
        if triggers is not None:
            args["RollbackConfiguration"] = {
                "RollbackTriggers": [{"Arn": a, "Type": "AWS::CloudWatch::Alarm"} for a in triggers],
                "MonitoringTimeInMinutes": minutes}
        cfn.create_change_set(**args)
        cfn.execute_change_set(StackName="safety", ChangeSetName=name)

    def stack():
        return cfn.describe_stacks(StackName="safety")["Stacks"][0]

    def value():
        return ssm.get_parameter(Name="/check/release")["Parameter"]["Value"]

    change("c1", "CREATE", "v1")
    assert stack()["StackStatus"] == "CREATE_COMPLETE"
    # An update watched by the alarm: in progress during its monitoring time ...
    change("c2", "UPDATE", "v2", [alarm])
    s = stack()
    assert s["StackStatus"] == "UPDATE_IN_PROGRESS", s["StackStatus"]
    assert s["RollbackConfiguration"]["RollbackTriggers"][0]["Arn"] == alarm, s.get("RollbackConfiguration")
    assert s["RollbackConfiguration"]["MonitoringTimeInMinutes"] == 1
    assert value() == "v2"
    # ... and rolled back when the alarm goes into ALARM.
    cw.set_alarm_state(AlarmName="prod-5xx", StateValue="ALARM", StateReason="5xx rate")
    s = stack()
    assert s["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE", s["StackStatus"]
    assert {p["ParameterKey"]: p["ParameterValue"] for p in s["Parameters"]}["Release"] == "v1"
    assert value() == "v1", "the rollback did not restore the resource"
    events = cfn.describe_stack_events(StackName="safety")["StackEvents"]
    rolling = [e for e in events if e["ResourceStatus"] == "UPDATE_ROLLBACK_IN_PROGRESS"]
    assert rolling and alarm in rolling[0]["ResourceStatusReason"], rolling
    assert events[0]["ResourceStatus"] == "UPDATE_ROLLBACK_COMPLETE"
    # A quiet alarm: the next update (which names no triggers: the stack's apply) completes
    # once the monitoring time is over.
    cw.set_alarm_state(AlarmName="prod-5xx", StateValue="OK", StateReason="fine")
    change("c3", "UPDATE", "v3")
    assert stack()["StackStatus"] == "UPDATE_IN_PROGRESS"
    time.sleep(1.2)  # the launcher runs with MOTO_CFN_SECONDS_PER_MINUTE=1
    assert stack()["StackStatus"] == "UPDATE_COMPLETE"
    assert value() == "v3"
    # A trigger naming an alarm that does not exist rolls the update back.
    change("c4", "UPDATE", "v4", [alarm.replace("prod-5xx", "missing")])
    s = stack()
    assert s["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE" and value() == "v3", s["StackStatus"]
    print("moto cloudformation: updates watched by their alarms, rolled back on ALARM, kept triggers")

    # Drift: nothing changed yet.
    def detect():
        detection = cfn.detect_stack_drift(StackName="safety")["StackDriftDetectionId"]
        first = cfn.describe_stack_drift_detection_status(StackDriftDetectionId=detection)
        assert first["DetectionStatus"] == "DETECTION_IN_PROGRESS"
        return cfn.describe_stack_drift_detection_status(StackDriftDetectionId=detection)

    done = detect()
    assert done["DetectionStatus"] == "DETECTION_COMPLETE" and done["StackDriftStatus"] == "IN_SYNC", done
    ssm.put_parameter(Name="/check/release", Value="hand-edited", Type="String", Overwrite=True)
    lam.update_function_configuration(FunctionName="check-fn", MemorySize=256)
    done = detect()
    assert done["StackDriftStatus"] == "DRIFTED" and done["DriftedStackResourceCount"] == 2, done
    drifts = cfn.describe_stack_resource_drifts(
        StackName="safety", StackResourceDriftStatusFilters=["MODIFIED", "DELETED"])["StackResourceDrifts"]
    by_id = {d["LogicalResourceId"]: d for d in drifts}
    assert set(by_id) == {"Config", "Fn"}, by_id
    diff = by_id["Config"]["PropertyDifferences"][0]
    assert (diff["PropertyPath"], diff["ExpectedValue"], diff["ActualValue"]) == ("/Value", "v3", "hand-edited"), diff
    assert by_id["Fn"]["PropertyDifferences"][0]["PropertyPath"] == "/MemorySize"
    everything = cfn.describe_stack_resource_drifts(StackName="safety")["StackResourceDrifts"]
    assert {d["LogicalResourceId"]: d["StackResourceDriftStatus"] for d in everything}["Bucket"] == "NOT_CHECKED"
    print("moto cloudformation: drift of SSM parameters and Lambda functions detected with their differences")


def main():
    port = free_port()
    launcher = os.path.join(os.path.dirname(os.path.abspath(__file__)), "moto_launcher.py")
    scratch = tempfile.mkdtemp()
    script_path = os.path.join(scratch, "codebuild.json")
    server = subprocess.Popen([sys.executable, launcher, str(port), "--single-threaded"],
                              stdout=subprocess.DEVNULL, stderr=open(os.environ.get("MOTO_CHECK_LOG", os.devnull), "w"),
                              env={**os.environ, "MOTO_CODEBUILD_SCRIPT": script_path,
                                   "MOTO_CFN_SECONDS_PER_MINUTE": "1"})
    try:
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        check_dynamodb(port)
        check_codebuild(port, script_path)
        check_rollback_and_drift(port)
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
