"""Shared helpers for slipway's benchmark scripts: timing commands, peak memory, tables."""
import os
import statistics
import subprocess
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRATCH = os.path.join(ROOT, "bench", ".scratch")
SLIPWAY = os.environ.get("SLIPWAY", os.path.join(ROOT, "build", "cli", "slipway"))


def run_once(argv, cwd, env=None, before=None):
    """Runs argv once; returns (seconds, stdout)."""
    if before:
        before()
    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = proc.communicate()
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({proc.returncode}): {err.decode(errors='replace')}")
    return elapsed, out


def peak_rss_mb(argv, cwd, env=None):
    """Peak resident memory of one run, read from the kernel's rusage of the child."""
    pid = os.fork()
    if pid == 0:
        os.chdir(cwd)
        fd = os.open(os.devnull, os.O_WRONLY)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        os.execvpe(argv[0], argv, env or os.environ)
    _, status, usage = os.wait4(pid, 0)
    if status != 0:
        raise SystemExit(f"{' '.join(argv)} failed with status {status}")
    return usage.ru_maxrss / 1024.0


def compare(commands, cwd, runs, env=None):
    """Times each (label, argv, before) in turn, `runs` rounds interleaved; returns medians."""
    times = {label: [] for label, _, _ in commands}
    for label, argv, before in commands:  # one warm-up round each
        run_once(argv, cwd, env, before)
    for _ in range(runs):
        for label, argv, before in commands:
            times[label].append(run_once(argv, cwd, env, before)[0])
    return {label: statistics.median(t) for label, t in times.items()}


def table(rows, headers):
    widths = [max(len(str(r[i])) for r in rows + [headers]) for i in range(len(headers))]
    line = lambda r: "| " + " | ".join(str(c).ljust(w) for c, w in zip(r, widths)) + " |"
    out = [line(headers), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    return "\n".join(out + [line(r) for r in rows])


def ensure_repo(path, *flags):
    if not os.path.isdir(os.path.join(path, ".git")):
        subprocess.run(["python3", os.path.join(ROOT, "bench", "gen_monorepo.py"), path, *flags], check=True)


def commit_all(path):
    """Makes `path` a git repository whose one commit holds everything in it."""
    subprocess.run(["git", "init", "-q", "-b", "main", path], check=True)
    subprocess.run(["git", "-C", path, "add", "-A"], check=True)
    subprocess.run(["git", "-C", path, "-c", "user.email=bench@slipway.invalid", "-c", "user.name=bench",
                    "commit", "-qm", "bench"], check=True)
