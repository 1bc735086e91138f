#!/usr/bin/env python3
"""The ledger's invariant, checked by a seeded random walk (docs/deploy.md, "What counts as
deployed"). Real `slipway` processes (CLI commands and one `slipway serve`), moto_server as
AWS (tests/support/moto_launcher.py), the fault proxy (tests/support/fault_proxy.py) for
throttling and hung calls, a real git repository pushing to a bare origin.

Each step is one of: a merge to `dev` (a component, the shared library, the template, a
README), breaking or fixing a component's build, `run --env test` (plain, through the fault
proxy with throttling, or killed with SIGKILL at a random moment), `deploy --images` of a
random earlier build, `deploy --latest`, `promote --to prod`, `rollback` (a component's build
or a whole deployment, either environment), push webhooks delivered to `serve` out of order
and redelivered, and serve killed with SIGKILL and started again. After every step (once
pending deployments are reconciled: a killed command leaves its outcome to the next one):

1. each environment's current deployment in the store equals what its stack runs: every
   recorded parameter and the template (the text of template.yml at the deployment's
   template commit), checked with botocore (the aws CLI's own library; the aws CLI itself
   checks the end state), and the stack is not in the middle of an operation;
2. every change merged into `dev` is deployed -- for every component it affects, the image
   the stack runs (its tag names the commit it was built from) is current for a commit that
   contains it -- or is still selected by the next `slipway run --plan`. What the store
   claims about an image's commit is checked against the tag: the build's commit must be in
   the claimed commit's history with nothing between them touching the component.

usage: ledger_scenario.py --slipway BIN [--steps N] [--seconds S] [--seed K] [--keep]

The seed is printed first and with any failure; `--seed K --steps N` replays a walk (the
timing of kills and webhooks varies, the choices do not). Exit 0: every step kept the
invariant; 1: a step broke it (the scratch folder is kept); 77: moto or boto3 missing and
CI unset.
"""
import argparse
import hashlib
import hmac
import json
import os
import random
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
SUPPORT = os.path.join(HERE, "..", "support")

try:
    import boto3
    import moto  # noqa: F401  (moto_launcher.py runs it)
except ImportError:
    if os.environ.get("CI"):
        raise
    print("moto/boto3 not installed: skipped")
    sys.exit(77)

MANIFEST = """version: 1
project: shop
image: {repository: 123456789012.dkr.ecr.us-east-1.amazonaws.com/shop, tag: "{component}-{build}-{short_commit}"}
ignore: ["**/*.md"]
components:
  api: {paths: [api/], depends_on: [lib], parameter: ApiImage, build: "sh build.sh api"}
  web: {paths: [web/], depends_on: [lib], parameter: WebImage, build: "sh build.sh web"}
  worker: {paths: [worker/], parameter: WorkerImage, build: "sh build.sh worker"}
  lib: {paths: [lib/], kind: library}
  stack: {paths: [template.yml], kind: config}
environments:
  test:
    stack: shop-test
    region: us-east-1
    template: template.yml
    base: main
    trigger: {branch: dev}
    parameters: {Stage: test}
  prod:
    stack: shop-prod
    region: us-east-1
    template: template.yml
    promote_from: test
    parameters: {Stage: prod}
"""

TEMPLATE = """AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Stage: {Type: String, AllowedValues: [test, prod]}
  ApiImage: {Type: String}
  WebImage: {Type: String}
  WorkerImage: {Type: String}
Resources:
  Api:
    Type: AWS::SSM::Parameter
    Properties: {Name: !Sub "/shop/${Stage}/api", Type: String, Value: !Ref ApiImage}
Outputs:
  Revision: {Value: "%d"}
"""

# A build fails while $SCENARIO_FAIL_DIR/<component> exists (the CLI's and serve's builds).
BUILD = """set -e
[ ! -e "$SCENARIO_FAIL_DIR/$1" ] || { echo "$1: broken"; exit 3; }
echo "$1 built as $SLIPWAY_IMAGE_URI"
"""

IMAGES = ["api", "web", "worker"]
# The components a changed path affects (the manifest above, as the model knows it).
def affected_by(path):
    if path.endswith(".md"):
        return set()
    top = path.split("/", 1)[0]
    if top == "lib":
        return {"api", "web"}
    if top in IMAGES:
        return {top}
    if path == "template.yml":
        return {"stack"}
    return set()


class Failure(Exception):
    pass


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port, seconds=60):
    until = time.time() + seconds
    while time.time() < until:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise Failure(f"nothing listens on {port}")


class Scenario:
    def __init__(self, args):
        self.args = args
        self.rng = random.Random(args.seed)
        self.dir = tempfile.mkdtemp(prefix="slipway-ledger-")
        self.fail_dir = os.path.join(self.dir, "fail")
        os.makedirs(self.fail_dir)
        self.store_path = os.path.join(self.dir, "state.db")
        self.procs = []
        self.serve = None
        self.serve_url = None
        self.revision = 0
        self.touch_cache = {}
        self.log = []

    # --- the world -------------------------------------------------------------------------

    def start(self):
        self.moto_port = free_port()
        moto = subprocess.Popen([sys.executable, os.path.join(SUPPORT, "moto_launcher.py"),
                                 str(self.moto_port)], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=True)
        self.procs.append(moto)
        wait_listening(self.moto_port)
        self.moto = f"http://127.0.0.1:{self.moto_port}"
        self.env = {**os.environ, "AWS_ACCESS_KEY_ID": "AKIDSCENARIO",
                    "AWS_SECRET_ACCESS_KEY": "scenario-secret", "AWS_DEFAULT_REGION": "us-east-1",
                    "AWS_EC2_METADATA_DISABLED": "true", "AWS_ENDPOINT_URL": self.moto, "CI": "true",
                    "SCENARIO_FAIL_DIR": self.fail_dir, "GIT_AUTHOR_NAME": "t",
                    "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
                    "GIT_COMMITTER_EMAIL": "t@example.com"}
        for name in ("GITHUB_RUN_ID", "CODEBUILD_BUILD_ID", "SLIPWAY_STORE"):
            self.env.pop(name, None)
        self.cf = boto3.client("cloudformation", endpoint_url=self.moto, region_name="us-east-1",
                               aws_access_key_id="AKIDSCENARIO",
                               aws_secret_access_key="scenario-secret")
        self.repo = os.path.join(self.dir, "dev")
        self.origin = os.path.join(self.dir, "origin.git")
        self.git_init()
        self.start_serve()

    def git(self, *args, cwd=None):
        r = subprocess.run(["git", *args], cwd=cwd or self.repo, env=self.env, text=True,
                           capture_output=True)
        if r.returncode != 0:
            raise Failure(f"git {' '.join(args)}: {r.stderr.strip()}")
        return r.stdout.strip()

    def write(self, path, text):
        full = os.path.join(self.repo, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w", encoding="utf-8") as f:
            f.write(text)

    def git_init(self):
        os.makedirs(self.repo)
        self.git("init", "-q", "-b", "main")
        self.write("slipway.yml", MANIFEST)
        self.write("template.yml", TEMPLATE % 0)
        self.write("build.sh", BUILD)
        self.write(".gitignore", ".slipway/\n")
        for c in IMAGES + ["lib"]:
            self.write(f"{c}/main.py", "v0\n")
        self.git("add", "-A")
        self.git("commit", "-q", "-m", "init")
        self.git("checkout", "-q", "-b", "dev")
        subprocess.run(["git", "init", "-q", "--bare", "-b", "main", self.origin], check=True,
                       capture_output=True)
        self.git("remote", "add", "origin", self.origin)
        self.git("push", "-q", "origin", "main", "dev")
        self.clone = os.path.join(self.dir, "serve-clone")
        subprocess.run(["git", "clone", "-q", self.origin, self.clone], check=True,
                       capture_output=True)
        with open(os.path.join(self.dir, "secret"), "w") as f:
            f.write("scenario-hook-secret\n")

    def listening(self):
        """The URLs `serve` said it listens on, oldest first."""
        path = os.path.join(self.dir, "serve.log")
        if not os.path.exists(path):
            return []
        with open(path, errors="replace") as f:
            return [line.split("listening on ", 1)[1].split()[0] for line in f
                    if "listening on http://" in line]

    def start_serve(self):
        before = len(self.listening())
        log = open(os.path.join(self.dir, "serve.log"), "a")
        self.serve = subprocess.Popen(
            [self.args.slipway, "serve", "--listen", "127.0.0.1:0", "--repo", self.clone,
             "--store", "sqlite:" + self.store_path, "--webhook-secret-file",
             os.path.join(self.dir, "secret"), "--reconcile-every", "0", "--workers", "1",
             "--claim-ttl", "10"], env=self.env, stdout=log, stderr=log,
            start_new_session=True)
        until = time.time() + 60
        while time.time() < until:
            urls = self.listening()
            if len(urls) > before and self.serve.poll() is None:
                self.serve_url = urls[-1]
                return
            if self.serve.poll() is not None:
                raise Failure("slipway serve exited at start")
            time.sleep(0.05)
        raise Failure("slipway serve did not start")

    def stop(self):
        for p in ([self.serve] if self.serve else []) + self.procs:
            if p.poll() is None:
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                p.wait()

    # --- slipway -------------------------------------------------------------------------

    def slipway(self, *args, endpoint=None, ok=(0,)):
        env = dict(self.env)
        if endpoint:
            env["AWS_ENDPOINT_URL"] = endpoint
        r = subprocess.run([self.args.slipway, *args, "--repo", self.repo, "--store",
                            "sqlite:" + self.store_path], env=env, text=True,
                           capture_output=True, timeout=300)
        self.log.append(f"  slipway {' '.join(args)} -> {r.returncode}")
        if r.returncode not in ok:
            raise Failure(f"slipway {' '.join(args)} exited {r.returncode}:\n{r.stderr[-3000:]}")
        return r

    def db(self):
        return sqlite3.connect(f"file:{self.store_path}?mode=ro", uri=True, timeout=30)

    def query(self, sql, *params):
        if not os.path.exists(self.store_path):
            return []
        with self.db() as c:
            return c.execute(sql, params).fetchall()

    # --- steps ---------------------------------------------------------------------------

    def step_merge(self):
        what = self.rng.choice(["api", "web", "worker", "lib", "template", "docs", "api", "web"])
        self.revision += 1
        if what == "template":
            self.write("template.yml", TEMPLATE % self.revision)
        elif what == "docs":
            self.write("README.md", f"r{self.revision}\n")
        else:
            self.write(f"{what}/main.py", f"v{self.revision}\n")
        self.git("add", "-A")
        self.git("commit", "-q", "-m", f"{what} r{self.revision}")
        self.git("push", "-q", "origin", "dev")
        return f"merge {what}"

    def step_break(self):
        c = self.rng.choice(IMAGES)
        marker = os.path.join(self.fail_dir, c)
        if os.path.exists(marker):
            os.remove(marker)
            return f"fix {c}"
        open(marker, "w").close()
        return f"break {c}"

    def step_run(self):
        # A first create killed before it executed leaves an empty REVIEW_IN_PROGRESS stack.
        self.slipway("run", "--env", "test", "--yes", "-q", "--wait", "--replace-failed-stack",
                     ok=(0, 1))
        return "run"

    def step_run_killed(self):
        delay = self.rng.uniform(0.0, 1.5)
        p = subprocess.Popen([self.args.slipway, "run", "--env", "test", "--yes", "-q", "--wait",
                              "--repo", self.repo, "--store", "sqlite:" + self.store_path],
                             env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        p.kill()
        p.wait()
        return f"run killed after {delay:.2f} s"

    def step_run_throttled(self):
        rules = self.rng.choice([
            [{"action": "DescribeStackEvents", "after": "ExecuteChangeSet", "times":
              self.rng.randint(1, 6), "status": 400, "code": "Throttling"}],
            [{"action": "DescribeStacks", "times": 2, "status": 400, "code": "Throttling"}],
            [{"action": "ExecuteChangeSet", "times": 1, "status": 503, "code": "ServiceUnavailable"}],
            [{"action": "CreateChangeSet", "times": 3, "status": 400, "code": "Throttling"}],
        ])
        port = free_port()
        rules_file = os.path.join(self.dir, f"rules-{port}.json")
        ready = os.path.join(self.dir, f"proxy-{port}.ready")
        with open(rules_file, "w") as f:
            json.dump(rules, f)
        proxy = subprocess.Popen([sys.executable, os.path.join(SUPPORT, "fault_proxy.py"),
                                  str(port), self.moto, rules_file, ready],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                 start_new_session=True)
        try:
            until = time.time() + 30
            while not os.path.exists(ready) and time.time() < until:
                time.sleep(0.02)
            # Throttling may outlast a call's own retries: exit 4 leaves the outcome pending.
            self.slipway("run", "--env", "test", "--yes", "-q", "--wait",
                         "--replace-failed-stack", endpoint=f"http://127.0.0.1:{port}",
                         ok=(0, 1, 4))
        finally:
            os.killpg(proxy.pid, signal.SIGKILL)
            proxy.wait()
        return f"run through the fault proxy: {rules[0]['action']}"

    def succeeded_builds(self, component):
        return [r[0] for r in self.query(
            "SELECT image_uri FROM builds WHERE component = ? AND status = 'succeeded' "
            "AND build_number IS NOT NULL", component)]

    def step_deploy_pick(self):
        c = self.rng.choice(IMAGES)
        images = self.succeeded_builds(c)
        if not images or not self.current("test"):
            return self.step_run()
        image = self.rng.choice(images)
        self.slipway("deploy", "--env", "test", "--images", f"{c}={image}", "--yes", "--wait",
                     ok=(0, 1))
        return f"deploy --images {c}={image.rsplit(':', 1)[-1]}"

    def step_deploy_latest(self):
        if not self.current("test"):
            return self.step_run()
        self.slipway("deploy", "--env", "test", "--latest", "--yes", "--wait", ok=(0, 1))
        return "deploy --latest"

    def step_promote(self):
        if not self.current("test"):
            return self.step_run()
        self.slipway("promote", "--to", "prod", "--yes", "--wait", ok=(0, 1))
        return "promote"

    def step_rollback(self):
        env = self.rng.choice(["test", "prod"])
        if not self.current(env):
            return self.step_promote()
        if self.rng.random() < 0.6:
            c = self.rng.choice(IMAGES)
            numbers = [r[0] for r in self.query(
                "SELECT build_number FROM builds WHERE component = ? AND status = 'succeeded' "
                "AND build_number IS NOT NULL", c)]
            if not numbers:
                return self.step_run()
            n = self.rng.choice(numbers)
            self.slipway("rollback", "--env", env, "--component", c, "--build", str(n), "--yes",
                         "--wait", "--reason", "random walk", ok=(0, 1))
            return f"rollback {env} {c}#{n}"
        ids = [r[0] for r in self.query(
            "SELECT id FROM deployments WHERE env = ? AND status = 'succeeded'", env)]
        d = self.rng.choice(ids)
        self.slipway("rollback", "--env", env, "--to", str(d), "--yes", "--wait", "--reason",
                     "random walk", ok=(0, 1))
        return f"rollback {env} --to {d}"

    def deliver(self, head, delivery):
        body = json.dumps({"ref": "refs/heads/dev", "before": "0" * 40, "after": head,
                           "deleted": False, "pusher": {"name": "scenario"},
                           "repository": {"full_name": "acme/shop"}}).encode()
        sig = "sha256=" + hmac.new(b"scenario-hook-secret", body, hashlib.sha256).hexdigest()
        req = urllib.request.Request(self.serve_url + "/hooks/github", data=body, method="POST",
                                     headers={"X-GitHub-Event": "push",
                                              "X-GitHub-Delivery": delivery,
                                              "X-Hub-Signature-256": sig,
                                              "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return json.loads(r.read() or b"{}")
        except urllib.error.HTTPError as e:
            raise Failure(f"webhook for {head[:12]}: HTTP {e.code}: {e.read()[:300]!r}")
        except OSError as e:
            raise Failure(f"webhook for {head[:12]}: {e}\n{self.serve_log_tail()}")

    def wait_queue_idle(self, seconds=90):
        until = time.time() + seconds
        while time.time() < until:
            open_jobs = self.query("SELECT count(*) FROM jobs WHERE status IN ('pending', 'running')")
            if open_jobs and open_jobs[0][0] == 0:
                return
            if self.serve.poll() is not None:
                raise Failure("slipway serve died")
            time.sleep(0.1)
        raise Failure("serve's queue did not drain in time:\n" + self.serve_log_tail())

    def serve_log_tail(self):
        with open(os.path.join(self.dir, "serve.log"), errors="replace") as f:
            return "".join(f.readlines()[-30:])

    def step_webhooks(self):
        heads = self.git("rev-list", "--max-count", str(self.rng.randint(1, 4)), "dev").split()
        order = heads[:]
        self.rng.shuffle(order)
        if self.rng.random() < 0.3:
            order.append(self.rng.choice(heads))  # a redelivery as a new delivery id
        for h in order:
            self.deliver(h, f"d-{self.rng.getrandbits(48):012x}")
        self.wait_queue_idle()
        return "webhooks " + ",".join(h[:7] for h in order)

    def step_kill_serve(self):
        heads = self.git("rev-list", "--max-count", "2", "dev").split()
        for h in heads:
            self.deliver(h, f"k-{self.rng.getrandbits(48):012x}")
        time.sleep(self.rng.uniform(0.0, 1.0))
        os.killpg(self.serve.pid, signal.SIGKILL)
        self.serve.wait()
        self.serve_url = None
        self.start_serve()
        # A claim of the dead instance expires after --claim-ttl; its job runs once more.
        self.wait_queue_idle(seconds=120)
        return "serve killed and restarted"

    STEPS = [("merge", 26), ("break", 7), ("run", 15), ("run_killed", 6), ("run_throttled", 6),
             ("deploy_pick", 6), ("deploy_latest", 3), ("promote", 7), ("rollback", 8),
             ("webhooks", 12), ("kill_serve", 2)]

    def next_step(self):
        names = [n for n, _ in self.STEPS]
        weights = [w for _, w in self.STEPS]
        return getattr(self, "step_" + self.rng.choices(names, weights)[0])()

    # --- the invariant -------------------------------------------------------------------

    def columns(self, table):
        return {r[1] for r in self.query(f"PRAGMA table_info({table})")}

    def current(self, env):
        # A store from before schema 8 (an older slipway under test) knew only the
        # deployment's commit: read it as the migration does.
        newer = "template_commit" in self.columns("deployments")
        rows = self.query("SELECT id, commit_id, " +
                          ("template_commit, parameters" if newer else "commit_id, ''") +
                          " FROM deployments WHERE env = ? AND status = 'succeeded' "
                          "ORDER BY id DESC LIMIT 1", env)
        return rows[0] if rows else None

    def images(self, deployment):
        newer = "commit_id" in self.columns("deployment_images")
        return {r[0]: (r[1], r[2], r[3]) for r in self.query(
            "SELECT component, image_uri, " + ("i.commit_id" if newer else "d.commit_id") +
            ", parameter FROM deployment_images i JOIN deployments d ON d.id = i.deployment_id "
            "WHERE i.deployment_id = ?", deployment)}

    def settle(self):
        pending = self.query("SELECT count(*) FROM deployments WHERE status = 'pending'")
        if pending and pending[0][0]:
            self.slipway("reconcile", "--wait")
            left = self.query("SELECT id, env, reason FROM deployments WHERE status = 'pending'")
            if left:
                raise Failure(f"pending after reconcile: {left}")

    def touches(self, commit):
        if commit not in self.touch_cache:
            paths = self.git("diff-tree", "--no-commit-id", "--name-only", "-r", "--root",
                             commit).split()
            out = set()
            for p in paths:
                out |= affected_by(p)
            self.touch_cache[commit] = out
        return self.touch_cache[commit]

    def contains(self, descendant, ancestor):
        r = subprocess.run(["git", "merge-base", "--is-ancestor", ancestor, descendant],
                           cwd=self.repo, capture_output=True)
        return r.returncode == 0

    def between_touches(self, older, newer, component):
        for c in self.git("rev-list", f"{older}..{newer}").split():
            if component in self.touches(c):
                return c
        return None

    def plan_affected(self, env):
        r = self.slipway("run", "--env", env, "--plan", "-q", "--json-report", "-")
        return set(json.loads(r.stdout)["affected"])

    def check(self, env):
        cur = self.current(env)
        try:
            stack = self.cf.describe_stacks(StackName=f"shop-{env}")["Stacks"][0]
        except self.cf.exceptions.ClientError:
            stack = None
        if not cur:
            if stack and stack["StackStatus"].endswith("_COMPLETE") and \
                    stack["StackStatus"] in ("CREATE_COMPLETE", "UPDATE_COMPLETE"):
                raise Failure(f"{env}: the stack is {stack['StackStatus']} but the store has "
                              "no deployment of it")
            return
        dep_id, position, template_commit, params_json = cur
        if not stack:
            raise Failure(f"{env}: deployment #{dep_id} recorded but the stack does not exist")
        status = stack["StackStatus"]
        if status not in ("CREATE_COMPLETE", "UPDATE_COMPLETE"):
            raise Failure(f"{env}: the stack is {status} after deployment #{dep_id}")
        held = {p["ParameterKey"]: p["ParameterValue"] for p in stack.get("Parameters", [])}
        params = json.loads(params_json or "{}")
        for k, v in params.items():
            if v != "****" and held.get(k) != v:
                raise Failure(f"{env}: deployment #{dep_id} says {k}={v}, the stack has "
                              f"{held.get(k)}")
        body = self.cf.get_template(StackName=f"shop-{env}", TemplateStage="Original")
        body = body["TemplateBody"]
        want = self.git("show", f"{template_commit}:template.yml") + "\n"
        if isinstance(body, str) and body.strip() != want.strip():
            raise Failure(f"{env}: the stack's template is not template.yml at "
                          f"{template_commit[:12]} (deployment #{dep_id})")
        images = self.images(dep_id)
        deployed = {"stack": template_commit}
        for c in IMAGES:
            uri, commit, parameter = images[c]
            if held.get(parameter) != uri:
                raise Failure(f"{env}: {c}'s image is {held.get(parameter)} on the stack, "
                              f"{uri} in deployment #{dep_id}")
            built = self.git("rev-parse", uri.rsplit("-", 1)[-1])  # the tag's short commit
            if commit:
                if not self.contains(commit, built):
                    raise Failure(f"{env}: {c}'s image was built at {built[:12]}, not in the "
                                  f"history of the commit {commit[:12]} the store claims")
                between = self.between_touches(built, commit, c)
                if between:
                    raise Failure(f"{env}: the store claims {c}'s image (built at {built[:12]}) "
                                  f"is current for {commit[:12]}, but {between[:12]} changed it")
            deployed[c] = commit
        owed = set()
        for commit in self.git("rev-list", "dev").split():
            for c in self.touches(commit):
                if not deployed.get(c) or not self.contains(deployed[c], commit):
                    owed.add(c)
        if owed:
            selected = self.plan_affected(env)
            missing = owed - selected
            if missing:
                raise Failure(f"{env}: merged changes of {sorted(missing)} are neither deployed "
                              f"nor selected by 'run --plan' (it selects {sorted(selected)})")

    def check_all(self):
        self.settle()
        for env in ("test", "prod"):
            self.check(env)

    def check_with_aws_cli(self):
        """The end state once more with the aws CLI (slower: a process per call)."""
        for env in ("test", "prod"):
            cur = self.current(env)
            if not cur:
                continue
            r = subprocess.run(["aws", "--endpoint-url", self.moto, "--output", "json",
                                "cloudformation", "describe-stacks", "--stack-name",
                                f"shop-{env}"], env=self.env, capture_output=True, text=True)
            if r.returncode != 0:
                raise Failure(f"aws cloudformation describe-stacks: {r.stderr}")
            held = {p["ParameterKey"]: p["ParameterValue"]
                    for p in json.loads(r.stdout)["Stacks"][0]["Parameters"]}
            for k, v in json.loads(cur[3] or "{}").items():
                if v != "****" and held.get(k) != v:
                    raise Failure(f"aws CLI: {env} {k} is {held.get(k)}, the store says {v}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--slipway", required=True)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=0, help="stop after this long (0: never)")
    parser.add_argument("--seed", type=int,
                        default=int(os.environ.get("SLIPWAY_SCENARIO_SEED", "0")) or None)
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    args = parser.parse_args()
    if args.seed is None:
        args.seed = random.SystemRandom().randrange(1, 2**31)
    print(f"ledger scenario: seed {args.seed}, {args.steps} steps", flush=True)
    s = Scenario(args)
    started = time.time()
    done = 0
    try:
        s.start()
        for done in range(1, args.steps + 1):
            s.log = []
            what = s.next_step()
            s.check_all()
            print(f"  {done:4d} {what}", flush=True)
            if args.seconds and time.time() - started > args.seconds:
                print(f"ledger scenario: time bound reached after {done} steps", flush=True)
                break
        s.check_with_aws_cli()
    except (Failure, subprocess.TimeoutExpired) as e:
        print("\n".join(s.log))
        print(f"ledger scenario FAILED at step {done} (seed {args.seed}): {e}")
        print(f"replay: python3 {os.path.abspath(__file__)} --slipway {args.slipway} "
              f"--seed {args.seed} --steps {done}")
        print(f"scratch folder kept: {s.dir}")
        s.stop()
        return 1
    s.stop()
    took = time.time() - started
    print(f"ledger scenario: {done} steps kept the invariant in {took:.1f} s (seed {args.seed})")
    if not args.keep:
        shutil.rmtree(s.dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
