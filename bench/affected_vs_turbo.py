#!/usr/bin/env python3
"""Peer: `slipway affected` against Turborepo's `turbo ls --affected` on an npm-workspaces
monorepo of 2,000 packages (package.json dependencies mirror slipway.yml's depends_on), with
`git diff --name-only --no-renames` as the floor. Both tools must select the same packages.
Target: slipway at least 5x faster than Turborepo.

Turborepo is the native binary of the npm package `turbo`, installed into bench/.scratch/.
"""
import argparse
import json
import os
import subprocess

import benchlib

TURBO_VERSION = "2.11.11"


def install_turbo():
    prefix = os.path.join(benchlib.SCRATCH, "turbo")
    binary = os.path.join(prefix, "node_modules", "@turbo", "linux-64", "bin", "turbo")
    if not os.path.exists(binary):
        os.makedirs(prefix, exist_ok=True)
        subprocess.run(["npm", "install", "--no-save", "--silent", "--no-audit", "--no-fund",
                        "--prefix", prefix, f"turbo@{TURBO_VERSION}"], check=True)
    return binary


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=11)
    ap.add_argument("--files", type=int, default=20000)
    ap.add_argument("--changed", type=int, default=40)
    a = ap.parse_args()
    repo = os.path.join(benchlib.SCRATCH, f"npm-{a.files}-{a.changed}")
    benchlib.ensure_repo(repo, "--npm", "--files", str(a.files), "--changed", str(a.changed), "--commits", "4")
    turbo = install_turbo()
    env = dict(os.environ, TURBO_TELEMETRY_DISABLED="1", DO_NOT_TRACK="1", TURBO_NO_UPDATE_NOTIFIER="1",
               TURBO_SCM_BASE="main", TURBO_SCM_HEAD="feature")
    git = ["git", "diff", "--name-only", "--no-renames", "main...feature"]
    slipway = [benchlib.SLIPWAY, "affected", "--base", "main", "--head", "feature"]
    turbo_ls = [turbo, "ls", "--affected", "--output", "json"]

    ours = set(benchlib.run_once(slipway, repo, env)[1].decode().split())
    theirs = {p["name"] for p in json.loads(benchlib.run_once(turbo_ls, repo, env)[1])["packages"]["items"]}
    if ours != theirs:
        raise SystemExit(f"selections differ: only slipway {sorted(ours - theirs)[:10]}, "
                         f"only turbo {sorted(theirs - ours)[:10]}")

    medians = benchlib.compare([("git diff", git, None), ("slipway affected", slipway, None),
                                ("turbo ls --affected", turbo_ls, None)], repo, a.runs, env)
    rows = [(label, f"{t * 1000:.1f} ms", f"{t / medians['git diff']:.2f}x") for label, t in medians.items()]
    print(benchlib.table(rows, ["command", "median wall time", "vs git diff"]))
    print(f"\nboth select the same {len(ours)} of 2000 packages; "
          f"turbo / slipway = {medians['turbo ls --affected'] / medians['slipway affected']:.1f}x "
          f"({a.runs} runs each, turbo {TURBO_VERSION})")


if __name__ == "__main__":
    main()
