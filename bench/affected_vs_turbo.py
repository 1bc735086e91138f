#!/usr/bin/env python3
"""Peer: `slipway affected` against Turborepo's `turbo ls --affected` on an npm-workspaces
monorepo of 2,000 packages (package.json dependencies mirror slipway.yml's depends_on), with
`git diff --name-only --no-renames` as the floor. Both tools must select the same packages.
Target: slipway at least 5x faster than Turborepo.

Two changes on the same repository, each measured cold (a CI runner's fresh clone:
`.slipway/` deleted before every run, a new process each time) and warm (`.slipway/` left
from the run before):
- `feature`, a change touching 40 paths (the work tree's HEAD);
- `one`, a single changed path, in a linked work tree: target within 1.5x of git's diff or
  within 3 ms of it (at this size every tool's time is nearly all fixed cost).

Turborepo is the native binary of the npm package `turbo`, installed into bench/.scratch/.
"""
import argparse
import json
import os
import shutil
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


def one_change_worktree(repo):
    """A linked work tree of `repo` at branch `one`: main plus one commit editing one file."""
    wt = repo + "-one"
    if not os.path.isdir(wt):
        subprocess.run(["git", "-C", repo, "worktree", "add", "-q", "-b", "one", wt, "main"], check=True)
        path = sorted(p for p in subprocess.run(["git", "-C", wt, "ls-files", "services"], check=True,
                                                capture_output=True, text=True).stdout.split() if "/src/" in p)[0]
        with open(os.path.join(wt, path), "a") as f:
            f.write("edited = 1\n")
        subprocess.run(["git", "-C", wt, "-c", "user.email=bench@slipway.invalid", "-c", "user.name=bench",
                        "commit", "-qam", "one change"], check=True)
    return wt


def measure(label, cwd, env, runs, turbo, check_same):
    git = ["git", "diff", "--name-only", "--no-renames", "main...HEAD"]
    slipway = [benchlib.SLIPWAY, "affected", "--base", "main"]
    turbo_ls = [turbo, "ls", "--affected", "--output", "json"]
    ours = set(benchlib.run_once(slipway, cwd, env)[1].decode().split())
    theirs = {p["name"] for p in json.loads(benchlib.run_once(turbo_ls, cwd, env)[1])["packages"]["items"]}
    if check_same and ours != theirs:
        raise SystemExit(f"{label}: selections differ: only slipway {sorted(ours - theirs)[:10]}, "
                         f"only turbo {sorted(theirs - ours)[:10]}")
    cold = lambda: shutil.rmtree(os.path.join(cwd, ".slipway"), ignore_errors=True)
    medians = benchlib.compare([("git diff", git, None), ("slipway affected (cold)", slipway, cold),
                                ("slipway affected (warm)", slipway, None),
                                ("turbo ls --affected", turbo_ls, None)], cwd, runs, env)
    floor = medians["git diff"]
    rows = [(name, f"{t * 1000:.1f} ms", f"{t / floor:.2f}x", f"{(t - floor) * 1000:+.1f} ms")
            for name, t in medians.items()]
    changed = len(benchlib.run_once(git, cwd, env)[1].decode().split())
    print(f"\n{label}: {changed} changed paths, {len(ours)} of 2000 packages affected "
          f"(turbo selects {len(theirs)}{', the same' if ours == theirs else ''})")
    print(benchlib.table(rows, ["command", "median wall time", "vs git diff", "minus git diff"]))
    print(f"turbo / slipway (cold) = {medians['turbo ls --affected'] / medians['slipway affected (cold)']:.1f}x "
          f"({runs} runs each, turbo {TURBO_VERSION})")


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
               TURBO_SCM_BASE="main", TURBO_SCM_HEAD="HEAD")
    measure("feature", repo, env, a.runs, turbo, check_same=True)
    measure("one", one_change_worktree(repo), env, a.runs, turbo, check_same=True)


if __name__ == "__main__":
    main()
