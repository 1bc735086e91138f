#!/usr/bin/env python3
"""Remote builds: `slipway build --all -j50` of 50 components that all build on CodeBuild, a
generated DAG (0-2 dependencies each), against moto (tests/support/moto_launcher.py, whose
CodeBuild is a local build agent: it clones the repository at the run's commit and runs
manifests/remote/buildspec-remote.yml, whose build command here is `sleep 2..8` and ten
lines of output). The account's quota of concurrently running builds is --concurrency
(CodeBuild queues the builds beyond it). Reports the makespan against the lower bound
max(critical path, total work / concurrency) of the sleeps, and the AWS calls per build, by
operation (slipway -v prints them; moto's request log counts them again).

CodeBuild builds take minutes and the default poll interval backs off from 2 s to 15 s; the
scripted builds here take seconds, so the poll interval is scaled down with them
(SLIPWAY_CODEBUILD_POLL_MS, default "200,1500"): both the makespan overhead and the calls
per build are what the same schedule costs at ten times the durations with the defaults.
"""
import argparse
import json
import os
import random
import re
import shutil
import subprocess
import time

import benchlib

COUNT = 50


def make_repo(path, seed):
    rng = random.Random(seed)
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    lines = ["image: {repository: bench.example/app}",
             "remote: {codebuild: {project: slipway-bench}}", "components:"]
    script, durations, deps = {}, [], []
    for i in range(COUNT):
        ms = rng.randint(2000, 8000)
        d = sorted(set(rng.sample(range(i), min(i, rng.randint(0, 2))))) if i else []
        durations.append(ms / 1000)
        deps.append(d)
        dep_text = f", depends_on: [{', '.join(f'c{j:02d}' for j in d)}]" if d else ""
        build = f"for k in 0 1 2 3 4 5 6 7 8 9; do echo c{i:02d} step $k; done; sleep {ms / 1000:.3f}"
        lines.append(f"  c{i:02d}: {{paths: [c{i:02d}/], parameter: P{i}, build: '{build}', remote: codebuild{dep_text}}}")
    with open(os.path.join(path, "slipway.yml"), "w") as f:
        f.write("\n".join(lines) + "\n")
    os.makedirs(os.path.join(path, "manifests", "remote"))
    shutil.copy(os.path.join(benchlib.ROOT, "manifests", "remote", "buildspec-remote.yml"),
                os.path.join(path, "manifests", "remote", "buildspec-remote.yml"))
    benchlib.commit_all(path)
    finish = []
    for i in range(COUNT):
        finish.append(durations[i] + max((finish[j] for j in deps[i]), default=0))
    return max(finish), sum(durations)


def create_project(env, repo):
    subprocess.run(["aws", "codebuild", "create-project", "--name", "slipway-bench",
                    "--source", f"type=CODECOMMIT,location={repo},buildspec=manifests/remote/buildspec-remote.yml",
                    "--artifacts", "type=NO_ARTIFACTS",
                    "--environment", "type=LINUX_CONTAINER,image=img,computeType=BUILD_GENERAL1_SMALL",
                    "--service-role", "arn:aws:iam::123456789012:role/cb"],
                   env=env, check=True, stdout=subprocess.DEVNULL)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--poll", default="200,1500", help="SLIPWAY_CODEBUILD_POLL_MS (min,max)")
    ap.add_argument("--concurrency", type=int, default=20,
                    help="the account's quota of concurrently running CodeBuild builds")
    a = ap.parse_args()
    repo = os.path.join(benchlib.SCRATCH, "remote")
    critical, work = make_repo(repo, a.seed)
    bound = max(critical, work / a.concurrency)
    control_path = os.path.join(benchlib.SCRATCH, "remote-codebuild.json")
    with open(control_path, "w") as f:
        json.dump({"concurrent_builds": a.concurrency}, f)
    os.environ["MOTO_CODEBUILD_CONTROL"] = control_path  # moto reads it at every StartBuild
    with benchlib.moto_workdir("slipway-remote-bench-") as (_, env, log):
        env = dict(env, SLIPWAY_CODEBUILD_POLL_MS=a.poll)
        create_project(env, repo)
        rows = []
        for _ in range(a.runs):
            log.flush()
            before = open(log.name).read().count('"POST /')
            start = time.perf_counter()
            done = subprocess.run([benchlib.SLIPWAY, "-v", "build", "--all", "-j50", "--no-reuse",
                                   "--quiet"], cwd=repo, env=env, capture_output=True, text=True)
            wall = time.perf_counter() - start
            if done.returncode != 0:
                raise SystemExit(f"slipway build failed ({done.returncode}): {done.stderr[-2000:]}")
            log.flush()
            posts = open(log.name).read().count('"POST /') - before
            line = done.stderr.split("codebuild: API calls:")[-1].splitlines()[0]
            rows.append((wall, posts, {k: int(v) for k, v in re.findall(r"(\w+) (\d+)", line)}))
    rows.sort(key=lambda r: r[0])
    wall, posts, calls = rows[len(rows) // 2]
    print(benchlib.table([(f"{critical:.2f} s", f"{work:.1f} s", f"{a.concurrency}", f"{bound:.2f} s",
                           f"{wall:.2f} s", f"{wall / bound:.3f}",
                           f"{posts / COUNT:.1f}", " ".join(f"{k} {v / COUNT:.2f}" for k, v in sorted(calls.items())))],
                         ["critical path", "total work", "concurrency", "lower bound", "makespan (median run)",
                          "/ bound", "AWS calls per build", "by operation, per build"]))
    print(f"\n{COUNT} remote builds, -j50, quota {a.concurrency}, poll {a.poll} ms, {a.runs} runs; all runs: "
          + ", ".join(f"{w:.2f} s" for w, _, _ in rows))


if __name__ == "__main__":
    main()
