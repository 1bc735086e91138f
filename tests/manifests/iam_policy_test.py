#!/usr/bin/env python3
"""Checks the example's IAM policies: manifests/iam/codebuild-policy.json (the CodeBuild
role) and manifests/iam/serve-task-policy.json (slipway serve's ECS task role).

  iam_policy_test.py REPOSITORY_ROOT

The document: valid JSON, Version 2012-10-17, every statement with Effect, Action and
Resource; no wildcard action; every resource an ARN of the actions' own service with its
region and account spelled out, "*" only for an action AWS authorizes account-wide
(ecr:GetAuthorizationToken); iam:PassRole only to CloudFormation. Least privilege that
still works: it covers the example's stacks (manifests/slipway.yml), its ECR repository,
the store table of the buildspec, and every IAM action slipway's code names at its AWS call
sites (aws::Operation literals), unless the policy's list below says why that role does not
need it; the serve policy covers the task definition's queue, repository and table.
"""

import fnmatch
import glob
import json
import os
import re
import sys

try:
    import yaml
except ImportError:
    print("skipped: python3's yaml module is missing (scripts/setup.sh installs python3-yaml)")
    sys.exit(77)

ACCOUNT_WIDE = {"ecr:GetAuthorizationToken", "cloudformation:DescribeStackDriftDetectionStatus"}
# slipway's own sources: every AWS call names its operation and IAM actions once, as an
# aws::Operation literal {"Operation", "service:Action ..."} (aws/operation.hpp).
MODULES = ["adopt", "aws", "cli", "common", "components", "deploy", "diff", "pipeline",
           "service", "versioning"]
OPERATION = re.compile(r'\{"(\w+)",\s*"((?:none:[^"]+)|(?:[a-z0-9-]+:[A-Za-z0-9]+'
                       r'(?: [a-z0-9-]+:[A-Za-z0-9]+)*))"\}')
# A client call whose operation is not such a literal (a string or a variable) would hide its
# IAM action from this test; the client's signatures take aws::Operation, whose constructor
# is consteval, so the compiler refuses anything but literals. This catches the old forms.
UNNAMED_CALL = re.compile(r'(?:(?:query|send)\([^;{]*?_service\(\),\s*|'
                          r'json\([^;{]*?_service\(\),\s*[^,{]+,\s*)"[A-Z]\w+"')
# Each policy, and the actions found in the code that it need not allow, with the reason
# (an exemption must name an action the code still calls, so none outlives its call).
POLICIES = {
    "manifests/iam/codebuild-policy.json": {
        "dynamodb:CreateTable": "slipway store init runs once, by an administrator",
        "sqs:ReceiveMessage": "slipway serve only (serve-task-policy.json)",
        "sqs:DeleteMessage": "slipway serve only (serve-task-policy.json)",
        "codecommit:GitPull": "slipway serve only; CodeBuild clones the source itself",
        "codebuild:StartBuild": "--remote codebuild only (docs/remote.md adds the statement)",
        "codebuild:BatchGetBuilds": "--remote codebuild only (docs/remote.md)",
        "codebuild:StopBuild": "--remote codebuild only (docs/remote.md)",
        "logs:GetLogEvents": "--remote codebuild only (docs/remote.md)",
        "sts:AssumeRole": "only for environments with role_arn (cross-account; none in the "
                          "example), and profiles with role_arn",
    },
    "manifests/iam/serve-task-policy.json": {
        "dynamodb:CreateTable": "slipway store init runs once, by an administrator",
        "sts:AssumeRole": "only for environments with role_arn (cross-account; none in the "
                          "example), and profiles with role_arn",
    },
}
failures = []


def check(condition, message):
    if not condition:
        failures.append(message)
        print(f"FAIL: {message}")


def as_list(value):
    return value if isinstance(value, list) else [value]


def allowed(policy, action, resource=None):
    """True when an Allow statement grants action (on resource, when given)."""
    for s in policy["Statement"]:
        if s.get("Effect") != "Allow" or action not in as_list(s.get("Action", [])):
            continue
        if resource is None or any(fnmatch.fnmatchcase(resource, r)
                                   for r in as_list(s.get("Resource", []))):
            return True
    return False


def check_statement(i, s):
    sid = s.get("Sid", f"statement {i}")
    for key in ("Effect", "Action", "Resource"):
        check(key in s, f"{sid}: no {key}")
    check(s.get("Effect") in ("Allow", "Deny"), f"{sid}: Effect {s.get('Effect')!r}")
    check("NotAction" not in s and "NotResource" not in s, f"{sid}: NotAction/NotResource")
    actions, resources = as_list(s.get("Action", [])), as_list(s.get("Resource", []))
    for action in actions:
        check(re.fullmatch(r"[a-z0-9-]+:[A-Za-z0-9]+", action or ""),
              f"{sid}: action {action!r} is not one service:Action (no wildcards)")
    services = {a.split(":")[0] for a in actions if ":" in a}
    if "*" in resources:
        check(resources == ["*"] and set(actions) <= ACCOUNT_WIDE,
              f"{sid}: Resource \"*\" for {actions} (only for {sorted(ACCOUNT_WIDE)})")
        return
    for arn in resources:
        parts = arn.split(":", 5)
        check(len(parts) == 6 and parts[0] == "arn" and parts[1] == "aws",
              f"{sid}: {arn} is not an ARN")
        if len(parts) < 6:
            continue
        service, region, account = parts[2], parts[3], parts[4]
        check(services == {service}, f"{sid}: {arn} is not of the actions' service {services}")
        if service not in ("s3", "iam"):
            check(re.fullmatch(r"[a-z]{2}-[a-z]+-\d", region), f"{sid}: {arn}: region {region!r}")
        if service != "s3":
            check(re.fullmatch(r"\d{12}", account), f"{sid}: {arn}: account {account!r}")
        check(parts[5] not in ("*", "") and not parts[5].startswith("*"),
              f"{sid}: {arn}: the resource is not named")
    if "iam:PassRole" in actions:
        passed = s.get("Condition", {}).get("StringEquals", {}).get("iam:PassedToService")
        check(passed == "cloudformation.amazonaws.com",
              f"{sid}: iam:PassRole without iam:PassedToService cloudformation.amazonaws.com")


def operations_in_code(root):
    """{IAM action: [where it is called]} from every aws::Operation literal of the sources."""
    actions = {}
    for module in MODULES:
        for source in sorted(glob.glob(os.path.join(root, module, "**", "*.[ch]pp"),
                                       recursive=True)):
            with open(source) as f:
                text = f.read()
            where = os.path.relpath(source, root)
            for call in UNNAMED_CALL.findall(text):
                check(False, f"{where}: an AWS call without an aws::Operation literal: {call}")
            for operation, iam in OPERATION.findall(text):
                if iam.startswith("none:"):
                    continue
                for action in iam.split():
                    actions.setdefault(action, []).append(f"{where} ({operation})")
    return actions


def check_covers_slipway(policy, path, actions):
    exempt = POLICIES[path]
    for action, calls in sorted(actions.items()):
        if action in exempt:
            check(not allowed(policy, action),
                  f"{path}: {action} is allowed and also listed as not needed")
            continue
        check(allowed(policy, action), f"{path}: {action} not allowed; called by {calls[0]}")
    for action in exempt:
        check(action in actions, f"{path}: exempts {action}, which the code no longer calls")


def check_covers_example(policy, root):
    with open(os.path.join(root, "manifests/slipway.yml")) as f:
        manifest = yaml.safe_load(f)
    for name, env in manifest["environments"].items():
        names = [s["name"] for s in env["stacks"]] if "stacks" in env else [env["stack"]]
        for region in env.get("regions", [env.get("region")]):
            for stack_name in names:
                stack = (f"arn:aws:cloudformation:{region}:123456789012:stack/{stack_name}/"
                         "0a1b2c3d-0000-0000-0000-000000000000")
                for action in ("cloudformation:CreateChangeSet", "cloudformation:ExecuteChangeSet"):
                    check(allowed(policy, action, stack),
                          f"{action} on the {name} stack {stack_name} in {region}")
    registry, _, repository = manifest["image"]["repository"].partition("/")
    account, region = registry.split(".")[0], registry.split(".")[3]
    repo_arn = f"arn:aws:ecr:{region}:{account}:repository/{repository}"
    check(allowed(policy, "ecr:PutImage", repo_arn), f"ecr:PutImage on {repo_arn}")
    with open(os.path.join(root, "manifests/buildspec.yml")) as f:
        store = yaml.safe_load(f)["env"]["variables"]["SLIPWAY_STORE"]
    table = re.match(r"dynamodb://([^?]+)\?region=(.+)", store)
    table_arn = f"arn:aws:dynamodb:{table.group(2)}:{account}:table/{table.group(1)}"
    check(allowed(policy, "dynamodb:PutItem",
                  table_arn), f"dynamodb:PutItem on {table_arn}")


def check_policy(root, path, actions):
    with open(os.path.join(root, path)) as f:
        policy = json.load(f)
    check(policy.get("Version") == "2012-10-17", f"{path}: Version {policy.get('Version')!r}")
    statements = policy.get("Statement")
    check(isinstance(statements, list) and statements, f"{path}: Statement is not a non-empty list")
    sids = [s.get("Sid") for s in statements]
    check(len(set(sids)) == len(sids), f"{path}: Sids are not unique: {sids}")
    for i, s in enumerate(statements):
        check_statement(i, s)
    check_covers_slipway(policy, path, actions)
    check_covers_example(policy, root)
    return policy


def check_serve_policy(policy, root):
    """The task role of manifests/serve/ecs-task-definition.json: its queue, its repository."""
    with open(os.path.join(root, "manifests/serve/ecs-task-definition.json")) as f:
        task = json.load(f)
    env = {e["name"]: e["value"] for e in task["containerDefinitions"][0]["environment"]}
    queue = re.match(r"https://sqs\.([^.]+)\.amazonaws\.com/(\d+)/(.+)", env["SLIPWAY_SQS_QUEUE"])
    queue_arn = f"arn:aws:sqs:{queue.group(1)}:{queue.group(2)}:{queue.group(3)}"
    check(allowed(policy, "sqs:ReceiveMessage", queue_arn), f"sqs:ReceiveMessage on {queue_arn}")
    repo = re.match(r"https://git-codecommit\.([^.]+)\.amazonaws\.com/v1/repos/(.+)",
                    env["SLIPWAY_REPO_URL"])
    check(repo, f"SLIPWAY_REPO_URL {env['SLIPWAY_REPO_URL']!r} is not a CodeCommit HTTPS URL")
    if repo:
        repo_arn = f"arn:aws:codecommit:{repo.group(1)}:{queue.group(2)}:{repo.group(2)}"
        check(allowed(policy, "codecommit:GitPull", repo_arn), f"codecommit:GitPull on {repo_arn}")
    table = re.match(r"dynamodb://([^?]+)\?region=(.+)", env["SLIPWAY_STORE"])
    table_arn = f"arn:aws:dynamodb:{table.group(2)}:{queue.group(2)}:table/{table.group(1)}"
    check(allowed(policy, "dynamodb:ConditionCheckItem", table_arn),
          f"dynamodb:ConditionCheckItem on {table_arn}")


def main():
    root = sys.argv[1]
    actions = operations_in_code(root)
    check("dynamodb:ConditionCheckItem" in actions and "cloudformation:CreateChangeSet" in actions,
          f"the code's operations were not found: {sorted(actions)}")
    policies = {path: check_policy(root, path, actions) for path in POLICIES}
    with open(os.path.join(root, "manifests/iam/README.md")) as f:
        check("arn:aws:cloudformation:us-east-1:aws:transform/Serverless-2016-10-31" in f.read(),
              "manifests/iam/README.md does not say what the SAM transform's CreateChangeSet needs")
    check_serve_policy(policies["manifests/iam/serve-task-policy.json"], root)
    if failures:
        sys.exit(1)
    print(f"PASS: {len(policies)} policies, least privilege, cover the {len(actions)} IAM actions "
          "slipway's code calls")


if __name__ == "__main__":
    main()
