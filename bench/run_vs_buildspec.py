#!/usr/bin/env python3
"""`slipway run` against the seed design's bash buildspec: the same repository (5 components,
builds being `true`), the same template, the same moto (tests/support/moto_launcher.py) on
127.0.0.1, one commit changing one component before each round.

The baseline is what teams write by hand: read the last deployed commit from DynamoDB, `git
diff --name-only` against it, for each component read its build number from DynamoDB with
the aws CLI and bump it when its folder changed (the build is `true`), `aws cloudformation
deploy --parameter-overrides` with every component's image, then write the bumped numbers
and the deployed commit back. slipway runs with its embedded SQLite store (the default) and
with its DynamoDB store on the same moto.

    python3 bench/run_vs_buildspec.py [--runs 10]
"""
import argparse
import os
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import SLIPWAY, moto_workdir, run_once  # noqa: E402
from deploy_vs_cli import COMPONENTS, REPO, param, template  # noqa: E402

TABLE = "bench-versions"

BUILDSPEC = r"""#!/usr/bin/env bash
# The seed design's buildspec: diff against the deployed commit, bump versions in DynamoDB
# with the aws CLI, deploy with every component's image, write the versions back.
set -euo pipefail
key() { printf '{"component": {"S": "%s"}}' "$1"; }
base=$(aws dynamodb get-item --table-name {table} --key "$(key _deployed)" --query Item.commit.S --output text)
changed=$(git diff --name-only "$base" HEAD)
overrides=() bumped=()
for c in {components}; do
  v=$(aws dynamodb get-item --table-name {table} --key "$(key "$c")" --query Item.version.N --output text)
  if grep -q "^$c/" <<<"$changed"; then
    v=$((v + 1))
    true  # the build
    bumped+=("$c=$v")
  fi
  overrides+=("${c^}Image={repo}:$c-$v")
done
aws cloudformation deploy --stack-name bench-buildspec --template-file template.yml \
  --parameter-overrides "${overrides[@]}" --no-fail-on-empty-changeset >/dev/null
for b in "${bumped[@]}"; do
  aws dynamodb put-item --table-name {table} --item \
    "{\"component\": {\"S\": \"${b%%=*}\"}, \"version\": {\"N\": \"${b#*=}\"}}"
done
aws dynamodb put-item --table-name {table} --item \
  "{\"component\": {\"S\": \"_deployed\"}, \"commit\": {\"S\": \"$(git rev-parse HEAD)\"}}"
"""


def manifest():
    out = f"version: 1\nproject: bench\nimage: {{repository: {REPO}, tag: '{{component}}-{{build}}'}}\n"
    out += "components:\n"
    out += "".join(f"  {c}: {{paths: [{c}/], parameter: {param(c)}, build: 'true'}}\n" for c in COMPONENTS)
    out += "environments:\n"
    out += "  sqlite: {stack: bench-slipway, region: us-east-1, template: template.yml}\n"
    out += "  dynamodb: {stack: bench-slipway-ddb, region: us-east-1, template: template.yml}\n"
    return out


def git(repo, *args):
    subprocess.run(["git", "-C", repo, "-c", "user.email=b@b", "-c", "user.name=b", *args], check=True,
                   stdout=subprocess.DEVNULL)


def prepare(repo, env):
    os.makedirs(repo)
    files = {"slipway.yml": manifest(), "template.yml": template(),
             "buildspec.sh": BUILDSPEC.replace("{table}", TABLE).replace("{components}", " ".join(COMPONENTS))
                                      .replace("{repo}", REPO),
             ".gitignore": ".slipway/\n"}
    files.update({f"{c}/main.py": "v0\n" for c in COMPONENTS})
    for name, text in files.items():
        os.makedirs(os.path.dirname(os.path.join(repo, name)), exist_ok=True)
        with open(os.path.join(repo, name), "w") as f:
            f.write(text)
    git(repo, "init", "-q", "-b", "dev")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "init")
    aws = ["aws", "dynamodb"]
    subprocess.run(aws + ["create-table", "--table-name", TABLE, "--billing-mode", "PAY_PER_REQUEST",
                          "--attribute-definitions", "AttributeName=component,AttributeType=S",
                          "--key-schema", "AttributeName=component,KeyType=HASH"],
                   env=env, check=True, stdout=subprocess.DEVNULL)
    head = subprocess.run(["git", "-C", repo, "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    for c in COMPONENTS:
        subprocess.run(aws + ["put-item", "--table-name", TABLE, "--item",
                              f'{{"component": {{"S": "{c}"}}, "version": {{"N": "1"}}}}'], env=env, check=True)
    subprocess.run(aws + ["put-item", "--table-name", TABLE, "--item",
                          f'{{"component": {{"S": "_deployed"}}, "commit": {{"S": "{head}"}}}}'], env=env, check=True)
    subprocess.run([SLIPWAY, "store", "init", "--store", "dynamodb://bench-slipway?region=us-east-1"],
                   cwd=repo, env=env, check=True, stdout=subprocess.DEVNULL)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=10)
    a = ap.parse_args()
    with moto_workdir("slipway-run-bench-") as (work, env, log):
        repo = os.path.join(work, "repo")
        prepare(repo, env)
        tools = {
            "bash buildspec (aws CLI)": ["bash", "buildspec.sh"],
            "slipway run (SQLite store)": [SLIPWAY, "run", "--env", "sqlite", "-q"],
            "slipway run (DynamoDB store)": [SLIPWAY, "run", "--env", "dynamodb", "-q", "--store",
                                             "dynamodb://bench-slipway?region=us-east-1"],
        }
        for argv in tools.values():  # the first deploy: stacks created, everything built
            run_once(argv, repo, env)
        times = {name: [] for name in tools}
        for n in range(a.runs):
            with open(os.path.join(repo, "train", "main.py"), "a") as f:
                f.write(f"# change {n}\n")
            git(repo, "commit", "-qam", f"train: change {n}")
            for name, argv in tools.items():
                times[name].append(run_once(argv, repo, env)[0])
        # Each tool really shipped every change: its stack holds train's last build.
        for stack in ("bench-buildspec", "bench-slipway", "bench-slipway-ddb"):
            value = subprocess.run(["aws", "cloudformation", "describe-stacks", "--stack-name", stack, "--query",
                                    "Stacks[0].Parameters[?ParameterKey=='TrainImage'].ParameterValue",
                                    "--output", "text"], env=env, capture_output=True, text=True).stdout.strip()
            if not value.endswith(f":train-{a.runs + 1}"):
                raise SystemExit(f"{stack}: TrainImage is {value!r}, expected build {a.runs + 1}")
        print(f"{a.runs} rounds: one commit changing 1 of 5 components, then each tool builds and deploys it\n")
        print(f"{'tool':<32}{'median s':>10}{'min s':>10}")
        med = {}
        for name, ts in times.items():
            med[name] = statistics.median(ts)
            print(f"{name:<32}{med[name]:>10.3f}{min(ts):>10.3f}")
        base = med["bash buildspec (aws CLI)"]
        for name in list(tools)[1:]:
            print(f"\n{name}: {base / med[name]:.1f}x faster than the buildspec (target >= 10x)", end="")
        print()


if __name__ == "__main__":
    main()
