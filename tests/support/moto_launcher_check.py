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


def main():
    port = free_port()
    launcher = os.path.join(os.path.dirname(os.path.abspath(__file__)), "moto_launcher.py")
    scratch = tempfile.mkdtemp()
    control_path = os.path.join(scratch, "codebuild.json")
    server = subprocess.Popen([sys.executable, launcher, str(port), "--single-threaded"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              env={**os.environ, "MOTO_CODEBUILD_CONTROL": control_path})
    try:
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        check_dynamodb(port)
        check_ecr(port)
        check_codebuild(port, control_path, scratch)
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
