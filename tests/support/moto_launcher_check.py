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
- CloudFormation accepts the execution of a change set whose resource fails and fails the
  operation: the resource's *_FAILED event with its reason, ROLLBACK_COMPLETE after a
  creation, UPDATE_ROLLBACK_COMPLETE with the former parameters after an update, the change
  set EXECUTE_FAILED.
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


def check_cloudformation(port):
    cf = client("cloudformation", port)
    client("s3", port).create_bucket(Bucket="taken-bucket")
    ok = {"Parameters": {"V": {"Type": "String"}},
          "Resources": {"P": {"Type": "AWS::SSM::Parameter",
                              "Properties": {"Name": {"Fn::Sub": "/check/${AWS::StackName}"},
                                             "Type": "String", "Value": {"Ref": "V"}}}}}
    bad = json.loads(json.dumps(ok))
    bad["Resources"]["B"] = {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "taken-bucket"}}

    def execute(stack, kind, template, value):
        cs = cf.create_change_set(StackName=stack, ChangeSetName=f"c{time.time_ns()}", ChangeSetType=kind,
                                  TemplateBody=json.dumps(template),
                                  Parameters=[{"ParameterKey": "V", "ParameterValue": value}])
        cf.execute_change_set(ChangeSetName=cs["Id"])  # accepted, whatever happens next
        return cs["Id"]

    created = execute("fails", "CREATE", bad, "one")
    stack = cf.describe_stacks(StackName="fails")["Stacks"][0]
    assert stack["StackStatus"] == "ROLLBACK_COMPLETE", stack["StackStatus"]
    events = cf.describe_stack_events(StackName="fails")["StackEvents"]
    failed = [e for e in events if e["ResourceStatus"] == "CREATE_FAILED"]
    assert failed and failed[0]["LogicalResourceId"] == "B", failed
    assert "not available" in failed[0]["ResourceStatusReason"], failed[0]
    assert failed[0]["ResourceType"] == "AWS::S3::Bucket", failed[0]
    assert events[0]["ResourceStatus"] == "ROLLBACK_COMPLETE", events[0]
    assert cf.describe_change_set(ChangeSetName=created)["ExecutionStatus"] == "EXECUTE_FAILED"
    execute("updates", "CREATE", ok, "one")
    execute("updates", "UPDATE", bad, "two")
    stack = cf.describe_stacks(StackName="updates")["Stacks"][0]
    assert stack["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE", stack["StackStatus"]
    assert stack["Parameters"] == [{"ParameterKey": "V", "ParameterValue": "one"}], stack["Parameters"]
    events = cf.describe_stack_events(StackName="updates")["StackEvents"]
    assert [e["ResourceStatus"] for e in events[:3]] == [
        "UPDATE_ROLLBACK_COMPLETE", "UPDATE_ROLLBACK_IN_PROGRESS", "UPDATE_FAILED"], events[:3]
    print("moto cloudformation: a failing resource fails the operation and rolls the stack back")


def main():
    port = free_port()
    launcher = os.path.join(os.path.dirname(os.path.abspath(__file__)), "moto_launcher.py")
    scratch = tempfile.mkdtemp()
    script_path = os.path.join(scratch, "codebuild.json")
    server = subprocess.Popen([sys.executable, launcher, str(port), "--single-threaded"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              env={**os.environ, "MOTO_CODEBUILD_SCRIPT": script_path})
    try:
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        check_dynamodb(port)
        check_codebuild(port, script_path)
        check_cloudformation(port)
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
