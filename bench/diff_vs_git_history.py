#!/usr/bin/env python3
"""`slipway diff` against `git diff` on a real repository's history: for a sample of
first-parent commit pairs (parent, commit), `slipway diff --two-dot --base P --head C` must
print byte for byte what `git diff P C` prints, with --name-status, --name-only and
--name-status -z. The sample always holds the commits with the most renames (restructurings,
mass moves); the rest is spread evenly over the history.

Prints the pairs checked and identical, the renames they hold, the summed wall times, and
the first lines that differ for any pair that does not match (exit status 1 then).

    python3 bench/diff_vs_git_history.py REPO [--ref HEAD] [--pairs 300] [--biggest 60]
"""
import argparse
import collections
import subprocess
import sys
import time

import benchlib

FORMATS = [["--name-status"], ["--name-only"], ["--name-status", "-z"]]


def git(repo, *args):
    return subprocess.run(["git", "-C", repo, *args], check=True, capture_output=True).stdout


def first_parent_pairs(repo, ref):
    """(parent, commit) for every non-root commit on the first-parent line, oldest first."""
    pairs = []
    for line in git(repo, "rev-list", "--first-parent", "--reverse", "--parents", ref).decode().splitlines():
        ids = line.split()
        if len(ids) >= 2:
            pairs.append((ids[1], ids[0]))
    return pairs


def moves_per_commit(repo, ref):
    """For each first-parent commit, min(paths added, paths deleted): how many renames it
    could hold (read from the trees alone, so a clone missing a few blobs still works)."""
    counts = collections.Counter()
    out = git(repo, "log", "--first-parent", "--no-renames", "--name-status", "--format=@%H",
              ref).decode(errors="replace")
    commit, added, deleted = None, 0, 0
    for line in out.splitlines() + ["@"]:
        if line.startswith("@"):
            if commit and min(added, deleted):
                counts[commit] = min(added, deleted)
            commit, added, deleted = line[1:], 0, 0
        elif line.startswith("A\t"):
            added += 1
        elif line.startswith("D\t"):
            deleted += 1
    return counts


def sample(pairs, moves, total, biggest):
    """The `biggest` pairs with the most possible renames, then evenly spaced ones up to
    `total`."""
    chosen = {c for c, _ in moves.most_common(biggest)}
    rest = [p for p in pairs if p[1] not in chosen]
    need = max(0, total - len(chosen))
    step = max(1, len(rest) / need) if need else len(rest) + 1
    picked = {rest[int(i * step)][1] for i in range(min(need, len(rest)))}
    return [p for p in pairs if p[1] in chosen or p[1] in picked]


def timed(argv):
    start = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True)
    return time.perf_counter() - start, proc


def first_difference(a, b):
    la, lb = a.split(b"\n"), b.split(b"\n")
    for i, (x, y) in enumerate(zip(la, lb)):
        if x != y:
            return f"line {i + 1}: git {x[:120]!r} / slipway {y[:120]!r}"
    return f"git {len(la)} lines, slipway {len(lb)} lines"


def check_pair(repo, parent, commit, clock):
    """None when every format matches, "skip" when git itself cannot diff the pair (an
    object missing from the clone), else a description of the first difference."""
    for flags in FORMATS:
        t_git, g = timed(["git", "-C", repo, "diff", *flags, parent, commit])
        t_slip, s = timed([benchlib.SLIPWAY, "diff", "--repo", repo, "--two-dot", "--base", parent,
                           "--head", commit, *flags])
        if g.returncode != 0 and b"unable to read" in g.stderr:
            return "skip"
        if flags == ["--name-status"]:
            clock["git"] += t_git
            clock["slipway"] += t_slip
            clock["warned"] += b"renameLimit" in g.stderr
            clock["renames"] += sum(1 for line in g.stdout.splitlines() if line.startswith(b"R"))
            clock["largest"] = max(clock["largest"], g.stdout.count(b"\nR") + g.stdout.startswith(b"R"))
        if g.returncode != 0 or s.returncode != 0:
            return f"{' '.join(flags)}: exit git {g.returncode}, slipway {s.returncode}: {s.stderr[:200]!r}"
        if g.stdout != s.stdout:
            return f"{' '.join(flags)}: {first_difference(g.stdout, s.stdout)}"
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("repo")
    ap.add_argument("--ref", default="HEAD")
    ap.add_argument("--pairs", type=int, default=300, help="pairs to check (default 300)")
    ap.add_argument("--biggest", type=int, default=60,
                    help="of which the commits with the most renames (default 60)")
    a = ap.parse_args()
    pairs = first_parent_pairs(a.repo, a.ref)
    chosen = sample(pairs, moves_per_commit(a.repo, a.ref), a.pairs, a.biggest)
    clock = collections.Counter()
    failures, skipped = [], 0
    for parent, commit in chosen:
        why = check_pair(a.repo, parent, commit, clock)
        if why == "skip":
            skipped += 1
        elif why:
            failures.append((commit, why))
    checked = len(chosen) - skipped
    print(f"repository: {a.repo} ({a.ref}, {len(pairs)} first-parent pairs)")
    print(f"pairs checked: {checked}; identical in all {len(FORMATS)} formats: "
          f"{checked - len(failures)}; skipped (git cannot read an object): {skipped}")
    print(f"renames git reports in the sample: {clock['renames']} (most in one pair: "
          f"{clock['largest']}); pairs where git warned about diff.renameLimit: {clock['warned']}")
    print(f"summed wall time, --name-status: git {clock['git']:.2f} s, slipway {clock['slipway']:.2f} s")
    for commit, why in failures:
        print(f"DIFFERS {commit[:12]}: {why}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
