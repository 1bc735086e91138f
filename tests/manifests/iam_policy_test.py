#!/usr/bin/env python3
"""Checks manifests/iam/codebuild-policy.json, the CodeBuild role's policy of the example.

  iam_policy_test.py REPOSITORY_ROOT

The document: valid JSON, Version 2012-10-17, every statement with Effect, Action and
Resource; no wildcard action; every resource an ARN of the actions' own service with its
region and account spelled out, "*" only for an action AWS authorizes account-wide
(ecr:GetAuthorizationToken); iam:PassRole only to CloudFormation. Least privilege that
still works: it covers the example's stacks (manifests/slipway.yml), its ECR repository,
the store table of the buildspec, and every AWS action slipway's code calls (read from the
clients' sources), and nothing beyond the allowed set below.
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

ACCOUNT_WIDE = {"ecr:GetAuthorizationToken"}
# Operations slipway calls -> the IAM actions they need (None: not the CI role's job).
IAM_ACTION = {
    "dynamodb:TransactWriteItems": ["dynamodb:PutItem", "dynamodb:UpdateItem",
                                    "dynamodb:DeleteItem"],
    "dynamodb:CreateTable": None,          # slipway store init: once, by an administrator
    "s3:HeadObject": ["s3:GetObject", "s3:ListBucket"],
}
# The clients' sources (a glob: the DynamoDB store is several files) and how each names an
# operation.
SOURCES = {
    "cloudformation": ("deploy/cloudformation_client.cpp", r'call\("(\w+)"'),
    "dynamodb": ("versioning/dynamo_*.cpp", r'(?:call\(|k_target, )"(\w+)"'),
    "ecr": ("deploy/registry.cpp", r'call\("(\w+)"'),
    "s3": ("deploy/artifacts.cpp", r's3_service\(\), "(\w+)"'),
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


def check_covers_slipway(policy, root):
    for service, (path, pattern) in SOURCES.items():
        operations = set()
        for source in sorted(glob.glob(os.path.join(root, path))):
            with open(source) as f:
                operations |= set(re.findall(pattern, f.read()))
        operations = sorted(operations)
        check(operations, f"no {service} operation found in {path} (moved? update SOURCES)")
        for operation in operations:
            needed = IAM_ACTION.get(f"{service}:{operation}", [f"{service}:{operation}"])
            for action in needed or []:
                check(allowed(policy, action), f"{path} calls {operation}: {action} not allowed")


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


def main():
    root = sys.argv[1]
    path = os.path.join(root, "manifests/iam/codebuild-policy.json")
    with open(path) as f:
        policy = json.load(f)
    check(policy.get("Version") == "2012-10-17", f"Version {policy.get('Version')!r}")
    statements = policy.get("Statement")
    check(isinstance(statements, list) and statements, "Statement is not a non-empty list")
    sids = [s.get("Sid") for s in statements]
    check(len(set(sids)) == len(sids), f"Sids are not unique: {sids}")
    for i, s in enumerate(statements):
        check_statement(i, s)
    check_covers_slipway(policy, root)
    check_covers_example(policy, root)
    if failures:
        sys.exit(1)
    print(f"PASS: {path}: {len(statements)} statements, least privilege, covers slipway's calls")


if __name__ == "__main__":
    main()
