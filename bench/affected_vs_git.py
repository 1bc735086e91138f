#!/usr/bin/env python3
"""Headline: wall time of `slipway affected --base main` over the wall time of
`git diff --name-only --no-renames main...HEAD` on the same synthetic monorepo (2,000
components, 100,000 files, 10,000 changed paths by default; HEAD is the `feature` branch,
checked out as a CI job would have it), same machine, same run. Target: at most 1.5x,
peak memory under 100 MB.

"cold" is the case that counts, a CI runner's fresh clone: `.slipway/` is deleted before
every run, each run is a new process. "warm" leaves `.slipway/` from the run before (slipway
keeps nothing there for `affected`, so the two should agree).
"""
import argparse
import os
import shutil

import benchlib


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--repo", default=os.path.join(benchlib.SCRATCH, "mono"))
    a = ap.parse_args()
    benchlib.ensure_repo(a.repo)
    git = ["git", "diff", "--name-only", "--no-renames", "main...HEAD"]
    slipway = [benchlib.SLIPWAY, "affected", "--base", "main"]
    cold = lambda: shutil.rmtree(os.path.join(a.repo, ".slipway"), ignore_errors=True)
    medians = benchlib.compare([("git diff", git, None), ("slipway affected (cold)", slipway, cold),
                                ("slipway affected (warm)", slipway, None)], a.repo, a.runs)
    memory = {"git diff": benchlib.peak_rss_mb(git, a.repo)}
    cold()
    memory["slipway affected (cold)"] = benchlib.peak_rss_mb(slipway, a.repo)
    memory["slipway affected (warm)"] = benchlib.peak_rss_mb(slipway, a.repo)
    floor = medians["git diff"]
    rows = [(label, f"{t * 1000:.1f} ms", f"{t / floor:.2f}x", f"{memory[label]:.0f} MB")
            for label, t in medians.items()]
    print(benchlib.table(rows, ["command", "median wall time", "vs git diff", "peak memory"]))
    affected = benchlib.run_once(slipway, a.repo)[1].decode().splitlines()
    changed = benchlib.run_once(git, a.repo)[1].decode().splitlines()
    print(f"\n{len(changed)} changed paths, {len(affected)} affected components, {a.runs} runs each")


if __name__ == "__main__":
    main()
