#!/usr/bin/env python3
"""Checks moto_launcher.py's patches against boto3 (botocore parses every answer by AWS's
own service models):
- DynamoDB keeps real DynamoDB's transaction semantics: a cancelled TransactWriteItems
  leaves no trace (a put before the failing condition is undone, an update is undone, the
  failing put never lands) and a successful one lands whole.
- ECR gives an image the sha256 of its manifest as its digest.
- CodeBuild builds run as CodeBuild's do: the source of a local bare repository at the
  build's sourceVersion (or an S3 zip), the buildspec's phases in CodeBuild's order with its
  variables (overrides over the project's over the buildspec's; CODEBUILD_*), state carried
  from command to command, a failing command failing its phase with CodeBuild's context and
  the transitions CodeBuild documents (finally, POST_BUILD after a failed BUILD, INSTALL and
  PRE_BUILD failures to FINALIZING, on-failure CONTINUE), output in the build's CloudWatch
  Logs stream, exported variables, the idempotency token, StopBuild killing the command and
  staying STOPPED, timeouts, the account's quota queueing builds, injected faults and S3
  artifacts. A random token a build prints is read back through CloudWatch Logs, and the
  exported digest of it through BatchGetBuilds.
- CloudFormation accepts the execution of a change set whose resource fails and fails the
  operation: the resource's *_FAILED event with its reason, ROLLBACK_COMPLETE after a
  creation, UPDATE_ROLLBACK_COMPLETE with the former parameters after an update, the change
  set EXECUTE_FAILED.
- CloudFormation gives an AWS::SSM::Parameter without a Name a generated physical name.
- CloudFormation rollback triggers: an update with a RollbackConfiguration stays in progress
  for its monitoring time, an alarm set to ALARM then rolls it back (template, parameters and
  the SSM parameter's value restored; the rollback event names the alarm), a quiet one
  completes, later updates keep the stack's triggers, and a missing alarm rolls back too.
- Drift detection: SSM parameters and Lambda functions changed behind CloudFormation's back
  are MODIFIED with their property differences, the stack DRIFTED; other types NOT_CHECKED.
- CloudFormation: a stack executed from a change set keeps its parameters, names that
  change set (ChangeSetId) and, once updated, has a LastUpdatedTime.
Exit 77 (skipped) when moto or boto3 is not installed."""
import hashlib
import io
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import zipfile

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


THREADS = int(os.environ.get("MOTO_CHECK_THREADS", "16"))
ROUNDS = int(os.environ.get("MOTO_CHECK_ROUNDS", "20"))


def check_dynamodb_concurrency(port):
    """Conditional transactions from many threads at once, each thread trying once per round
    on what it read: no two succeed on the same read, and each success lands whole (real
    DynamoDB serialises them per item; moto's threads did not, and some rounds had two
    winners)."""
    db = client("dynamodb", port)
    db.create_table(TableName="c", BillingMode="PAY_PER_REQUEST",
                    KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                               {"AttributeName": "sk", "KeyType": "RANGE"}],
                    AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                          {"AttributeName": "sk", "AttributeType": "S"}])
    counter = {"pk": {"S": "C"}, "sk": {"S": "n"}}
    db.put_item(TableName="c", Item={**counter, "v": {"N": "0"}})
    wins = []

    def worker(name):
        mine = client("dynamodb", port)
        for attempt in range(ROUNDS):
            v = int(mine.get_item(TableName="c", Key=counter, ConsistentRead=True)["Item"]["v"]["N"])
            try:
                mine.transact_write_items(TransactItems=[
                    {"Update": {"TableName": "c", "Key": counter, "UpdateExpression": "SET v = :n",
                                "ConditionExpression": "v = :o",
                                "ExpressionAttributeValues": {":o": {"N": str(v)}, ":n": {"N": str(v + 1)}}}},
                    {"Put": {"TableName": "c", "Item": {"pk": {"S": "L"}, "sk": {"S": f"{name}-{attempt}"},
                                                        "v": {"N": str(v + 1)}}}},
                ])
                wins.append(v + 1)
            except mine.exceptions.TransactionCanceledException:
                pass

    threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    final = int(db.get_item(TableName="c", Key=counter, ConsistentRead=True)["Item"]["v"]["N"])
    logged = db.scan(TableName="c", FilterExpression="pk = :p",
                     ExpressionAttributeValues={":p": {"S": "L"}})["Count"]
    assert sorted(wins) == list(range(1, final + 1)), \
        f"successes {sorted(wins)} are not 1..{final} once each"
    assert logged == final, f"counter {final}, {logged} log items"
    print(f"moto transactions from {THREADS} threads at once: serialised, {final} won, none lost, "
          "none doubled")


PHASES = ["SUBMITTED", "QUEUED", "PROVISIONING", "DOWNLOAD_SOURCE", "INSTALL", "PRE_BUILD",
          "BUILD", "POST_BUILD", "UPLOAD_ARTIFACTS", "FINALIZING", "COMPLETED"]


def git(*args, cwd=None):
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                          text=True).stdout.strip()


def make_repository(scratch):
    """A bare repository with two commits: file.txt says v1, then v2 (and sub/ exists)."""
    work, bare = os.path.join(scratch, "work"), os.path.join(scratch, "repo.git")
    os.makedirs(os.path.join(work, "sub"))
    git("init", "-q", "-b", "main", work)
    commits = []
    for version in ("v1", "v2"):
        with open(os.path.join(work, "file.txt"), "w") as f:
            f.write(version + "\n")
        with open(os.path.join(work, "sub", "keep"), "w") as f:
            f.write(version)
        with open(os.path.join(work, "buildspec.yml"), "w") as f:
            f.write("version: 0.2\nphases:\n  build:\n    commands:\n      - cat file.txt\n")
        git("add", "-A", cwd=work)
        git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", version, cwd=work)
        commits.append(git("rev-parse", "HEAD", cwd=work))
    git("clone", "-q", "--bare", work, bare)
    return bare, commits


def check_codebuild(port, control_path, scratch):
    cb, logs, s3 = client("codebuild", port), client("logs", port), client("s3", port)
    bare, commits = make_repository(scratch)
    environment = {"type": "LINUX_CONTAINER", "image": "img", "computeType": "BUILD_GENERAL1_SMALL",
                   "environmentVariables": [{"name": "FROM_PROJECT", "value": "p", "type": "PLAINTEXT"}]}
    role = "arn:aws:iam::123456789012:role/cb"
    cb.create_project(name="proj", source={"type": "CODECOMMIT", "location": bare},
                      artifacts={"type": "NO_ARTIFACTS"}, environment=environment, serviceRole=role)

    def control(**values):
        with open(control_path, "w") as f:
            json.dump(values, f)

    def start(spec=None, project="proj", **args):
        if spec is not None:
            args["buildspecOverride"] = spec
        return cb.start_build(projectName=project, **args)["build"]

    def wait(build_id, seconds=30):
        deadline = time.time() + seconds
        while time.time() < deadline:
            b = cb.batch_get_builds(ids=[build_id])["builds"][0]
            if b["buildComplete"]:
                return b
            time.sleep(0.05)
        sys.exit(f"{build_id}: never completed")

    def log_of(b):
        events = logs.get_log_events(logGroupName=b["logs"]["groupName"],
                                     logStreamName=b["logs"]["streamName"], startFromHead=True)["events"]
        return [e["message"].rstrip("\n") for e in events]

    def output_of(b):
        return [line for line in log_of(b) if not line.startswith("[Container]")]

    def phases(b):
        return [(p["phaseType"], p.get("phaseStatus")) for p in b["phases"]]

    control()
    token = uuid.uuid4().hex
    spec = """version: 0.2
env:
  variables: {FROM_SPEC: s, FROM_PROJECT: overridden-by-the-project}
  exported-variables: [DIGEST, FROM_SPEC]
phases:
  install:
    commands:
      - echo "install $FROM_SPEC $FROM_PROJECT $TOKEN"
  pre_build:
    commands:
      - export GREETING=hello
      - cd sub
  build:
    commands:
      - echo "token $TOKEN in $(basename "$PWD") $GREETING succeeding=$CODEBUILD_BUILD_SUCCEEDING"
      - echo "resolved $CODEBUILD_RESOLVED_SOURCE_VERSION build $CODEBUILD_BUILD_NUMBER"
      - cat "$CODEBUILD_SRC_DIR/file.txt"
      - aws s3api create-bucket --bucket from-a-build >/dev/null
  post_build:
    commands:
      - export DIGEST="sha256:$(printf %s "$TOKEN" | sha256sum | cut -c1-64)"
"""
    request = {"environmentVariablesOverride": [{"name": "TOKEN", "value": token, "type": "PLAINTEXT"}],
               "computeTypeOverride": "BUILD_GENERAL1_MEDIUM", "idempotencyToken": "run:ok:1"}
    ok = start(spec, **request)
    assert ok["buildStatus"] == "IN_PROGRESS" and not ok["buildComplete"], ok["buildStatus"]
    assert start(spec, **request)["id"] == ok["id"], "a repeated token started a second build"
    assert ok["environment"]["environmentVariables"][0]["value"] == token, "overrides lost"
    assert ok["environment"]["computeType"] == "BUILD_GENERAL1_MEDIUM"
    b = wait(ok["id"])
    assert b["buildStatus"] == "SUCCEEDED", (phases(b), log_of(b))
    assert [p for p, _ in phases(b)] == PHASES, phases(b)
    assert all(s == "SUCCEEDED" for _, s in phases(b)[:-1]), phases(b)
    out = output_of(b)
    assert out[0] == f"install s p {token}", out
    assert out[1] == f"token {token} in sub hello succeeding=1", out
    assert out[2] == f"resolved {commits[1]} build 1", out
    assert out[3] == "v2", out
    digest = "sha256:" + hashlib.sha256(token.encode()).hexdigest()
    assert b["exportedEnvironmentVariables"] == [{"name": "DIGEST", "value": digest},
                                                 {"name": "FROM_SPEC", "value": "s"}], b
    assert "from-a-build" in [x["Name"] for x in s3.list_buckets()["Buckets"]], "the build's aws CLI"
    assert any(line.startswith("[Container]") and "Running command cat" in line for line in log_of(b))

    # sourceVersion: the older commit; the repository's own buildspec.yml
    old = wait(start(sourceVersion=commits[0])["id"])
    assert old["buildStatus"] == "SUCCEEDED" and output_of(old) == ["v1"], output_of(old)
    branch = wait(start(sourceVersion="refs/heads/main")["id"])
    assert output_of(branch) == ["v2"], output_of(branch)
    missing = wait(start(sourceVersion="0" * 40)["id"])
    assert missing["buildStatus"] == "FAILED" and phases(missing)[3] == ("DOWNLOAD_SOURCE", "FAILED"), phases(missing)
    assert missing["phases"][3]["contexts"][0]["statusCode"] == "CLIENT_ERROR"
    assert [p for p, _ in phases(missing)][4:] == ["FINALIZING", "COMPLETED"], phases(missing)

    # A failing command: the rest of its phase is skipped, `finally` runs, POST_BUILD still
    # runs (not succeeding), the build fails with the exit status in the phase's context.
    bad = wait(start("""version: 0.2
phases:
  build:
    commands:
      - echo before
      - exit 3
      - echo never
    finally:
      - echo finally
  post_build:
    commands:
      - echo "post succeeding=$CODEBUILD_BUILD_SUCCEEDING"
""")["id"])
    assert bad["buildStatus"] == "FAILED", phases(bad)
    assert ("BUILD", "FAILED") in phases(bad) and ("POST_BUILD", "SUCCEEDED") in phases(bad)
    failed = [p for p in bad["phases"] if p.get("phaseStatus") == "FAILED"][0]
    assert failed["contexts"][0] == {"statusCode": "COMMAND_EXECUTION_ERROR", "message":
                                     "Error while executing command: exit 3. Reason: exit status 3"}
    assert output_of(bad) == ["before", "finally", "post succeeding=0"], output_of(bad)
    early = wait(start("version: 0.2\nphases:\n  pre_build:\n    commands: [exit 1]\n"
                       "  build:\n    commands: [echo never]\n")["id"])
    assert [p for p, _ in phases(early)][5:] == ["PRE_BUILD", "FINALIZING", "COMPLETED"], phases(early)
    goes_on = wait(start("version: 0.2\nphases:\n  install:\n    on-failure: CONTINUE\n"
                         "    commands: [exit 1]\n  build:\n    commands: [echo went on]\n")["id"])
    assert goes_on["buildStatus"] == "FAILED" and output_of(goes_on) == ["went on"], output_of(goes_on)
    broken = wait(start("version: 0.2\nphases: [oops\n")["id"])
    assert broken["phases"][3]["contexts"][0]["statusCode"] == "YAML_FILE_ERROR", broken["phases"]

    # StopBuild kills the command's process group; the build stays STOPPED.
    pid_file = os.path.join(scratch, "pid")
    slow = start(f"version: 0.2\nphases:\n  build:\n    commands:\n      - echo $$ > {pid_file}; sleep 30\n")
    for _ in range(200):
        if os.path.exists(pid_file) and open(pid_file).read().strip():
            break
        time.sleep(0.05)
    assert cb.stop_build(id=slow["id"])["build"]["buildStatus"] == "STOPPED"
    time.sleep(0.2)
    again = cb.batch_get_builds(ids=[slow["id"]])["builds"][0]
    assert again["buildStatus"] == "STOPPED" and again["buildComplete"], "STOPPED did not stay"
    assert phases(again)[-2] == ("BUILD", "STOPPED"), phases(again)
    try:
        os.kill(int(open(pid_file).read()), 0)
        sys.exit("StopBuild left the build's process running")
    except ProcessLookupError:
        pass

    # A timeout in CodeBuild's minutes (one lasting 0.2 s here): TIMED_OUT.
    control(seconds_per_minute=0.2)
    t0 = time.time()
    late = wait(start("version: 0.2\nphases:\n  build:\n    commands: [sleep 30]\n",
                      timeoutInMinutesOverride=5)["id"])
    assert late["buildStatus"] == "TIMED_OUT" and time.time() - t0 < 5, (late["buildStatus"], time.time() - t0)
    assert phases(late)[-2] == ("BUILD", "TIMED_OUT") and late["phases"][-2]["contexts"][0]["statusCode"] == "BUILD_TIMED_OUT"

    # The account's quota: a second build waits in QUEUED while the first runs.
    control(concurrent_builds=1, faults={"KIND=fault": "PROVISIONING"})
    first = start("version: 0.2\nphases:\n  build:\n    commands: [sleep 1]\n")
    time.sleep(0.3)
    second = start("version: 0.2\nphases:\n  build:\n    commands: [echo second]\n")
    time.sleep(0.3)
    assert cb.batch_get_builds(ids=[second["id"]])["builds"][0]["currentPhase"] == "QUEUED"
    assert wait(second["id"])["buildStatus"] == "SUCCEEDED"
    assert wait(first["id"])["endTime"] <= wait(second["id"])["endTime"]
    fault = wait(start("version: 0.2\nphases: {}\n", environmentVariablesOverride=[
        {"name": "KIND", "value": "fault", "type": "PLAINTEXT"}])["id"])
    assert fault["buildStatus"] == "FAULT" and phases(fault)[-2] == ("PROVISIONING", "FAULT"), phases(fault)
    control()

    # An S3 zip as the source, and S3 artifacts.
    s3.create_bucket(Bucket="src")
    s3.create_bucket(Bucket="out")
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as z:
        z.writestr("app/main.txt", "from a zip\n")
    s3.put_object(Bucket="src", Key="app.zip", Body=zipped.getvalue())
    cb.create_project(name="zipped", source={"type": "S3", "location": "src/app.zip", "buildspec":
                      "version: 0.2\nphases:\n  build:\n    commands:\n      - mkdir out && cp app/main.txt out/\n"
                      "artifacts:\n  files: ['out/*']\n"},
                      artifacts={"type": "S3", "location": "out", "packaging": "NONE"},
                      environment=environment, serviceRole=role)
    zb = wait(start(project="zipped")["id"])
    assert zb["buildStatus"] == "SUCCEEDED", (phases(zb), log_of(zb))
    body = s3.get_object(Bucket="out", Key="zipped/out/main.txt")["Body"].read()
    assert body == b"from a zip\n", body
    print("moto codebuild: builds run their buildspec from the source at sourceVersion, with "
          "CodeBuild's variables, phase transitions, logs, exports, timeouts, StopBuild, quota")


def check_ecr(port):
    ecr = client("ecr", port)
    ecr.create_repository(repositoryName="app")
    digests = []
    for token in ("one", "two"):
        manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                               "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                                          "digest": "sha256:" + "0" * 64, "size": 2},
                               "layers": [], "annotations": {"token": token}})
        pushed = ecr.put_image(repositoryName="app", imageManifest=manifest, imageTag=token)
        digest = "sha256:" + hashlib.sha256(manifest.encode()).hexdigest()
        assert pushed["image"]["imageId"]["imageDigest"] == digest, pushed["image"]["imageId"]
        found = ecr.describe_images(repositoryName="app", imageIds=[{"imageTag": token}])
        assert found["imageDetails"][0]["imageDigest"] == digest
        digests.append(digest)
    assert digests[0] != digests[1]
    print("moto ecr: an image's digest is the sha256 of its manifest")


def check_unnamed_ssm_parameter(port):
    cf, ssm = client("cloudformation", port), client("ssm", port)
    template = {"Resources": {"Unnamed": {"Type": "AWS::SSM::Parameter",
                                          "Properties": {"Type": "String", "Value": "v1"}}}}
    cf.create_stack(StackName="unnamed", TemplateBody=json.dumps(template))
    stack = cf.describe_stacks(StackName="unnamed")["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack["StackStatus"]
    name = cf.describe_stack_resource(StackName="unnamed", LogicalResourceId="Unnamed")[
        "StackResourceDetail"]["PhysicalResourceId"]
    assert ssm.get_parameter(Name=name)["Parameter"]["Value"] == "v1", name
    print("moto cloudformation: an SSM parameter without a Name gets a generated one")


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


def check_change_set_id(port):
    """DescribeStacks names the change set a stack was last created or updated with, and has
    a LastUpdatedTime once it was updated (CreationTime before), as CloudFormation's does."""
    cf = client("cloudformation", port)
    # Change set names of their own: the rollback check's watcher finds a change set by name.
    body = ('{"Parameters": {"V": {"Type": "String"}}, "Resources": {"P": {"Type": '
            '"AWS::SSM::Parameter", "Properties": {"Name": "/change-set-check", "Type": "String", '
            '"Value": {"Ref": "V"}}}}}')
    first = cf.create_change_set(StackName="check", ChangeSetName="ids1", TemplateBody=body,
                                 ChangeSetType="CREATE",
                                 Parameters=[{"ParameterKey": "V", "ParameterValue": "1"}])
    cf.execute_change_set(ChangeSetName=first["Id"], StackName="check")
    created = cf.describe_stacks(StackName="check")["Stacks"][0]
    assert created["ChangeSetId"] == first["Id"], created
    assert "LastUpdatedTime" not in created, created
    second = cf.create_change_set(StackName="check", ChangeSetName="ids2", TemplateBody=body,
                                  ChangeSetType="UPDATE",
                                  Parameters=[{"ParameterKey": "V", "ParameterValue": "2"}])
    cf.execute_change_set(ChangeSetName=second["Id"], StackName="check")
    updated = cf.describe_stacks(StackName="check")["Stacks"][0]
    assert updated["ChangeSetId"] == second["Id"], updated
    assert updated["LastUpdatedTime"] >= updated["CreationTime"], updated
    assert updated["Parameters"] == [{"ParameterKey": "V", "ParameterValue": "2"}], updated
    print("moto cloudformation: ChangeSetId and LastUpdatedTime of the last change set kept")


def launch(*args, env=None):
    """The launcher on a free port with `args`, once it accepts connections: (process, port)."""
    port = free_port()
    launcher = os.path.join(os.path.dirname(os.path.abspath(__file__)), "moto_launcher.py")
    server = subprocess.Popen([sys.executable, launcher, str(port), *args],
                              stdout=subprocess.DEVNULL,
                              stderr=open(os.environ.get("MOTO_CHECK_LOG", os.devnull), "w"),
                              env={**os.environ, **(env or {})})
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    return server, port


def main():
    scratch = tempfile.mkdtemp()
    control_path = os.path.join(scratch, "codebuild.json")
    server, port = launch("--single-threaded", env={"MOTO_CODEBUILD_CONTROL": control_path,
                                                    "MOTO_CFN_SECONDS_PER_MINUTE": "1"})
    try:
        check_dynamodb(port)
        check_ecr(port)
        check_codebuild(port, control_path, scratch)
        check_cloudformation(port)
        check_change_set_id(port)
        check_unnamed_ssm_parameter(port)
        check_rollback_and_drift(port)
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(scratch, ignore_errors=True)
    # The tests' default: a moto serving requests on many threads at once.
    server, port = launch()
    try:
        check_dynamodb_concurrency(port)
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
