"""The web page's home (the environments x components matrix) on a large store: 200
components x 5 environments and 1,000,000 builds, served by `slipway serve`, loaded in headless
Chromium from about:blank; the figure is the time from navigation start to the matrix in the
DOM (the page's `slipway:matrix-rendered` mark) and to the frame after it
(`slipway:matrix-painted`), absolute and above the floor: a one-paragraph page timed the same
way in the same run (bench/web_page_measure.mjs). The
same page on a store of the same shape with only 1,000 builds is measured in the same run:
the ratio shows that the page costs what it shows, not what the store holds.

The stores are filled with direct SQL inserts into slipway's schema (created by
`slipway store init`), since a million real builds would take hours; each store and its
repository are kept in bench/.scratch/web_page/ and reused by later runs.

    python3 bench/web_page.py [--loads N] [--builds N] [--components N]
"""
import argparse
import json
import os
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402

ENVS = ["dev", "test", "stage", "prod", "dr"]
PROMOTES = {"test": "dev", "stage": "test", "prod": "stage", "dr": "prod"}
REGISTRY = "123456789012.dkr.ecr.us-east-1.amazonaws.com/bench"
T0 = 1_767_225_600_000  # 2026-01-01, in ms
DEPLOYMENTS_PER_ENV = 100


def manifest(components):
    lines = ["version: 1", "project: web-bench", "image:", f"  repository: {REGISTRY}",
             '  tag: "{component}-{build}"', "components:"]
    for i in range(components):
        lines += [f"  svc-{i:03d}:", f"    paths: [svc/{i:03d}/]", f"    parameter: Svc{i:03d}Image",
                  "    build: 'true'"]
    lines.append("environments:")
    for env in ENVS:
        lines += [f"  {env}:", f"    stack: web-bench-{env}", "    region: us-east-1",
                  "    template: template.yml"]
        lines.append(f"    promote_from: {PROMOTES[env]}" if env in PROMOTES else "    base: main")
    return "\n".join(lines) + "\n"


def make_repo(path, components):
    os.makedirs(path)
    with open(os.path.join(path, "slipway.yml"), "w") as f:
        f.write(manifest(components))
    with open(os.path.join(path, "template.yml"), "w") as f:
        params = "".join(f"  Svc{i:03d}Image: {{Type: String}}\n" for i in range(components))
        f.write("AWSTemplateFormatVersion: '2010-09-09'\nParameters:\n" + params +
                "Resources:\n  Nothing: {Type: AWS::CloudFormation::WaitConditionHandle}\n")
    for i in range(components):
        os.makedirs(os.path.join(path, "svc", f"{i:03d}"))
        with open(os.path.join(path, "svc", f"{i:03d}", "main.py"), "w") as f:
            f.write(f"# service {i}\n")
    benchlib.commit_all(path)
    subprocess.run([benchlib.SLIPWAY, "store", "init", "--repo", path], check=True,
                   stdout=subprocess.DEVNULL)


def fill(db_path, components, builds):
    """Runs of 100 builds each (one build of each of 100 components, round robin), then 100
    deployments per environment, each with an image of every component."""
    db = sqlite3.connect(db_path)
    db.execute("PRAGMA synchronous = OFF")
    names = [f"svc-{i:03d}" for i in range(components)]
    per_run = min(100, components)
    runs = builds // per_run
    last = [0] * components
    step = 30_000_000_000 // max(runs, 1)  # the runs spread over a year
    with db:
        for r in range(runs):
            rid = f"2026{r:010d}-{r:06x}"
            started = T0 + r * step
            db.execute("INSERT INTO runs (id, trigger, base, head, env, status, started_at, finished_at, host, "
                       "pid, pid_start, base_reason, report, kind, actor) VALUES "
                       "(?, 'cli', ?, ?, 'dev', 'succeeded', ?, ?, 'bench', 1, 1, '', '', 'run', 'bench')",
                       (rid, f"{r:040x}", f"{r + 1:040x}", started, started + 60_000))
            rows = []
            for k in range(per_run):
                c = (r * per_run + k) % components
                last[c] += 1
                rows.append((names[c], last[c], f"{r + 1:040x}", f"h{r}", f"{REGISTRY}:{names[c]}-{last[c]}",
                             started + k * 100, started + k * 100 + 5_000, rid))
            db.executemany("INSERT INTO builds (component, build_number, commit_id, input_hash, image_uri, status, "
                           "exit_code, started_at, finished_at, log_path, run_id) VALUES "
                           "(?, ?, ?, ?, ?, 'succeeded', 0, ?, ?, '', ?)", rows)
        db.executemany("INSERT OR REPLACE INTO build_counters (component, last) VALUES (?, ?)",
                       zip(names, last))
        for d in range(DEPLOYMENTS_PER_ENV):
            for e, env in enumerate(ENVS):
                started = T0 + d * 86_400_000 + e * 3_600_000
                cur = db.execute("INSERT INTO deployments (env, stack, commit_id, status, started_at, finished_at, "
                                 "change_set, run_id, kind, source, reason, client_token, actor, executed_by) VALUES "
                                 "(?, ?, ?, 'succeeded', ?, ?, 'cs', '', ?, ?, '', '', 'bench', 'slipway')",
                                 (env, f"web-bench-{env}", f"{d:040x}", started, started + 60_000,
                                  "promote" if env in PROMOTES else "deploy", PROMOTES.get(env, "")))
                # Later environments lag: env e holds builds e numbers behind dev.
                images = [(cur.lastrowid, n, max(1, last[c] - DEPLOYMENTS_PER_ENV + d - e),
                           f"{REGISTRY}:{n}-{max(1, last[c] - DEPLOYMENTS_PER_ENV + d - e)}", 1, f"P{c}")
                          for c, n in enumerate(names)]
                db.executemany("INSERT INTO deployment_images (deployment_id, component, build_number, image_uri, "
                               "changed, parameter) VALUES (?, ?, ?, ?, ?, ?)", images)
    db.close()


def prepare(components, builds):
    """The repository with its filled store, made once per shape."""
    repo = os.path.join(benchlib.SCRATCH, "web_page", f"c{components}-b{builds}")
    done = os.path.join(repo, ".slipway", "bench-filled")
    if not os.path.exists(done):
        subprocess.run(["rm", "-rf", repo], check=True)
        make_repo(repo, components)
        began = time.perf_counter()
        fill(os.path.join(repo, ".slipway", "state.db"), components, builds)
        print(f"filled {repo}: {builds:,} builds in {time.perf_counter() - began:.0f} s", flush=True)
        open(done, "w").close()
    return repo


def serve(repo):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([benchlib.SLIPWAY, "serve", "--listen", f"127.0.0.1:{port}", "--repo", repo],
                            cwd=repo, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            urllib.request.urlopen(url + "/healthz", timeout=1).close()
            return proc, url
        except OSError:
            if proc.poll() is not None:
                raise SystemExit(f"slipway serve exited {proc.returncode}")
            time.sleep(0.1)
    proc.terminate()
    raise SystemExit("slipway serve did not answer /healthz")


def measure(repo, loads):
    proc, url = serve(repo)
    try:
        out = subprocess.run(["node", os.path.join(benchlib.ROOT, "bench", "web_page_measure.mjs"), url + "/",
                              str(loads)], check=True, capture_output=True, text=True).stdout
    finally:
        proc.terminate()
        proc.wait()
    return json.loads(out)


def median(loads, key):
    return statistics.median(x[key] for x in loads)


def row(name, loads, floor):
    """One line of the table: medians, and the painted figure above the floor's."""
    api = statistics.median(max(x["api"].values(), default=0) for x in loads)
    above = median(loads, "painted") - median(floor, "painted") if floor else None
    return [name, f"{loads[0]['cells']:,}", f"{median(loads, 'scripts'):.0f} ms", f"{median(loads, 'data'):.0f} ms",
            f"{median(loads, 'rendered'):.0f} ms", f"**{median(loads, 'painted'):.0f} ms**",
            f"{above:.0f} ms" if above is not None else "—", f"{median(loads, 'complete'):.0f} ms",
            f"{api:.0f} ms" if api else "—",
            f"{loads[0]['bytes'] / 1024:.0f} KiB"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--loads", type=int, default=7)
    ap.add_argument("--components", type=int, default=200)
    ap.add_argument("--builds", type=int, default=1_000_000)
    args = ap.parse_args()
    large = prepare(args.components, args.builds)
    small = prepare(args.components, args.components * 5)
    rows, painted, floors = [], {}, []
    for name, repo in [(f"{args.builds:,} builds", large), (f"{args.components * 5:,} builds", small)]:
        got = measure(repo, args.loads)
        floors += got["floor"]
        rows.append(row(name, got["page"], got["floor"]))
        painted[name] = median(got["page"], "painted")
    rows.append(row("floor: a one-paragraph data: page", floors, None))
    print(benchlib.table(rows, ["page", "cells", "modules run", "data in hand", "first screen in the DOM",
                                "first screen painted (median)", "painted above floor", "every row painted",
                                "slowest /api/ call", "bytes fetched"]))
    big, little = painted.values()
    print(f"\npainted, large store / small store: {big / little:.2f}x")


if __name__ == "__main__":
    main()
