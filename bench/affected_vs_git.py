#!/usr/bin/env python3
"""Headline: wall time of `slipway affected --base main --head feature` over the wall time
of `git diff --name-only --no-renames main...feature` on the same synthetic monorepo
(2,000 components, 100,000 files, 10,000 changed paths by default), same machine, same run.
Target: at most 1.5x, peak memory under 100 MB.

"warm" is the usual case: the parsed manifest is in .slipway/cache/ from an earlier run.
"cold" deletes that cache before every run, so the 2,000-component manifest is parsed each time.
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
    cache = os.path.join(a.repo, ".slipway", "cache")
    git = ["git", "diff", "--name-only", "--no-renames", "main...feature"]
    slipway = [benchlib.SLIPWAY, "affected", "--base", "main", "--head", "feature"]
    drop_cache = lambda: shutil.rmtree(cache, ignore_errors=True)
    medians = benchlib.compare([("git diff", git, None), ("slipway affected (warm)", slipway, None),
                                ("slipway affected (cold)", slipway, drop_cache)], a.repo, a.runs)
    benchlib.run_once(slipway, a.repo)  # leave the cache warm for the memory reading
    memory = {"git diff": benchlib.peak_rss_mb(git, a.repo),
              "slipway affected (warm)": benchlib.peak_rss_mb(slipway, a.repo)}
    drop_cache()
    memory["slipway affected (cold)"] = benchlib.peak_rss_mb(slipway, a.repo)
    floor = medians["git diff"]
    rows = [(label, f"{t * 1000:.1f} ms", f"{t / floor:.2f}x", f"{memory[label]:.0f} MB")
            for label, t in medians.items()]
    print(benchlib.table(rows, ["command", "median wall time", "vs git diff", "peak memory"]))
    affected = benchlib.run_once(slipway, a.repo)[1].decode().splitlines()
    changed = benchlib.run_once(git, a.repo)[1].decode().splitlines()
    print(f"\n{len(changed)} changed paths, {len(affected)} affected components, {a.runs} runs each")


if __name__ == "__main__":
    main()
