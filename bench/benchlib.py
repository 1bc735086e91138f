"""Shared helpers for slipway's benchmark scripts: timing commands, peak memory, tables."""
import contextlib
import os
import shutil
import statistics
import subprocess
import tempfile
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


def start_moto(log=subprocess.DEVNULL, plain=False):
    """Starts moto on a free 127.0.0.1 port (tests/support/moto_launcher.py, with its
    CloudFormation correction; `plain`: moto_server as installed) and waits until it accepts
    connections; returns (process, url). The caller terminates the process."""
    import socket
    import sys
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    argv = (["moto_server", "-H", "127.0.0.1", "-p", str(port)] if plain else
            [sys.executable, os.path.join(ROOT, "tests", "support", "moto_launcher.py"), str(port)])
    moto = subprocess.Popen(argv, stdout=log, stderr=log)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    return moto, f"http://127.0.0.1:{port}"


def aws_env(url):
    """The environment that points the aws CLI and slipway at the moto server `url`."""
    return dict(os.environ, AWS_ENDPOINT_URL=url, AWS_ACCESS_KEY_ID="AKIDBENCH", AWS_SECRET_ACCESS_KEY="bench",
                AWS_DEFAULT_REGION="us-east-1", AWS_REGION="us-east-1", AWS_EC2_METADATA_DISABLED="true", CI="true")


@contextlib.contextmanager
def moto_workdir(prefix, plain=False):
    """A scratch folder with a moto server (see start_moto) logging into `moto.log` in it;
    yields (folder, the aws environment pointing at moto, the log file). Stops moto and
    removes the folder after (BENCH_KEEP_LOG=1 prints the log's end first)."""
    work = tempfile.mkdtemp(prefix=prefix)
    log = open(os.path.join(work, "moto.log"), "w+")
    moto, url = start_moto(log, plain)
    try:
        yield work, aws_env(url), log
    finally:
        if os.environ.get("BENCH_KEEP_LOG"):
            print(open(log.name).read()[-3000:])
        moto.terminate()
        moto.wait()
        shutil.rmtree(work, ignore_errors=True)
