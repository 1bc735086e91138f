#!/usr/bin/env python3
"""Start-up: wall time of commands that do (almost) no work, against `git --version`, each a
fresh process; medians of interleaved runs. Target: `slipway --version` under 3 ms, and the
commands that need neither git nor AWS (`--help`, `graph --manifest`, `validate --manifest`
outside a repository) paying neither for libgit2's start-up nor for libcurl's libraries.

Also prints how many shared libraries the binary loads (ldd) and, with --baseline BINARY, the
same figures for another build (e.g. an older slipway) in the same run.
"""
import argparse
import os
import statistics
import subprocess
import tempfile
import time

import benchlib

MANIFEST = """image: {repository: r}
components:
  api: {paths: [services/api/], depends_on: [lib], parameter: Api, build: make}
  lib: {paths: [libs/], kind: library}
"""


def spawn_time(argv):
    """Seconds from posix_spawn to the child's exit (output to /dev/null)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        start = time.perf_counter()
        pid = os.posix_spawn(argv[0], argv, dict(os.environ), file_actions=[
            (os.POSIX_SPAWN_DUP2, devnull, 1), (os.POSIX_SPAWN_DUP2, devnull, 2)])
        _, status = os.waitpid(pid, 0)
        elapsed = time.perf_counter() - start
    finally:
        os.close(devnull)
    if status != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({status})")
    return elapsed


def libraries(binary):
    out = subprocess.run(["ldd", binary], capture_output=True, text=True).stdout
    return len([line for line in out.splitlines() if "=>" in line or line.strip().startswith("/")])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--baseline", help="another slipway binary to time alongside")
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="slipway-startup-")  # outside any repository
    manifest = os.path.join(work, "slipway.yml")
    with open(manifest, "w") as f:
        f.write(MANIFEST)
    git = subprocess.run(["which", "git"], capture_output=True, text=True).stdout.strip()
    binaries = [("slipway", benchlib.SLIPWAY)] + ([("baseline", a.baseline)] if a.baseline else [])
    commands = [("git --version", [git, "--version"])]
    for name, binary in binaries:
        commands += [(f"{name} --version", [binary, "--version"]),
                     (f"{name} --help", [binary, "--help"]),
                     (f"{name} graph --manifest", [binary, "graph", "--manifest", manifest]),
                     (f"{name} validate --manifest", [binary, "validate", "--manifest", manifest])]
    os.chdir(work)
    times = {label: [] for label, _ in commands}
    for _ in range(a.runs):
        for label, argv in commands:
            try:
                times[label].append(spawn_time(argv))
            except SystemExit:
                times[label].append(float("nan"))
    floor = statistics.median(times["git --version"])
    rows = []
    for label, _ in commands:
        t = statistics.median(times[label])
        rows.append((label, f"{t * 1000:.2f} ms", f"{t / floor:.2f}x"))
    print(benchlib.table(rows, ["command", "median wall time", "vs git --version"]))
    for name, binary in binaries:
        print(f"{name}: {libraries(binary)} shared libraries ({binary})")
    print(f"{a.runs} interleaved runs each")


if __name__ == "__main__":
    main()
