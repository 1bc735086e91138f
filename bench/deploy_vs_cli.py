#!/usr/bin/env python3
"""`slipway deploy` against `aws cloudformation deploy --parameter-overrides ...`: a 5-component
stack, one component's image changed per deploy, same template and values, one moto server
(tests/support/moto_launcher.py) on 127.0.0.1. Reports the wall time of each and the AWS API
calls each makes (counted from moto's request log).

    python3 bench/deploy_vs_cli.py [--runs 10]
"""
import argparse
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import SLIPWAY, moto_workdir, run_once  # noqa: E402

COMPONENTS = ["ingest", "train", "evaluate", "serve", "report"]
REPO = "123456789012.dkr.ecr.us-east-1.amazonaws.com/bench"


def param(c):
    return c.capitalize() + "Image"


def template():
    out = 'AWSTemplateFormatVersion: "2010-09-09"\nParameters:\n'
    out += "".join(f"  {param(c)}: {{Type: String}}\n" for c in COMPONENTS)
    out += "Resources:\n"
    for c in COMPONENTS:
        out += (f"  {c.capitalize()}Catalog:\n    Type: AWS::SSM::Parameter\n    Properties:\n"
                f"      Name: !Sub /bench/${{AWS::StackName}}/{c}\n      Type: String\n"
                f"      Value: !Ref {param(c)}\n")
    return out


def manifest():
    out = f"version: 1\nproject: bench\nimage: {{repository: {REPO}}}\ncomponents:\n"
    out += "".join(f"  {c}: {{paths: [{c}/], parameter: {param(c)}, build: 'true'}}\n" for c in COMPONENTS)
    out += "environments:\n  test: {stack: bench-slipway, region: us-east-1, template: template.yml}\n"
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=10)
    a = ap.parse_args()
    with moto_workdir("slipway-deploy-bench-") as (work, env, log):
        repo = os.path.join(work, "repo")
        os.makedirs(repo)
        with open(os.path.join(repo, "slipway.yml"), "w") as f:
            f.write(manifest())
        with open(os.path.join(repo, "template.yml"), "w") as f:
            f.write(template())
        subprocess.run("git init -q && git add -A && git -c user.email=b@b -c user.name=b commit -qm init",
                       shell=True, cwd=repo, check=True)

        def requests():
            log.flush()
            with open(log.name) as f:
                return sum(1 for line in f if '"POST ' in line or '"GET ' in line or '"PUT ' in line)

        def images(n, changed):
            return {c: f"{REPO}:{c}-{n if c == changed else 1}" for c in COMPONENTS}

        def slipway(n):
            given = ",".join(f"{c}={u}" for c, u in images(n, "train").items())
            return [SLIPWAY, "deploy", "--env", "test", "--yes", "--images", given]

        def cli(n):
            return ["aws", "cloudformation", "deploy", "--stack-name", "bench-cli", "--template-file",
                    "template.yml", "--parameter-overrides"] + [f"{param(c)}={u}" for c, u in images(n, "train").items()]

        run_once(slipway(1), repo, env)  # the stacks exist before timing
        run_once(cli(1), repo, env)
        times = {"slipway": [], "aws cloudformation deploy": []}
        calls = {"slipway": [], "aws cloudformation deploy": []}
        for n in range(2, 2 + a.runs):
            for name, argv in (("slipway", slipway(n)), ("aws cloudformation deploy", cli(n))):
                before = requests()
                seconds, _ = run_once(argv, repo, env)
                times[name].append(seconds)
                calls[name].append(requests() - before)
        print(f"{a.runs} deploys each, one of 5 component parameters changed per deploy, moto on 127.0.0.1\n")
        print(f"{'tool':<28}{'median s':>10}{'min s':>10}{'API calls':>11}")
        med = {}
        for name in times:
            ts = sorted(times[name])
            med[name] = ts[len(ts) // 2]
            print(f"{name:<28}{med[name]:>10.3f}{ts[0]:>10.3f}{max(calls[name]):>11}")
        print(f"\nslipway is {med['aws cloudformation deploy'] / med['slipway']:.1f}x faster "
              f"(target >= 5x), API calls {max(calls['slipway'])} vs {max(calls['aws cloudformation deploy'])}")


if __name__ == "__main__":
    main()
