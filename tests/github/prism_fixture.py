#!/usr/bin/env python3
"""Starts and stops the GitHub side of the tests, once per ctest run (a CTest fixture):

  - Stoplight Prism mocking GitHub's REST API description (@octokit/openapi's
    api.github.com.json) on 127.0.0.1: every request off the schema gets a 422;
  - Prism as a validation proxy (`prism proxy --errors`) over the same description, in front
    of tests/github/github_fake.py, the small stateful fake (comments edited in place, check
    runs, deployments, App tokens, injected faults): requests are checked before the fake
    sees them, and its answers after.

  prism_fixture.py start DIR [--proxy-only]
                               # writes DIR/github.json {"mock", "proxy", "fake"} once both
                               # Prisms answer (loading the 13 MB description takes ~1 min);
                               # --proxy-only: no mock (the demo)
  prism_fixture.py stop DIR    # stops what start started (by the pids it wrote)
  prism_fixture.py subset OUT  # GitHub's description cut to the paths slipway calls (the demo)

Prism and the description come from tests/github/node_modules (scripts/setup.sh runs npm ci
there from the committed lockfile). Missing: exit 77 (skipped), or 1 under CI=true.
"""
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
PRISM = os.path.join(HERE, "node_modules", ".bin", "prism")
SPEC = os.path.join(HERE, "node_modules", "@octokit", "openapi", "generated",
                    "api.github.com.json")
FAKE = os.path.join(HERE, "github_fake.py")

# The operations slipway calls (github/client.cpp), for the demo's cut of the description.
SLIPWAY_PATHS = [
    "/repos/{owner}/{repo}/issues/{issue_number}/comments",
    "/repos/{owner}/{repo}/issues/comments/{comment_id}",
    "/repos/{owner}/{repo}/check-runs",
    "/repos/{owner}/{repo}/check-runs/{check_run_id}",
    "/repos/{owner}/{repo}/statuses/{sha}",
    "/repos/{owner}/{repo}/deployments",
    "/repos/{owner}/{repo}/deployments/{deployment_id}/statuses",
    "/repos/{owner}/{repo}/installation",
    "/app/installations/{installation_id}/access_tokens",
    "/orgs/{org}/teams/{team_slug}/memberships/{username}",
]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def answers(url):
    try:
        urllib.request.urlopen(url, timeout=2)
        return True
    except urllib.error.HTTPError:
        return True  # any HTTP answer: it listens
    except (urllib.error.URLError, OSError):
        return False


def missing(why):
    if os.environ.get("CI") == "true":
        print(f"github fixture: {why} (CI=true: a failure, not a skip)", file=sys.stderr)
        sys.exit(1)
    print(f"github fixture: {why}: skipped", file=sys.stderr)
    sys.exit(77)


def stop(directory):
    pids_file = os.path.join(directory, "pids")
    if not os.path.exists(pids_file):
        return
    pids = [int(p) for p in open(pids_file).read().split()]
    for pid in pids:
        try:
            os.killpg(pid, signal.SIGTERM)  # each was started as its own process group
        except ProcessLookupError:
            pass
    deadline = time.time() + 10
    for pid in pids:
        while time.time() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.1)
        else:
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    os.remove(pids_file)


def spawn(args, log, pids):
    out = open(log, "wb")
    p = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                         start_new_session=True)
    pids.append(p.pid)
    return p


def start(directory, spec, proxy_only=False):
    if not os.path.exists(PRISM) or not os.path.exists(spec):
        missing("Prism or GitHub's description is not installed in tests/github/node_modules "
                "(scripts/setup.sh: npm ci there)")
    os.makedirs(directory, exist_ok=True)
    stop(directory)  # what a killed run left behind
    ports = {"mock": free_port(), "proxy": free_port(), "fake": free_port()}
    pids = []
    procs = [
        spawn([sys.executable, FAKE, "--port", str(ports["fake"]), "--spec", spec],
              os.path.join(directory, "fake.log"), pids),
        spawn([PRISM, "proxy", "-h", "127.0.0.1", "-p", str(ports["proxy"]), "--errors", spec,
               f"http://127.0.0.1:{ports['fake']}"],
              os.path.join(directory, "prism-proxy.log"), pids),
    ]
    if proxy_only:
        del ports["mock"]
    else:
        procs.append(spawn([PRISM, "mock", "-h", "127.0.0.1", "-p", str(ports["mock"]), spec],
                           os.path.join(directory, "prism-mock.log"), pids))
    with open(os.path.join(directory, "pids"), "w") as f:
        f.write(" ".join(map(str, pids)))
    urls = {k: f"http://127.0.0.1:{v}" for k, v in ports.items()}
    began = time.time()
    waiting = dict(urls)
    while waiting and time.time() - began < 300:
        for name, url in list(waiting.items()):
            probe = url + ("/_fake/state?repo=probe/probe" if name == "fake" else "/")
            if answers(probe):
                del waiting[name]
        for p in procs:
            if p.poll() is not None:
                stop(directory)
                sys.exit(f"github fixture: {p.args[0]} exited with {p.returncode} "
                         f"(logs in {directory})")
        time.sleep(0.5)
    if waiting:
        stop(directory)
        sys.exit(f"github fixture: {', '.join(waiting)} did not answer in 300 s")
    with open(os.path.join(directory, "github.json"), "w") as f:
        json.dump(urls, f)
    print(f"github fixture: up in {time.time() - began:.1f} s: {urls}")


def subset(out):
    """GitHub's description with only SLIPWAY_PATHS and the components they reach."""
    spec = json.load(open(SPEC))
    keep = {"openapi": spec["openapi"], "info": spec["info"], "servers": spec.get("servers", []),
            "paths": {p: spec["paths"][p] for p in SLIPWAY_PATHS}, "components": {}}
    todo, seen = [keep["paths"]], set()
    while todo:
        node = todo.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/components/") and ref not in seen:
                seen.add(ref)
                _, _, kind, name = ref.split("/", 3)
                target = spec["components"][kind][name]
                keep["components"].setdefault(kind, {})[name] = target
                todo.append(target)
            todo.extend(node.values())
        elif isinstance(node, list):
            todo.extend(node)
    with open(out, "w") as f:
        json.dump(keep, f)


def main():
    if len(sys.argv) not in (3, 4) or sys.argv[1] not in ("start", "stop", "subset"):
        sys.exit(__doc__)
    if sys.argv[1] == "start":
        start(sys.argv[2], os.environ.get("SLIPWAY_GITHUB_SPEC", SPEC),
              sys.argv[3:] == ["--proxy-only"])
    elif sys.argv[1] == "stop":
        stop(sys.argv[2])
    else:
        subset(sys.argv[2])


if __name__ == "__main__":
    main()
