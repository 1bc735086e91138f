#!/usr/bin/env python3
"""Scheduling overhead: `slipway build --all -j2` of 1,000 components whose build is `true`
(no dependencies, store writes included: every build has a number reserved and its start and
end recorded) against ninja running the same 1,000 commands from a generated build.ninja, same
machine, same run. ninja runs each through /bin/sh -c (where `true` is a builtin); slipway
executes /usr/bin/true directly, as it does any plain command. Target: slipway at most 1.3x
ninja.
"""
import argparse
import os
import shutil
import subprocess

import benchlib


def make_repo(path, count):
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    lines = ["image: {repository: bench.example/app}", "components:"]
    for i in range(count):
        lines.append(f"  c{i:04d}: {{paths: [c{i:04d}/], parameter: P{i}, build: \"true\"}}")
    with open(os.path.join(path, "slipway.yml"), "w") as f:
        f.write("\n".join(lines) + "\n")
    with open(os.path.join(path, "build.ninja"), "w") as f:
        f.write("rule run\n  command = true\n")
        for i in range(count):
            f.write(f"build out/c{i:04d}: run\n")
    benchlib.commit_all(path)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--components", type=int, default=1000)
    ap.add_argument("--scratch", default=benchlib.SCRATCH,
                    help="where to make the repository (e.g. /dev/shm to take the disk out)")
    ap.add_argument("--baseline", help="another slipway binary (an earlier commit) to time in the "
                                       "same rounds, with a store of its own")
    a = ap.parse_args()
    repo = os.path.join(a.scratch, "builds")
    make_repo(repo, a.components)
    slipway = [benchlib.SLIPWAY, "build", "--all", "-j2", "--no-reuse", "--quiet"]
    ninja = ["ninja", "-j2", "-d", "nostatcache"]
    commands = [("ninja -j2", ninja, None), ("slipway build -j2", slipway, None)]
    if a.baseline:
        baseline = [a.baseline] + slipway[1:] + ["--store", "sqlite:.slipway/baseline.db"]
        commands.append(("baseline slipway -j2", baseline, None))
    medians = benchlib.compare(commands, repo, a.runs)
    rows = [(label, f"{t * 1000:.0f} ms", f"{t / medians['ninja -j2']:.2f}x",
             f"{t * 1e6 / a.components:.0f} us") for label, t in medians.items()]
    print(benchlib.table(rows, ["command", "median wall time", "vs ninja", "per build"]))
    print(f"\n{a.components} builds of `true`, {a.runs} runs each (slipway's store grows by "
          f"{a.components} builds per run)")


if __name__ == "__main__":
    main()
