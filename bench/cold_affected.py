#!/usr/bin/env python3
"""Cold `slipway affected` on 2,000-package npm-workspaces monorepos, against
`git diff --name-only --no-renames main...HEAD` (the floor) and Turborepo's
`turbo ls --affected`, in the same interleaved rounds. Targets (issue 31): at most 3x git's
diff at one changed path and at most 2x at ~1,200, on both shapes; a cold `slipway graph`
of the 2,000 components under 15 ms.

Shapes (bench/gen_workspaces.py): `workspaces` (packages/*, 1-4 dependencies each from
package.json, block-style manifest) and `services` (gen_monorepo.py's libs/ + services/,
0-2 dependencies, flow-style manifest). Changes: branches `one`, `few` and `many` (1, 300
and 1,200 changed paths), each checked out in its own work tree.

Every run is a fresh process (a CI job's): nothing is kept between runs, `.slipway/` is
deleted before each. The binary is the packaged one by default: the stripped
usr/bin/slipway of the newest build-release/slipway_*.deb (`bash scripts/package.sh`),
unpacked into bench/.scratch/; --slipway names another. --baseline BINARY times a second
slipway in the same rounds (before/after). Ratios are taken round by round (each round runs
every command once, in turn), so a machine whose speed drifts moves both sides of a ratio:
the table gives the median ratio and the spread over the rounds.
"""
import argparse
import glob
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

import benchlib
from affected_vs_turbo import TURBO_VERSION, install_turbo

SHAPES = ("workspaces", "services")
BRANCHES = ("one", "few", "many")


def spawn_time(argv, cwd, env):
    """Seconds from spawn to exit of one fresh process, its output to /dev/null."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    old = os.getcwd()
    try:
        os.chdir(cwd)
        start = time.perf_counter()
        pid = os.posix_spawn(argv[0], argv, env, file_actions=[
            (os.POSIX_SPAWN_DUP2, devnull, 1), (os.POSIX_SPAWN_DUP2, devnull, 2)])
        _, status = os.waitpid(pid, 0)
        elapsed = time.perf_counter() - start
    finally:
        os.chdir(old)
        os.close(devnull)
    if status != 0:
        raise SystemExit(f"{' '.join(argv)} failed in {cwd} (status {status})")
    return elapsed


def packaged_slipway():
    debs = sorted(glob.glob(os.path.join(benchlib.ROOT, "build-release", "slipway_*_amd64.deb")),
                  key=os.path.getmtime)
    if not debs:
        raise SystemExit("no build-release/slipway_*.deb: run bash scripts/package.sh, or give --slipway")
    into = os.path.join(benchlib.SCRATCH, "packaged")
    shutil.rmtree(into, ignore_errors=True)
    subprocess.run(["dpkg-deb", "-x", debs[-1], into], check=True)
    return os.path.join(into, "usr", "bin", "slipway")


def ensure(shape):
    repo = os.path.join(benchlib.SCRATCH, f"ws-{shape}")
    if not os.path.isdir(os.path.join(repo, ".git")):
        subprocess.run([sys.executable, os.path.join(benchlib.ROOT, "bench", "gen_workspaces.py"), repo,
                        "--shape", shape], check=True)
    return repo


def output(argv, cwd, env):
    return subprocess.run(argv, cwd=cwd, env=env, check=True, capture_output=True).stdout


def check_same(label, slipway, turbo, cwd, env):
    """Both tools select the same packages; returns how many."""
    ours = set(output([slipway, "affected", "--base", "main"], cwd, env).decode().split())
    items = json.loads(output([turbo, "ls", "--affected", "--output", "json"], cwd, env))["packages"]["items"]
    theirs = {p["name"] for p in items}
    if ours != theirs:
        raise SystemExit(f"{label}: selections differ: only slipway {sorted(ours - theirs)[:10]}, "
                         f"only turbo {sorted(theirs - ours)[:10]}")
    return len(ours)


def rounds(commands, runs, env):
    """commands: [(label, argv, cwd)]; one warm-up, then `runs` interleaved rounds.
    Returns {label: [seconds per round]}."""
    times = {label: [] for label, _, _ in commands}
    for r in range(runs + 1):
        for label, argv, cwd in commands:
            shutil.rmtree(os.path.join(cwd, ".slipway"), ignore_errors=True)
            t = spawn_time(argv, cwd, env)
            if r:
                times[label].append(t)
    return times


def ratio(times, a, b):
    """Median and spread (min, max) of the round-by-round ratio a/b."""
    per_round = [x / y for x, y in zip(times[a], times[b])]
    return statistics.median(per_round), min(per_round), max(per_round)


def ms(seconds):
    return f"{statistics.median(seconds) * 1000:.1f}"


def measure_shape(shape, a, slipway, turbo, env):
    repo = ensure(shape)
    git = [shutil.which("git"), "diff", "--name-only", "--no-renames", "main...HEAD"]
    rows = []
    for branch in BRANCHES:
        cwd = f"{repo}-{branch}"
        changed = len(output(git, cwd, env).split())
        affected = check_same(f"{shape}/{branch}", slipway, turbo, cwd, env) if turbo else \
            len(output([slipway, "affected", "--base", "main"], cwd, env).split())
        commands = [("git", git, cwd), ("slipway", [slipway, "affected", "--base", "main"], cwd)]
        if a.baseline:
            commands.append(("baseline", [a.baseline, "affected", "--base", "main"], cwd))
        if turbo:
            commands.append(("turbo", [turbo, "ls", "--affected", "--output", "json"], cwd))
        t = rounds(commands, a.runs, env)
        r, lo, hi = ratio(t, "slipway", "git")
        row = [branch, changed, affected, ms(t["git"]), ms(t["slipway"]), f"{r:.2f}x ({lo:.2f}-{hi:.2f})"]
        if a.baseline:
            b, blo, bhi = ratio(t, "baseline", "git")
            row += [ms(t["baseline"]), f"{b:.2f}x ({blo:.2f}-{bhi:.2f})"]
        if turbo:
            tr, _, _ = ratio(t, "turbo", "slipway")
            row += [ms(t["turbo"]), f"{tr:.1f}x"]
        rows.append(row)
    headers = ["change", "paths", "affected", "git diff ms", "slipway ms", "slipway / git"]
    if a.baseline:
        headers += ["baseline ms", "baseline / git"]
    if turbo:
        headers += [f"turbo {TURBO_VERSION} ms", "turbo / slipway"]
    print(f"\n{shape} ({os.path.getsize(os.path.join(repo, 'slipway.yml')) // 1024} KB manifest), "
          f"medians of {a.runs} rounds, ratio spread over the rounds in brackets")
    print(benchlib.table(rows, headers))
    # A cold graph of the 2,000 components, against git --version as the reference start.
    commands = [("git --version", [shutil.which("git"), "--version"], repo),
                ("slipway graph", [slipway, "graph"], repo)]
    if a.baseline:
        commands.append(("baseline graph", [a.baseline, "graph"], repo))
    t = rounds(commands, a.runs, env)
    print("\n" + benchlib.table([(label, ms(s), f"{ratio(t, label, 'git --version')[0]:.2f}x")
                                 for label, s in t.items()], ["command", "median ms", "vs git --version"]))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=11)
    ap.add_argument("--shapes", default=",".join(SHAPES))
    ap.add_argument("--slipway", help="the slipway to time (default: the packaged binary)")
    ap.add_argument("--baseline", help="another slipway binary timed in the same rounds")
    ap.add_argument("--no-turbo", action="store_true", help="leave Turborepo out")
    a = ap.parse_args()
    slipway = os.path.abspath(a.slipway) if a.slipway else packaged_slipway()
    if a.baseline:
        a.baseline = os.path.abspath(a.baseline)
    turbo = None if a.no_turbo else install_turbo()
    env = dict(os.environ, TURBO_TELEMETRY_DISABLED="1", DO_NOT_TRACK="1", TURBO_NO_UPDATE_NOTIFIER="1",
               TURBO_SCM_BASE="main", TURBO_SCM_HEAD="HEAD")
    print(f"slipway: {slipway}" + (f"\nbaseline: {a.baseline}" if a.baseline else ""))
    for shape in a.shapes.split(","):
        measure_shape(shape, a, slipway, turbo, env)


if __name__ == "__main__":
    main()
