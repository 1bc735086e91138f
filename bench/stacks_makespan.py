#!/usr/bin/env python3
"""An environment of several stacks at scale (issue 29): a generated repository with 1,000
image components over 6 stacks (each under CloudFormation's 200 parameters) in 2 regions,
deployed by `slipway run --env prod --all` against one moto server
(tests/support/moto_launcher.py) on 127.0.0.1.

Two layouts of the same stacks, the same engine:
  parallel    the 6 stacks are independent and both regions are one wave: the flow graph
              deploys all 12 (stack, region) nodes at once;
  sequential  each stack depends_on the one before and the regions are two waves: the 12
              nodes go one after another.
The figure is the deploy phase's makespan (the run report's `deploy` phase) of each, and
their ratio. Then one component changes and `slipway run` updates only its stack (in both
regions), checked from the store.

    python3 bench/stacks_makespan.py [--components 1000] [--stacks 6] [--runs 3]
"""
import argparse
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import SLIPWAY, commit_all, start_moto, table  # noqa: E402

REGIONS = ["us-east-1", "eu-west-1"]


def write(root, path, text):
    full = os.path.join(root, path)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, "w", encoding="utf-8") as f:
        f.write(text)


def generate(root, components, stacks, sequential):
    names = [f"c{i:04d}" for i in range(components)]
    per = (components + stacks - 1) // stacks
    groups = [names[k * per:(k + 1) * per] for k in range(stacks)]
    manifest = ["version: 1", "project: stacks-bench", "image: {repository: r.example/bench}",
                "components:"]
    for n in names:
        manifest.append(f"  {n}: {{paths: [svc/{n}/], parameter: P{n}, build: \"true\"}}")
        write(root, f"svc/{n}/main.py", "v1\n")
    manifest += ["environments:", "  prod:", "    base: main", "    stacks:"]
    for k, group in enumerate(groups):
        params = "".join(f"  P{n}: {{Type: String}}\n" for n in group)
        write(root, f"stacks/s{k}.yml",
              "Parameters:\n" + params + "Resources:\n  R:\n    Type: AWS::SSM::Parameter\n"
              "    Properties: {Name: !Sub \"/bench/${AWS::StackName}\", Type: String, Value: x}\n")
        after = f", depends_on: [bench-s{k - 1}]" if sequential and k > 0 else ""
        manifest.append(f"      - {{name: bench-s{k}, template: stacks/s{k}.yml, "
                        f"components: [{', '.join(group)}]{after}}}")
    manifest.append(f"    regions: [{', '.join(REGIONS)}]")
    if sequential:
        manifest.append("    waves: [" + ", ".join(f"[{r}]" for r in REGIONS) + "]")
    write(root, "slipway.yml", "\n".join(manifest) + "\n")
    commit_all(root)


def deploy_ms(report):
    with open(report, encoding="utf-8") as f:
        doc = json.load(f)
    assert doc["result"] == "deployed", doc["result"]
    return next(p["duration_ms"] for p in doc["phases"] if p["name"] == "deploy"), doc


def run(root, env, args):
    proc = subprocess.run([SLIPWAY, *args, "--repo", root], env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"slipway {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")


def one_layout(components, stacks, sequential, moto_url):
    root = tempfile.mkdtemp(prefix="slipway-stacks-")
    try:
        generate(root, components, stacks, sequential)
        env = {**os.environ, "AWS_ENDPOINT_URL": moto_url, "AWS_ACCESS_KEY_ID": "AKIDBENCH",
               "AWS_SECRET_ACCESS_KEY": "bench", "AWS_DEFAULT_REGION": "us-east-1", "CI": "true"}
        report = os.path.join(root, "report.json")
        run(root, env, ["run", "--env", "prod", "--all", "-q", "--json-report", report])
        ms, doc = deploy_ms(report)
        nodes = len(doc["stacks"])
        # One component's change: only its stack moves, in every region.
        write(root, "svc/c0007/main.py", "v2\n")
        subprocess.run(["git", "-C", root, "-c", "user.email=b@x", "-c", "user.name=b", "commit", "-qam",
                        "c0007 v2"], check=True)
        run(root, env, ["run", "--env", "prod", "-q"])
        db = sqlite3.connect(os.path.join(root, ".slipway", "state.db"))
        moved = [r[0] for r in db.execute(f"SELECT stack || '@' || region FROM deployments WHERE id > {nodes} "
                                          "ORDER BY id")]
        max_params = db.execute("SELECT MAX(n) FROM (SELECT COUNT(*) n FROM deployment_images "
                                "GROUP BY deployment_id)").fetchone()[0]
        return ms, nodes, moved, max_params
    finally:
        shutil.rmtree(root, ignore_errors=True)


def moto_up(url):
    """start_moto waits 10 s; a loaded machine may need longer."""
    import socket
    import time
    port = int(url.rsplit(":", 1)[1])
    for _ in range(600):
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("moto did not start")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--components", type=int, default=1000)
    ap.add_argument("--stacks", type=int, default=6)
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    rows, medians = [], {}
    for label, sequential in (("parallel", False), ("sequential", True)):
        times = []
        for _ in range(a.runs):
            moto, url = start_moto()
            try:
                moto_up(url)
                ms, nodes, moved, max_params = one_layout(a.components, a.stacks, sequential, url)
            finally:
                moto.terminate()
                moto.wait()
            times.append(ms)
        medians[label] = statistics.median(times)
        rows.append([label, nodes, max_params, f"{medians[label] / 1000:.2f} s",
                     ", ".join(f"{t / 1000:.2f}" for t in times), " ".join(moved)])
    print(table(rows, ["layout", "stack deploys", "max parameters", "deploy makespan (median)",
                       "runs (s)", "one change deployed"]))
    print(f"\nsequential / parallel: {medians['sequential'] / medians['parallel']:.2f}x")


if __name__ == "__main__":
    main()
