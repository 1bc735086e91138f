"""`slipway serve` under load, measured with wrk (Debian package `wrk`).

1. Webhook intake: signed GitHub push deliveries to a trigger branch, each with its own
   delivery id, for --seconds at --connections connections. Every request is signed (HMAC
   over the body, checked before parsing), stored as a delivery and queued (newest wins) or
   dropped as already pending. Reported: acknowledgement latency p50/p99, deliveries per
   second, and whether every delivery was stored exactly once (the deliveries table against
   wrk's count of 2xx answers; no non-2xx allowed).
2. History: `GET /api/components/{c}` (the component's newest builds and deployments) on a
   store of 1,000,000 builds (filled as bench/web_page.py does); target p99 under 5 ms. Kept-
   alive connections, at 1 and 4 connections (a few users: the latency a person sees) and at
   --connections (saturation: throughput, where the p99 is the queue's length).

The jobs the deliveries queue run against no AWS (the repository has nothing to build): they
end quickly and only add the background load a real service has.
"""
import argparse
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import hmac
import hashlib

import benchlib

SECRET = "bench-webhook-secret"

MANIFEST = """version: 1
project: bench
image: {repository: 123456789012.dkr.ecr.us-east-1.amazonaws.com/bench}
components:
  api: {paths: [api/], parameter: ApiImage, build: "true"}
environments:
  test:
    stack: bench-test
    region: us-east-1
    template: template.yml
    trigger: {branch: dev}
"""

TEMPLATE = """AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  ApiImage: {Type: String}
Resources:
  P: {Type: AWS::SSM::Parameter, Properties: {Type: String, Value: !Ref ApiImage}}
"""

LUA = r"""
local bodies = {}
local signatures = {}
%(table)s
local counter = 0
local prefix = "t"
function setup(thread)
  thread:set("prefix", "t" .. tostring(math.random(1, 1e9)) .. "-")
end
function init(args)
  prefix = wrk.thread:get("prefix") or prefix
end
function request()
  counter = counter + 1
  local i = (counter %% #bodies) + 1
  return wrk.format("POST", "/hooks/github", {
    ["Content-Type"] = "application/json",
    ["X-GitHub-Event"] = "push",
    ["X-GitHub-Delivery"] = prefix .. counter,
    ["X-Hub-Signature-256"] = signatures[i],
  }, bodies[i])
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT p50_us=%%d p99_us=%%d requests=%%d non2xx=%%d errors=%%d\n",
    latency:percentile(50), latency:percentile(99), summary.requests,
    summary.errors.status, summary.errors.connect + summary.errors.read +
    summary.errors.write + summary.errors.timeout))
end
"""

GET_LUA = r"""
done = function(summary, latency, requests)
  io.write(string.format("RESULT p50_us=%d p99_us=%d requests=%d non2xx=%d errors=%d\n",
    latency:percentile(50), latency:percentile(99), summary.requests,
    summary.errors.status, summary.errors.connect + summary.errors.read +
    summary.errors.write + summary.errors.timeout))
end
"""


def git(args, cwd):
    subprocess.run(["git"] + args, cwd=cwd, check=True, capture_output=True)


def make_repo(work):
    """A developer repository with branches main and dev, its bare origin, and the clone
    the service fetches."""
    dev = os.path.join(work, "dev")
    os.makedirs(os.path.join(dev, "api"))
    for name, text in (("slipway.yml", MANIFEST), ("template.yml", TEMPLATE), ("api/x", "1\n")):
        with open(os.path.join(dev, name), "w") as f:
            f.write(text)
    git(["init", "-q", "-b", "main"], dev)
    git(["-c", "user.name=b", "-c", "user.email=b@b", "commit", "-qm", "init", "--allow-empty"], dev)
    git(["add", "-A"], dev)
    git(["-c", "user.name=b", "-c", "user.email=b@b", "commit", "-qm", "files"], dev)
    git(["branch", "dev"], dev)
    origin = os.path.join(work, "origin.git")
    git(["clone", "-q", "--bare", dev, origin], work)
    clone = os.path.join(work, "clone")
    git(["clone", "-q", origin, clone], work)
    return clone


def start_serve(repo, store=None, extra=()):
    secret_file = os.path.join(repo, "..", "secret")
    with open(secret_file, "w") as f:
        f.write(SECRET + "\n")
    argv = [benchlib.SLIPWAY, "serve", "--listen", "127.0.0.1:0", "--repo", repo,
            "--webhook-secret-file", secret_file, "--reconcile-every", "0", *extra]
    if store:
        argv += ["--store", store]
    log = open(os.path.join(repo, "..", "serve.log"), "w")
    env = dict(os.environ, AWS_ACCESS_KEY_ID="AKIDBENCH", AWS_SECRET_ACCESS_KEY="bench",
               AWS_ENDPOINT_URL="http://127.0.0.1:9", AWS_DEFAULT_REGION="us-east-1")
    proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env=env)
    for _ in range(300):
        with open(log.name) as f:
            m = re.search(r"listening on (http://\S+)", f.read())
        if m:
            return proc, m.group(1)
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    proc.kill()
    sys.exit("serve did not start: " + open(log.name).read())


def stop(proc):
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()


def wrk(url, script, seconds, connections, path=""):
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script)
    out = subprocess.run(["wrk", "-t", str(min(2, connections)), "-c", str(connections), "-d", f"{seconds}s",
                          "-s", f.name, url + path], capture_output=True, text=True, check=True)
    os.unlink(f.name)
    m = re.search(r"RESULT p50_us=(\d+) p99_us=(\d+) requests=(\d+) non2xx=(\d+) errors=(\d+)",
                  out.stdout)
    if not m:
        sys.exit("wrk: " + out.stdout + out.stderr)
    return {k: int(v) for k, v in zip(["p50", "p99", "requests", "non2xx", "errors"], m.groups())}


def intake(seconds, connections):
    work = tempfile.mkdtemp(dir=benchlib.SCRATCH)
    try:
        repo = make_repo(work)
        entries = []
        for i in range(64):
            body = ('{"ref":"refs/heads/dev","after":"%040x","pusher":{"name":"bench"}}' % (i + 1))
            sig = "sha256=" + hmac.new(SECRET.encode(), body.encode(), hashlib.sha256).hexdigest()
            entries.append("bodies[%d] = %s\nsignatures[%d] = %s" % (
                i + 1, lua_string(body), i + 1, lua_string(sig)))
        proc, url = start_serve(repo)
        try:
            r = wrk(url, LUA % {"table": "\n".join(entries)}, seconds, connections)
        finally:
            stop(proc)
        db = sqlite3.connect(os.path.join(repo, ".slipway", "state.db"))
        stored = db.execute("SELECT count(*) FROM deliveries").fetchone()[0]
        distinct = db.execute("SELECT count(DISTINCT source || id) FROM deliveries").fetchone()[0]
        jobs = db.execute("SELECT count(*) FROM jobs").fetchone()[0]
        r.update(stored=stored, distinct=distinct, jobs=jobs, seconds=seconds)
        return r
    finally:
        shutil.rmtree(work, ignore_errors=True)


def lua_string(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def history(seconds, connections, builds):
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import web_page  # the store of the web page's benchmark: 200 components x 5 environments
    repo = web_page.prepare(200, builds)
    proc, url = start_serve(repo)
    try:
        return {c: wrk(url, GET_LUA, seconds, c, "/api/components/svc-017?limit=50")
                for c in sorted({1, 4, connections})}
    finally:
        stop(proc)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=int, default=10)
    p.add_argument("--connections", type=int, default=16)
    p.add_argument("--builds", type=int, default=1_000_000)
    a = p.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is needed (apt-get install wrk; scripts/setup.sh installs it)")
    os.makedirs(benchlib.SCRATCH, exist_ok=True)
    i = intake(a.seconds, a.connections)
    print(benchlib.table([[
        f"{i['requests'] / i['seconds']:.0f}/s", f"{i['p50'] / 1000:.2f} ms", f"{i['p99'] / 1000:.2f} ms",
        str(i["requests"]), str(i["non2xx"] + i["errors"]), str(i["stored"]),
        # wrk does not count the requests in flight when it stops; those are stored too.
        "yes" if i["stored"] == i["distinct"] and
        0 <= i["stored"] - (i["requests"] - i["non2xx"] - i["errors"]) <= a.connections else "NO",
        str(i["jobs"])]],
        ["deliveries", "ack p50", "ack p99", "sent", "failed", "stored", "each once", "jobs"]))
    h = history(a.seconds, a.connections, a.builds)
    print()
    print(benchlib.table([[f"{a.builds:,}", str(c), f"{r['requests'] / a.seconds:.0f}/s", f"{r['p50'] / 1000:.2f} ms",
                           f"{r['p99'] / 1000:.2f} ms", str(r["non2xx"] + r["errors"])] for c, r in h.items()],
                         ["builds in store", "connections", "GET /api/components/c", "p50", "p99", "failed"]))


if __name__ == "__main__":
    main()
