"""Pull-request plans in `slipway serve`: the latency from a signed `pull_request` webhook to
the check run `slipway plan (test)` completed on GitHub, for a repository of 20 image
components deployed to one stack on moto (target: under 3 s on the developers' machine).

Set-up (not timed): moto_server (tests/support/moto_launcher.py); GitHub as in the tests --
Stoplight Prism's validation proxy over GitHub's REST API description in front of the
stateful fake (tests/github/prism_fixture.py; the description cut to the paths slipway calls,
which changes nothing of the requests' checks and loads in seconds); a repository of 20
components (one SSM parameter each in the template) pushed to a bare origin; the first
deployment of test through a push webhook.

Timed, --rounds times: a new commit on a PR branch changing 3 components, pushed to origin
(refs/pull/N/head), then the signed `pull_request` delivery; the clock stops when the fake
holds the check run for that head as completed (polled every 20 ms). That covers the intake,
the fetch, the merge, the checkout, the plan (selection, prospective builds, the change set
created, waited for, described and deleted on moto) and the GitHub calls through Prism.
Reported: each round, the median and the worst.

  python3 bench/pull_plan.py [--rounds 7]
"""
import argparse
import hashlib
import hmac
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

import benchlib

SECRET = "bench-webhook-secret"
REPO = "bench/plans"
COMPONENTS = 20


def manifest():
    lines = ["version: 1", "project: plans",
             "image: {repository: 123456789012.dkr.ecr.us-east-1.amazonaws.com/plans}",
             "components:"]
    for i in range(COMPONENTS):
        lines.append(f"  svc{i:02d}: {{paths: [svc{i:02d}/], parameter: Svc{i:02d}Image, build: \"true\"}}")
    lines += ["environments:", "  test:", "    stack: plans-test", "    region: us-east-1",
              "    template: template.yml", "    trigger: {branch: dev}"]
    return "\n".join(lines) + "\n"


def template():
    out = ['AWSTemplateFormatVersion: "2010-09-09"', "Parameters:"]
    out += [f"  Svc{i:02d}Image: {{Type: String}}" for i in range(COMPONENTS)]
    out.append("Resources:")
    out += [f"  P{i:02d}: {{Type: AWS::SSM::Parameter, Properties: {{Type: String, "
            f"Value: !Ref Svc{i:02d}Image}}}}" for i in range(COMPONENTS)]
    return "\n".join(out) + "\n"


def git(repo, *args):
    subprocess.run(["git", "-C", repo, *args], check=True, capture_output=True)


def rev(repo):
    return subprocess.run(["git", "-C", repo, "rev-parse", "HEAD"], check=True,
                          capture_output=True, text=True).stdout.strip()


def deliver(url, event, delivery, body):
    data = body.encode()
    sig = "sha256=" + hmac.new(SECRET.encode(), data, hashlib.sha256).hexdigest()
    req = urllib.request.Request(url + "/hooks/github", data=data, method="POST", headers={
        "Content-Type": "application/json", "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery, "X-Hub-Signature-256": sig})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.load(r)


def get(url):
    with urllib.request.urlopen(url, timeout=10) as r:
        return json.load(r)


def wait_for(what, ready, timeout=120, step=0.02):
    until = time.time() + timeout
    while time.time() < until:
        value = ready()
        if value:
            return value
        time.sleep(step)
    raise SystemExit(f"bench: timed out waiting for {what}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    root = benchlib.ROOT
    work = tempfile.mkdtemp(prefix="slipway-pull-plan-")
    procs = []
    github_dir = os.path.join(work, "github")
    try:
        port = str(benchlib_free_port())
        moto = subprocess.Popen([sys.executable, os.path.join(root, "tests/support/moto_launcher.py"), port],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        procs.append(moto)

        def moto_up():
            import socket
            try:
                socket.create_connection(("127.0.0.1", int(port)), 0.2).close()
                return True
            except OSError:
                return False
        wait_for("moto", moto_up, timeout=60, step=0.1)
        spec = os.path.join(work, "api.github.com.json")
        fixture = os.path.join(root, "tests/github/prism_fixture.py")
        subprocess.run([sys.executable, fixture, "subset", spec], check=True)
        subprocess.run([sys.executable, fixture, "start", github_dir, "--proxy-only"], check=True,
                       env=dict(os.environ, SLIPWAY_GITHUB_SPEC=spec), stdout=subprocess.DEVNULL)
        urls = json.load(open(os.path.join(github_dir, "github.json")))
        urllib.request.urlopen(urllib.request.Request(
            urls["fake"] + "/_fake/reset", data=json.dumps({"repo": REPO}).encode(), method="POST"))
        env = dict(os.environ, AWS_ENDPOINT_URL=f"http://127.0.0.1:{port}", AWS_ACCESS_KEY_ID="bench",
                   AWS_SECRET_ACCESS_KEY="bench-secret", AWS_DEFAULT_REGION="us-east-1", CI="true")
        dev = os.path.join(work, "dev")
        os.makedirs(dev)
        git(dev, "init", "-q", "-b", "dev")
        git(dev, "config", "user.email", "bench@slipway.invalid")
        git(dev, "config", "user.name", "bench")
        with open(os.path.join(dev, "slipway.yml"), "w") as f:
            f.write(manifest())
        with open(os.path.join(dev, "template.yml"), "w") as f:
            f.write(template())
        for i in range(COMPONENTS):
            os.makedirs(os.path.join(dev, f"svc{i:02d}"))
            with open(os.path.join(dev, f"svc{i:02d}", "main.py"), "w") as f:
                f.write("v1\n")
        git(dev, "add", "-A")
        git(dev, "commit", "-qm", "init")
        origin = os.path.join(work, "origin.git")
        subprocess.run(["git", "init", "-q", "--bare", "-b", "dev", origin], check=True)
        git(dev, "remote", "add", "origin", origin)
        git(dev, "push", "-q", "origin", "dev")
        clone = os.path.join(work, "clone")
        subprocess.run(["git", "clone", "-q", origin, clone], check=True)
        with open(os.path.join(work, "secret"), "w") as f:
            f.write(SECRET + "\n")
        with open(os.path.join(work, "token"), "w") as f:
            f.write("ghs_benchToken\n")
        log = open(os.path.join(work, "serve.log"), "wb")
        serve = subprocess.Popen(
            [benchlib.SLIPWAY, "serve", "--listen", "127.0.0.1:0", "--repo", clone,
             "--webhook-secret-file", os.path.join(work, "secret"), "--reconcile-every", "0",
             "--github-api-url", urls["proxy"], "--github-token-file", os.path.join(work, "token"),
             "--github-repository", REPO], stdout=log, stderr=log, env=env)
        procs.append(serve)
        url = wait_for("serve", lambda: next(iter(
            [l.split("listening on ")[1].strip() for l in open(os.path.join(work, "serve.log"))
             if "listening on " in l]), None))
        # test's first deployment.
        out = deliver(url, "push", "first", json.dumps({"ref": "refs/heads/dev", "after": rev(dev),
                                                         "repository": {"full_name": REPO}}))
        def first_job():
            jobs = get(url + "/api/queue")["jobs"]
            if jobs and jobs[0]["status"] not in ("pending", "running", "succeeded"):
                raise SystemExit(f"bench: the first deployment ended {jobs[0]['status']}: {jobs[0].get('reason')}")
            return jobs and jobs[0]["status"] == "succeeded"
        wait_for("the first deployment", first_job, timeout=300)
        git(dev, "checkout", "-q", "-b", "feature")
        times = []
        for n in range(1, args.rounds + 1):
            for i in (n % COMPONENTS, (n + 5) % COMPONENTS, (n + 11) % COMPONENTS):
                with open(os.path.join(dev, f"svc{i:02d}", "main.py"), "a") as f:
                    f.write(f"round {n}\n")
            git(dev, "commit", "-qam", f"round {n}")
            head = rev(dev)
            git(dev, "push", "-q", "-f", "origin", "HEAD:refs/heads/feature", "HEAD:refs/pull/1/head")
            body = json.dumps({"action": "synchronize" if n > 1 else "opened", "number": 1,
                               "pull_request": {"number": 1, "state": "open", "draft": False,
                                                "head": {"sha": head, "ref": "feature",
                                                         "repo": {"full_name": REPO}},
                                                "base": {"ref": "dev"}},
                               "repository": {"full_name": REPO}})
            start = time.perf_counter()
            deliver(url, "pull_request", f"pr-{n}", body)

            def done():
                state = get(urls["fake"] + "/_fake/state?repo=" + REPO)
                return any(r["head_sha"] == head and r["status"] == "completed"
                           for r in state["check_runs"].values())
            wait_for("the check run", done)
            times.append(time.perf_counter() - start)
            print(f"round {n}: {times[-1]:.2f} s")
        print(f"webhook -> check run completed, {COMPONENTS} components, 3 changed: "
              f"median {statistics.median(times):.2f} s, worst {max(times):.2f} s "
              f"({args.rounds} rounds)")
    except SystemExit:
        log_file = os.path.join(work, "serve.log")
        if os.path.exists(log_file):
            sys.stderr.write(open(log_file).read()[-3000:])
        raise
    finally:
        for p in reversed(procs):
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
        subprocess.run([sys.executable, os.path.join(root, "tests/github/prism_fixture.py"), "stop",
                        github_dir])
        shutil.rmtree(work, ignore_errors=True)


def benchlib_free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


if __name__ == "__main__":
    main()
