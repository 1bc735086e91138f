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
unpacked into bench/.scratch/; --slipway names another. --baseline [LABEL=]BINARY times
another slipway in the same rounds (before/after; repeatable). Ratios are taken round by round (each round runs
every command once, in turn), so a machine whose speed drifts moves both sides of a ratio:
the table gives the median ratio and the spread over the rounds.

Besides wall time, each run's CPU time (user + system) and minor page faults come from the
kernel's accounting of the finished child (wait4), which a loaded machine disturbs far less;
--instructions adds instruction counts (valgrind's callgrind, one run each, deterministic).
The start-up row times `slipway --version` against `git --version` the same way (target:
at most 1.5x). --baseline-commit REV (repeatable) builds that commit's package in a work tree
under bench/.scratch/ (once) and times its binary as a baseline labelled with the commit, so
one command regenerates every figure of issue 31 (before it: main at 1c26af5; its first round:
e2c23df):

    python3 bench/cold_affected.py --runs 21 --baseline-commit 1c26af5 --baseline-commit e2c23df --instructions
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
    """One fresh process, its output to /dev/null: (wall seconds from spawn to exit, CPU
    seconds, minor page faults), the last two the kernel's accounting of the child."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    old = os.getcwd()
    try:
        os.chdir(cwd)
        start = time.perf_counter()
        pid = os.posix_spawn(argv[0], argv, env, file_actions=[
            (os.POSIX_SPAWN_DUP2, devnull, 1), (os.POSIX_SPAWN_DUP2, devnull, 2)])
        _, status, usage = os.wait4(pid, 0)
        elapsed = time.perf_counter() - start
    finally:
        os.chdir(old)
        os.close(devnull)
    if status != 0:
        raise SystemExit(f"{' '.join(argv)} failed in {cwd} (status {status})")
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_minflt


def instructions(argv, cwd, env):
    """Instructions of one run (valgrind --tool=callgrind), the dynamic loader's included."""
    shutil.rmtree(os.path.join(cwd, ".slipway"), ignore_errors=True)
    out = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"] + argv,
                         cwd=cwd, env=env, capture_output=True, text=True)
    for line in out.stderr.splitlines():
        if "Collected :" in line:
            return int(line.split(":")[-1])
    raise SystemExit(f"valgrind gave no count for {' '.join(argv)}: {out.stderr[-500:]}")


def packaged_slipway(root=benchlib.ROOT, into=os.path.join(benchlib.SCRATCH, "packaged")):
    """The stripped usr/bin/slipway of root's newest build-release/slipway_*.deb, unpacked
    (with the rest of the package: the parallel module is found relative to the binary)."""
    debs = sorted(glob.glob(os.path.join(root, "build-release", "slipway_*_amd64.deb")),
                  key=os.path.getmtime)
    if not debs:
        raise SystemExit(f"no {root}/build-release/slipway_*.deb: run bash scripts/package.sh, or give --slipway")
    shutil.rmtree(into, ignore_errors=True)
    subprocess.run(["dpkg-deb", "-x", debs[-1], into], check=True)
    return os.path.join(into, "usr", "bin", "slipway")


def baseline_at(rev):
    """The packaged binary of commit `rev`, built once in a work tree under bench/.scratch/."""
    commit = subprocess.run(["git", "-C", benchlib.ROOT, "rev-parse", "--short=12", rev], check=True,
                            capture_output=True, text=True).stdout.strip()
    tree = os.path.join(benchlib.SCRATCH, f"before-{commit}")
    if not os.path.isdir(tree):
        subprocess.run(["git", "-C", benchlib.ROOT, "worktree", "add", "-q", "--detach", tree, commit], check=True)
    if not glob.glob(os.path.join(tree, "build-release", "slipway_*_amd64.deb")):
        subprocess.run(["bash", os.path.join(tree, "scripts", "package.sh")], check=True)
    return packaged_slipway(tree, os.path.join(benchlib.SCRATCH, f"packaged-{commit}"))


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


WALL, CPU, FAULTS = 0, 1, 2


def rounds(commands, runs, env):
    """commands: [(label, argv, cwd)]; one warm-up, then `runs` interleaved rounds.
    Returns {label: [(wall s, cpu s, faults) per round]}."""
    times = {label: [] for label, _, _ in commands}
    for r in range(runs + 1):
        for label, argv, cwd in commands:
            shutil.rmtree(os.path.join(cwd, ".slipway"), ignore_errors=True)
            t = spawn_time(argv, cwd, env)
            if r:
                times[label].append(t)
    return times


def ratio(times, a, b, what=WALL):
    """Median and spread (min, max) of the round-by-round ratio a/b."""
    per_round = [x[what] / y[what] if y[what] else float("nan") for x, y in zip(times[a], times[b])]
    return statistics.median(per_round), min(per_round), max(per_round)


def ms(samples, what=WALL):
    return f"{statistics.median(s[what] for s in samples) * 1000:.1f}"


def faults(samples):
    return f"{statistics.median(s[FAULTS] for s in samples):,.0f}"


def counts_table(t, labels, reference, ins=None):
    """CPU time, page faults (medians) and instructions of each label, against `reference`."""
    rows = []
    for label in labels:
        cpu, _, _ = ratio(t, label, reference, CPU)
        row = [label, ms(t[label], CPU) + " ms", f"{cpu:.2f}x", faults(t[label])]
        if ins is not None:
            row += [f"{ins[label] / 1e6:.1f} M", f"{ins[label] / ins[reference]:.2f}x"]
        rows.append(row)
    headers = ["command", "CPU (median)", f"CPU / {reference}", "page faults (median)"]
    if ins is not None:
        headers += ["instructions", f"/ {reference}"]
    return benchlib.table(rows, headers)


def measure_shape(shape, a, slipway, turbo, env):
    repo = ensure(shape)
    counts = []
    git = [shutil.which("git"), "diff", "--name-only", "--no-renames", "main...HEAD"]
    rows = []
    for branch in BRANCHES:
        cwd = f"{repo}-{branch}"
        changed = len(output(git, cwd, env).split())
        affected = check_same(f"{shape}/{branch}", slipway, turbo, cwd, env) if turbo else \
            len(output([slipway, "affected", "--base", "main"], cwd, env).split())
        commands = [("git", git, cwd), ("slipway", [slipway, "affected", "--base", "main"], cwd)]
        for label, binary in a.baselines:
            commands.append((label, [binary, "affected", "--base", "main"], cwd))
        if turbo:
            commands.append(("turbo", [turbo, "ls", "--affected", "--output", "json"], cwd))
        t = rounds(commands, a.runs, env)
        ins = {label: instructions(argv, c, env) for label, argv, c in commands if label != "turbo"} \
            if a.instructions else None
        counted = [label for label, _, _ in commands if label != "turbo"]
        counts.append((f"{shape}, {branch} ({changed} paths)", counts_table(t, counted, "git", ins)))
        r, lo, hi = ratio(t, "slipway", "git")
        row = [branch, changed, affected, ms(t["git"]), ms(t["slipway"]), f"{r:.2f}x ({lo:.2f}-{hi:.2f})"]
        for label, _ in a.baselines:
            b, blo, bhi = ratio(t, label, "git")
            row += [ms(t[label]), f"{b:.2f}x ({blo:.2f}-{bhi:.2f})"]
        if turbo:
            tr, _, _ = ratio(t, "turbo", "slipway")
            row += [ms(t["turbo"]), f"{tr:.1f}x"]
        rows.append(row)
    headers = ["change", "paths", "affected", "git diff ms", "slipway ms", "slipway / git"]
    for label, _ in a.baselines:
        headers += [f"{label} ms", f"{label} / git"]
    if turbo:
        headers += [f"turbo {TURBO_VERSION} ms", "turbo / slipway"]
    print(f"\n{shape} ({os.path.getsize(os.path.join(repo, 'slipway.yml')) // 1024} KB manifest), "
          f"medians of {a.runs} rounds, ratio spread over the rounds in brackets")
    print(benchlib.table(rows, headers))
    # A cold graph of the 2,000 components, against git --version as the reference start.
    commands = [("git --version", [shutil.which("git"), "--version"], repo),
                ("slipway graph", [slipway, "graph"], repo)]
    for label, binary in a.baselines:
        commands.append((f"{label} graph", [binary, "graph"], repo))
    t = rounds(commands, a.runs, env)
    print("\n" + benchlib.table([(label, ms(s), f"{ratio(t, label, 'git --version')[0]:.2f}x")
                                 for label, s in t.items()], ["command", "median ms", "vs git --version"]))
    ins = {label: instructions(argv, c, env) for label, argv, c in commands} if a.instructions else None
    counts.append(("graph", counts_table(t, [label for label, _, _ in commands], "git --version", ins)))
    for title, table in counts:
        print(f"\n{shape}: {title}: CPU time and page faults of the same rounds"
              + (", instructions of one run" if a.instructions else ""))
        print(table)


def measure_startup(a, slipway, env):
    """`slipway --version` against `git --version`, fresh processes in interleaved rounds."""
    work = benchlib.SCRATCH
    commands = [("git --version", [shutil.which("git"), "--version"], work),
                ("slipway --version", [slipway, "--version"], work)]
    for label, binary in a.baselines:
        commands.append((f"{label} --version", [binary, "--version"], work))
    runs = a.runs * 10  # each run is a millisecond or two
    t = rounds(commands, runs, env)
    rows = []
    for label, _, _ in commands:
        r, lo, hi = ratio(t, label, "git --version")
        rows.append([label, ms(t[label]), f"{r:.2f}x ({lo:.2f}-{hi:.2f})"])
    print(f"\nstart-up, medians of {runs} rounds (target: slipway --version at most 1.5x git --version)")
    print(benchlib.table(rows, ["command", "median wall ms", "vs git --version"]))
    ins = {label: instructions(argv, c, env) for label, argv, c in commands} if a.instructions else None
    print(counts_table(t, [label for label, _, _ in commands], "git --version", ins))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=11)
    ap.add_argument("--shapes", default=",".join(SHAPES))
    ap.add_argument("--slipway", help="the slipway to time (default: the packaged binary)")
    ap.add_argument("--baseline", action="append", default=[], metavar="[LABEL=]BINARY",
                    help="another slipway binary timed in the same rounds (repeatable)")
    ap.add_argument("--baseline-commit", action="append", default=[], metavar="REV",
                    help="build REV's package (once, under bench/.scratch/) and time it too (repeatable)")
    ap.add_argument("--instructions", action="store_true", help="count instructions (valgrind)")
    ap.add_argument("--no-startup", action="store_true", help="leave the --version rows out")
    ap.add_argument("--no-turbo", action="store_true", help="leave Turborepo out")
    a = ap.parse_args()
    slipway = os.path.abspath(a.slipway) if a.slipway else packaged_slipway()
    a.baselines = []
    for i, spec in enumerate(a.baseline):
        label, _, binary = spec.rpartition("=")
        a.baselines.append((label or ("baseline" if len(a.baseline) == 1 else f"baseline{i + 1}"),
                            os.path.abspath(binary)))
    for rev in a.baseline_commit:
        a.baselines.append((rev, baseline_at(rev)))
    turbo = None if a.no_turbo else install_turbo()
    env = dict(os.environ, TURBO_TELEMETRY_DISABLED="1", DO_NOT_TRACK="1", TURBO_NO_UPDATE_NOTIFIER="1",
               TURBO_SCM_BASE="main", TURBO_SCM_HEAD="HEAD")
    print(f"slipway: {slipway}" + "".join(f"\n{label}: {binary}" for label, binary in a.baselines))
    print(f"load average at the start: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    if not a.no_startup:
        measure_startup(a, slipway, env)
    for shape in a.shapes.split(","):
        measure_shape(shape, a, slipway, turbo, env)
    print(f"\nload average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
