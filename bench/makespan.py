#!/usr/bin/env python3
"""Makespan: a generated DAG of 200 components whose builds sleep 10-100 ms, `-j4`. The lower
bound of any schedule is max(critical path, total work / 4); report the measured wall time
of `slipway build` (process start and store writes included) over that bound.
Target: at most 1.05.

Two bounds are reported. The nominal one counts only the sleeps. But a build is
`/bin/sh -c "sleep 0.05"`, and starting the shell and /bin/sleep costs about 3 ms on top of
the sleep for any runner; the second bound uses each build's duration as slipway measured it
(spawn to exit), so makespan over it is what slipway's own scheduling and bookkeeping add.
"""
import argparse
import json
import os
import random
import shutil
import sqlite3
import subprocess

import benchlib


def make_repo(path, count, seed):
    rng = random.Random(seed)
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    sleeps, deps = [], []
    lines = ["image: {repository: bench.example/app}", "components:"]
    for i in range(count):
        ms = rng.randint(10, 100)
        d = sorted(set(rng.sample(range(i), min(i, rng.randint(0, 3))))) if i else []
        sleeps.append(ms)
        deps.append(d)
        dep_text = f", depends_on: [{', '.join(f'c{j:03d}' for j in d)}]" if d else ""
        lines.append(f"  c{i:03d}: {{paths: [c{i:03d}/], parameter: P{i}, build: \"sleep {ms / 1000:.3f}\"{dep_text}}}")
    with open(os.path.join(path, "slipway.yml"), "w") as f:
        f.write("\n".join(lines) + "\n")
    benchlib.commit_all(path)
    finish = []
    for i in range(count):  # earliest finish along the longest chain
        finish.append(sleeps[i] + max((finish[j] for j in deps[i]), default=0))
    return max(finish) / 1000, sum(sleeps) / 1000, deps


def bound_of(durations, deps, slots):
    finish = []
    for i, d in enumerate(durations):
        finish.append(d + max((finish[j] for j in deps[i]), default=0))
    return max(max(finish), sum(durations) / slots)


def schedule_span(repo, run_id, store="state.db"):
    """First build start to last build end of one run, as slipway recorded them (ms)."""
    with sqlite3.connect(os.path.join(repo, ".slipway", store)) as db:
        first, last = db.execute("SELECT MIN(started_at), MAX(finished_at) FROM builds WHERE run_id = ?",
                                 (run_id,)).fetchone()
    return (last - first) / 1000


def measure(binaries, repo, runs, deps):
    """Each (label, binary, store) `runs` times, the binaries taking turns, after a warm-up
    each; per label the median-wall run: (wall, schedule span, measured bound)."""
    def argv(binary, store):
        return [binary, "build", "--all", "-j4", "--no-reuse", "--quiet", "--json",
                "--store", f"sqlite:.slipway/{store}"]
    for _, binary, store in binaries:
        benchlib.run_once(argv(binary, store), repo)
    results = {label: [] for label, _, _ in binaries}
    for _ in range(runs):
        for label, binary, store in binaries:
            wall, out = benchlib.run_once(argv(binary, store), repo)
            report = json.loads(out)
            builds = sorted(report["builds"], key=lambda b: b["component"])
            results[label].append((wall, schedule_span(repo, report["run_id"], store),
                                   bound_of([b["duration_ms"] / 1000 for b in builds], deps, 4)))
    return {label: sorted(r)[runs // 2] for label, r in results.items()}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--baseline", help="another slipway binary (an earlier commit) to measure in "
                                       "the same session, with a store of its own")
    a = ap.parse_args()
    repo = os.path.join(benchlib.SCRATCH, "makespan")
    critical, work, deps = make_repo(repo, 200, a.seed)
    bound = max(critical, work / 4)
    binaries = [("", benchlib.SLIPWAY, "state.db")]
    if a.baseline:
        binaries.append(("baseline: ", a.baseline, "baseline.db"))
    rows = []
    for label, (wall, span, real_bound) in measure(binaries, repo, a.runs, deps).items():
        rows += [(label + "sleeps only", "whole process", f"{critical:.2f} s", f"{work:.2f} s", f"{bound:.2f} s", f"{wall:.2f} s", f"{wall / bound:.3f}"),
                 (label + "sleeps only", "schedule", "", "", f"{bound:.2f} s", f"{span:.2f} s", f"{span / bound:.3f}"),
                 (label + "measured build durations", "whole process", "", "", f"{real_bound:.2f} s", f"{wall:.2f} s", f"{wall / real_bound:.3f}")]
    print(benchlib.table(rows, ["work counted", "makespan of", "critical path", "total work", "lower bound", "makespan (median run)", "makespan / bound"]))


if __name__ == "__main__":
    main()
