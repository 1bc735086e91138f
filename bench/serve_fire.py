"""`slipway serve` under fire (issue 25): slow clients, a burst of deliveries, a flood of large
unsigned bodies. Everything on loopback; the slow and flooding clients use other loopback
addresses (127.0.0.10-...) than the measured ones (127.0.0.1), as attackers and GitHub would.

1. Slowloris: --slow connections send `GET /healthz HTTP/1.1\\r\\nHost: x\\r\\n` and never end
   their head; meanwhile --probes probes of `/healthz` and a quarter as many signed webhook
   deliveries, each on a
   fresh connection (5 s timeout): latency p50/p99/max and failures.
2. Deliveries: 1,000 signed `ping` deliveries, each on its own connection, from 100 and then
   500 concurrent clients started together: answered, failed (reset, refused, timed out after
   30 s), latency, and how many the store holds (each exactly once).
3. Flood: 64 unsigned 24 MB bodies at once: serve's peak resident size (VmHWM) and answers.

SLIPWAY=path/to/slipway runs another build (e.g. an older one, for a before/after).
"""
import argparse
import hashlib
import hmac
import os
import re
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

import benchlib

SECRET = b"bench-fire-secret"
MANIFEST = """version: 1
project: fire
image: {repository: 123456789012.dkr.ecr.us-east-1.amazonaws.com/fire}
components:
  api: {paths: [api/], parameter: ApiImage, build: "true"}
environments:
  test: {stack: fire-test, region: us-east-1, template: template.yml, trigger: {branch: dev}}
"""


def start_serve(work):
    repo = os.path.join(work, "repo")
    os.makedirs(os.path.join(repo, "api"))
    with open(os.path.join(repo, "slipway.yml"), "w") as f:
        f.write(MANIFEST)
    with open(os.path.join(repo, "api", "x"), "w") as f:
        f.write("x\n")
    for args in (["init", "-q", "-b", "main"], ["add", "-A"],
                 ["-c", "user.email=b@example.com", "-c", "user.name=B", "commit", "-qm", "init"]):
        subprocess.run(["git"] + args, cwd=repo, check=True)
    with open(os.path.join(work, "secret"), "wb") as f:
        f.write(SECRET + b"\n")
    log = open(os.path.join(work, "serve.log"), "w")
    proc = subprocess.Popen([benchlib.SLIPWAY, "serve", "--listen", "127.0.0.1:0", "--repo", repo,
                             "--manifest-ref", "HEAD", "--webhook-secret-file",
                             os.path.join(work, "secret"), "--reconcile-every", "0"],
                            stdout=log, stderr=subprocess.STDOUT)
    for _ in range(300):
        with open(log.name) as f:
            m = re.search(r"listening on http://127\.0\.0\.1:(\d+)", f.read())
        if m:
            return proc, int(m.group(1)), os.path.join(repo, ".slipway", "state.db")
        time.sleep(0.1)
    proc.kill()
    sys.exit("serve did not start: " + open(log.name).read())


def delivery(delivery_id, body=b"{}", event="ping", signature=None):
    sig = signature or "sha256=" + hmac.new(SECRET, body, hashlib.sha256).hexdigest()
    return (f"POST /hooks/github HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
            f"X-GitHub-Event: {event}\r\nX-GitHub-Delivery: {delivery_id}\r\n"
            f"X-Hub-Signature-256: {sig}\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body


def exchange(port, request, timeout, source="127.0.0.1"):
    """One request on a fresh connection: (seconds, answer's first line or the error)."""
    start = time.monotonic()
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=timeout,
                                     source_address=(source, 0))
        s.sendall(request)
        data = b""
        while True:
            d = s.recv(65536)
            if not d:
                break
            data += d
        s.close()
        return time.monotonic() - start, data.split(b"\r\n", 1)[0].decode(errors="replace")
    except OSError as e:
        return time.monotonic() - start, type(e).__name__


def percentiles(seconds):
    s = sorted(seconds)
    if not s:
        return "-", "-", "-"
    pick = lambda q: s[min(len(s) - 1, int(len(s) * q))]
    return tuple(f"{x * 1000:.2f} ms" for x in (pick(0.5), pick(0.99), s[-1]))


def slowloris(port, count, probes):
    slow = []
    refused = 0
    for i in range(count):
        s = socket.socket()
        s.bind((f"127.0.0.{10 + i % 10}", 0))
        s.settimeout(2)
        try:
            s.connect(("127.0.0.1", port))
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        except OSError:
            refused += 1
        slow.append(s)
    print(f"{count} slow connections opened ({refused} could not connect within 2 s)")
    rows = []
    print(f"load average before the probes: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    started = time.monotonic()
    for name, make, n in (("/healthz", lambda i: b"GET /healthz HTTP/1.1\r\nHost: x\r\n"
                           b"Connection: close\r\n\r\n", probes),
                          ("signed webhook ack", lambda i: delivery(f"slow-{i}"), probes // 4)):
        results = [exchange(port, make(i), 5) for i in range(n)]
        ok = [t for t, line in results if line.startswith("HTTP/1.1 200")]
        rows.append([f"{count}", name, str(n), str(n - len(ok)), *percentiles(ok)])
    # The probes count only while the slow connections are held: the serve closes each at its
    # head's deadline (--request-head-timeout, 10 s by default).
    held = 0
    for s in slow:
        try:
            s.setblocking(False)
            s.recv(1)  # an answer (408) or the close: not held any more
        except BlockingIOError:
            held += 1
        except OSError:
            pass
        s.close()
    print(f"probes took {time.monotonic() - started:.1f} s; {held} of {count} slow connections "
          f"still open after them; load average after: "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return rows


def burst(port, db, clients, total, tag):
    per = total // clients
    barrier = threading.Barrier(clients)
    lock = threading.Lock()
    ok, failed = [], []

    def client(c):
        barrier.wait()
        for k in range(per):
            t, line = exchange(port, delivery(f"{tag}-{c}-{k}"), 30)
            with lock:
                (ok if line.startswith("HTTP/1.1 200") else failed).append((t, line))

    threads = [threading.Thread(target=client, args=(c,)) for c in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stored, distinct = sqlite3.connect(db).execute(
        "SELECT count(*), count(DISTINCT id) FROM deliveries WHERE id LIKE ?",
        (tag + "-%",)).fetchone()
    kinds = sorted({line for _, line in failed})
    return [str(total), str(clients), str(len(ok)), str(len(failed)), *percentiles([t for t, _ in ok]),
            f"{stored} ({'each once' if stored == distinct == len(ok) else 'NOT each once'})",
            ", ".join(kinds) or "-"]


def flood(port, pid):
    body = b"x" * (24 * 1024 * 1024)
    answers = {}
    lock = threading.Lock()

    def client(c):
        _, line = exchange(port, delivery(f"flood-{c}", body, "push", "sha256=" + "0" * 64), 60,
                           source=f"127.0.0.{30 + c % 8}")
        with lock:
            answers[line[:12]] = answers.get(line[:12], 0) + 1

    threads = [threading.Thread(target=client, args=(c,)) for c in range(64)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with open(f"/proc/{pid}/status") as f:
        peak = int(re.search(r"VmHWM:\s+(\d+)", f.read()).group(1)) // 1024
    return [["64 x 24 MB unsigned", f"{peak} MB",
             ", ".join(f"{k or 'none'}: {v}" for k, v in sorted(answers.items()))]]


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--slow", type=int, default=1000, help="slow connections (default 1000)")
    p.add_argument("--probes", type=int, default=200,
                   help="/healthz probes under the slow connections (a quarter as many webhooks)")
    p.add_argument("--phases", default="slow,burst,flood",
                   help="which parts to run, comma-separated (default slow,burst,flood)")
    args = p.parse_args()
    phases = set(args.phases.split(","))
    with tempfile.TemporaryDirectory(prefix="slipway-fire-") as work:
        proc, port, db = start_serve(work)
        try:
            print(f"serve {benchlib.SLIPWAY} on port {port}\n")
            if "slow" in phases:
                print(benchlib.table(slowloris(port, args.slow, args.probes),
                                     ["slow connections", "request", "sent", "failed", "p50",
                                      "p99", "max"]))
            if "burst" in phases:
                print(benchlib.table([burst(port, db, 100, 1000, "b100"),
                                      burst(port, db, 500, 1000, "b500")],
                                     ["deliveries", "concurrent", "answered", "failed", "p50",
                                      "p99", "max", "stored", "failures"]))
            if "flood" in phases:
                print(benchlib.table(flood(port, proc.pid), ["flood", "peak RSS", "answers"]))
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()


if __name__ == "__main__":
    main()
