"""moto's CodeBuild as a local build agent (imported by moto_launcher.py).

moto 5.x accepts StartBuild and then reports whatever it likes: a build jumps to SUCCEEDED on
its first BatchGetBuilds, runs nothing, ignores its overrides and idempotency token, writes no
log and is turned back from STOPPED into SUCCEEDED. This patch makes StartBuild run the build
on this machine, the way CodeBuild's agent runs it in its container:

What it emulates
- Source (DOWNLOAD_SOURCE): the project's source, at the build's sourceVersion (else the
  project's, else the default branch), unpacked into a scratch folder that becomes
  CODEBUILD_SRC_DIR (removed when the build ends):
    CODECOMMIT, GITHUB, GITHUB_ENTERPRISE, BITBUCKET  `location` is a local git repository
        (a path or a file:// URL; a bare one in tests): cloned, sourceVersion (a commit id, a
        branch, refs/heads/..., refs/tags/...) checked out detached. CODEBUILD_RESOLVED_SOURCE_
        VERSION is the commit id. Network URLs are refused (tests never leave 127.0.0.1).
    S3   `location` is bucket/key of a zip in this moto's S3 (sourceVersion: its version id).
    NO_SOURCE  an empty folder; the buildspec must be inline.
  A source that cannot be had fails DOWNLOAD_SOURCE with CLIENT_ERROR, as CodeBuild does.
- The buildspec: buildspecOverride, else the project source's `buildspec`, else buildspec.yml;
  inline YAML or a path in the source. Version 0.2: `env` (variables, exported-variables,
  shell: sh or bash), `phases` (install, pre_build, build, post_build; each with commands,
  finally, on-failure ABORT or CONTINUE), `artifacts` (files, base-directory, discard-paths,
  name) for an S3 artifacts project. A buildspec that does not parse fails DOWNLOAD_SOURCE
  with YAML_FILE_ERROR.
- Commands run one by one with /bin/sh (or bash) in a process group of their own; as in 0.2,
  variables and the working folder carry over from one command (and phase) to the next.
  Their output goes, line by line, to the build's CloudWatch Logs stream in this moto
  (logsConfig's group and stream prefix, default /aws/codebuild/<project> and the build's
  uuid), framed by the agent's own "[Container] ..." lines for what it really did (entering a
  phase, running a command, a command's exit status, a phase's end).
- Phase transitions as CodeBuild documents them: a failed command skips the rest of its
  phase's commands, then `finally` runs; a failure in INSTALL or PRE_BUILD goes to
  FINALIZING; a failure in BUILD still runs POST_BUILD (with CODEBUILD_BUILD_SUCCEEDING=0) and
  UPLOAD_ARTIFACTS; `on-failure: CONTINUE` goes on to the next phase. A failed phase carries
  the context COMMAND_EXECUTION_ERROR "Error while executing command: <command>. Reason: exit
  status N", and the build ends FAILED.
- Environment, highest first: environmentVariablesOverride, the project's variables, the
  buildspec's env.variables; then CodeBuild's own: CODEBUILD_BUILD_ARN, _ID, _NUMBER (per
  project, 1, 2, ...), _IMAGE, _SUCCEEDING, CODEBUILD_INITIATOR, CODEBUILD_LOG_PATH,
  CODEBUILD_SRC_DIR, CODEBUILD_SOURCE_VERSION, CODEBUILD_RESOLVED_SOURCE_VERSION,
  CODEBUILD_SOURCE_REPO_URL, CODEBUILD_START_TIME, AWS_REGION, AWS_DEFAULT_REGION; and, standing
  in for the service role's credentials, AWS_ENDPOINT_URL (this moto) with test keys, so the
  aws CLI in a build talks to this moto. Only PLAINTEXT variables (PARAMETER_STORE and
  SECRETS_MANAGER ones fail the build: not emulated). exported-variables are read after
  POST_BUILD (or the last phase that ran) and reported as exportedEnvironmentVariables.
- Limits: timeoutInMinutesOverride (else the project's, else 60) kills the command running and
  ends the build TIMED_OUT (context BUILD_TIMED_OUT); StopBuild kills it and ends the build
  STOPPED. An account quota of concurrently running builds (`concurrent_builds` below): builds
  beyond it wait in QUEUED, and leave it TIMED_OUT after queuedTimeoutInMinutes.
- idempotencyToken: the same token within 5 minutes returns the same build.
- BatchGetBuilds reports phases (start, end, duration, status, contexts), currentPhase,
  buildStatus, buildComplete, logs (groupName, streamName), the overrides kept.

What it does not emulate
- Containers: commands run as this machine's user, on this machine's tools (no build image,
  no runtime-versions, no VPC, no run-as). Builds get no Docker daemon, privileged or not:
  DOCKER_HOST names a socket that does not exist, so a docker command fails as it does in a
  CodeBuild container without privileged mode (a daemon here would reach real registries).
- Secondary sources and artifacts, caches, reports, batch builds, webhooks, Session Manager,
  Parameter Store and Secrets Manager variables, S3 logs, git submodules and clone depth,
  project-level concurrentBuildLimit, source credentials, and any network source.
- Time: builds take the time their commands take; nothing is scripted except the control
  file below.

The control file (JSON, optional), named by $MOTO_CODEBUILD_CONTROL and read at every
StartBuild, for what no command can cause or what would take minutes:
  seconds_per_minute  how long one of CodeBuild's minutes lasts here (default 60): timeouts in
                      minutes shrink with it, so a test can see a build time out
  concurrent_builds   the account's quota of running builds (default: none)
  provision_ms        how long PROVISIONING takes (default 0)
  faults              {"NAME=value" or "*": "PHASE"}: a build with that variable among its
                      overrides ends FAULT (context CLIENT_ERROR) when it reaches PHASE, before
                      running anything there (an infrastructure failure)
"""
import copy
import fnmatch
import io
import json
import os
import shlex
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import uuid
import zipfile

import yaml
from moto.codebuild import models as cb_models
from moto.codebuild import responses as cb_responses
from moto.codebuild.exceptions import InvalidInputException, ResourceNotFoundException
from moto.core.utils import iso_8601_datetime_with_milliseconds
from moto.logs.models import logs_backends
from moto.s3.models import s3_backends

PHASES = ["SUBMITTED", "QUEUED", "PROVISIONING", "DOWNLOAD_SOURCE", "INSTALL", "PRE_BUILD",
          "BUILD", "POST_BUILD", "UPLOAD_ARTIFACTS", "FINALIZING", "COMPLETED"]
BUILDSPEC_PHASES = [("INSTALL", "install"), ("PRE_BUILD", "pre_build"), ("BUILD", "build"),
                    ("POST_BUILD", "post_build")]
GIT_SOURCES = ("CODECOMMIT", "GITHUB", "GITHUB_ENTERPRISE", "BITBUCKET")
IDEMPOTENCY_SECONDS = 300  # CodeBuild honours a token for 5 minutes
ENDPOINT = "http://127.0.0.1:5000"  # set by moto_launcher.py to its own address
TEST_KEY, TEST_SECRET = "AKIDCODEBUILDROLE", "codebuild-role-secret"

_lock = threading.RLock()  # guards every build dict and the bookkeeping below
_changed = threading.Condition(_lock)
_runs = {}     # build id -> _Run
_tokens = {}   # idempotency token -> (build id, when)
_numbers = {}  # project arn -> last build number
_running = 0   # builds past QUEUED and not complete (the account's quota counts these)


def _control():
    path = os.environ.get("MOTO_CODEBUILD_CONTROL")
    if not path or not os.path.exists(path):
        return {}
    with open(path) as f:
        return json.load(f)


def _now():
    return iso_8601_datetime_with_milliseconds()


class _Ended(Exception):
    """The build ends here: stopped, timed out or faulted."""


class _Run:
    """One build: its thread runs the phases; StopBuild and timeouts reach it through
    `stop` and the process group of the command it is running."""

    def __init__(self, backend, build, project, request, control):
        self.backend, self.build, self.project = backend, build, project
        self.request, self.control = request, control
        self.stop = threading.Event()
        self.ended_as = None  # STOPPED or TIMED_OUT once one of them is decided
        self.process = None
        self.last_stamp = 0
        self.minute = float(control.get("seconds_per_minute", 60))
        self.deadline = time.time() + build["timeoutInMinutes"] * self.minute
        self.queued_deadline = time.time() + build["queuedTimeoutInMinutes"] * self.minute
        self.scratch = None
        self.counted = False  # holds one of the account's running-build slots
        self.phase_started = time.time()
        self.resolved = ""
        self.thread = threading.Thread(target=self.main, daemon=True)

    # --- the phases ---------------------------------------------------------------------
    def main(self):
        global _running
        try:
            self.wait_in_queue()
            self.enter("PROVISIONING")
            self.fault_point("PROVISIONING")
            self.sleep(self.control.get("provision_ms", 0) / 1000.0)
            self.end_phase("SUCCEEDED")
            self.scratch = tempfile.mkdtemp(prefix="codebuild-")
            self.run_phases()
        except _Ended:
            pass
        except Exception as e:  # the agent's own failure: CodeBuild calls it FAULT
            self.log(f"[Container] {self.stamp()} agent error: {e!r}")
            self.finish_phase_and_complete("FAULT", "FAULT", [{"statusCode": "CLIENT_ERROR",
                                                               "message": f"agent error: {e}"}])
        finally:
            if self.scratch:
                shutil.rmtree(self.scratch, ignore_errors=True)
            with _lock:
                if self.counted:
                    _running -= 1
                _changed.notify_all()

    def wait_in_queue(self):
        global _running
        limit = self.control.get("concurrent_builds")
        with _lock:
            while limit and _running >= limit:
                if self.stop.is_set():
                    self.end_as(self.ended_as or "STOPPED")
                if time.time() >= self.queued_deadline:
                    self.end_as("TIMED_OUT", [{"statusCode": "BUILD_TIMED_OUT",
                                               "message": "Build has timed out. "}])
                _changed.wait(0.05)
            _running += 1
            self.counted = True
            self.end_phase("SUCCEEDED")

    def run_phases(self):
        self.enter("DOWNLOAD_SOURCE")
        self.fault_point("DOWNLOAD_SOURCE")
        src = os.path.join(self.scratch, "src")
        problem = self.download(src)
        spec = None
        if not problem:
            spec, problem = self.buildspec(src)
        if problem:
            self.end_phase("FAILED", [problem])
            return self.finalize("FAILED")
        self.env = self.environment(src, spec)
        if isinstance(self.env, dict) and "__problem__" in self.env:
            self.end_phase("FAILED", [self.env["__problem__"]])
            return self.finalize("FAILED")
        self.shell = {"bash": "/bin/bash", "sh": "/bin/sh", None: "/bin/sh"}.get(
            (spec.get("env") or {}).get("shell"), "/bin/sh")
        self.state = os.path.join(self.scratch, "env.sh")
        self.cwd_file = os.path.join(self.scratch, "cwd")
        self.save_env(self.env, src)
        self.log(f"[Container] {self.stamp()} CODEBUILD_SRC_DIR={src}")
        self.end_phase("SUCCEEDED")
        status = "SUCCEEDED"
        skip_to_finalizing = False
        for phase, key in BUILDSPEC_PHASES:
            block = (spec.get("phases") or {}).get(key) or {}
            self.enter(phase)
            self.fault_point(phase)
            ok, context = self.run_block(block)
            if ok:
                self.end_phase("SUCCEEDED")
                continue
            status = "FAILED"
            self.set_var("CODEBUILD_BUILD_SUCCEEDING", "0")
            self.end_phase("FAILED", [context])
            if str(block.get("on-failure", "ABORT")).upper() == "CONTINUE":
                continue
            if phase in ("INSTALL", "PRE_BUILD"):
                skip_to_finalizing = True
                break
        self.export(spec)
        if not skip_to_finalizing:
            self.enter("UPLOAD_ARTIFACTS")
            self.fault_point("UPLOAD_ARTIFACTS")
            problem = self.upload(spec, src)
            if problem:
                status = "FAILED"
            self.end_phase("FAILED" if problem else "SUCCEEDED", [problem] if problem else None)
        self.finalize(status)

    def finalize(self, status):
        self.enter("FINALIZING")
        self.end_phase("SUCCEEDED")
        self.complete(status)

    # --- source and buildspec -----------------------------------------------------------
    def download(self, src):
        """Fills `src` with the source; returns a phase context when it cannot."""
        source = self.project["source"]
        kind, location = source.get("type"), source.get("location", "")
        version = self.build.get("sourceVersion") or self.project.get("sourceVersion")
        os.makedirs(src)
        resolved = ""
        try:
            if kind in GIT_SOURCES:
                path = location[len("file://"):] if location.startswith("file://") else location
                if not os.path.isabs(path) or not os.path.exists(path):
                    return _context("CLIENT_ERROR", f"repository not found: {location} (this double "
                                    "only clones local repositories)")
                self.git("clone", "--quiet", "--no-checkout", path, src)
                want = version or "HEAD"
                for prefix in ("refs/heads/", "refs/tags/"):
                    if want.startswith(prefix):
                        want = "origin/" + want[len(prefix):] if prefix == "refs/heads/" else want
                resolved = self.git("-C", src, "rev-parse", "--verify", "--quiet",
                                    want + "^{commit}", check=False)
                if not resolved:
                    return _context("CLIENT_ERROR", f"reference not found for primary source and "
                                    f"source version {version}")
                self.git("-C", src, "checkout", "--quiet", "--detach", resolved)
            elif kind == "S3":
                bucket, _, key = location.partition("/")
                s3 = s3_backends[self.backend.account_id]["aws"]
                obj = s3.get_object(bucket, key, version_id=version) if bucket in s3.buckets else None
                if obj is None:
                    return _context("CLIENT_ERROR", f"NoSuchKey: error while downloading key {key}")
                with zipfile.ZipFile(io.BytesIO(obj.value)) as z:
                    z.extractall(src)
                resolved = version or ""
            elif kind != "NO_SOURCE":
                return _context("CLIENT_ERROR", f"source type {kind} is not emulated")
        except (subprocess.CalledProcessError, zipfile.BadZipFile) as e:
            return _context("CLIENT_ERROR", f"cannot download source: {e}")
        self.resolved = resolved
        self.log(f"[Container] {self.stamp()} Source downloaded to {src}")
        return None

    def git(self, *args, check=True):
        done = subprocess.run(["git", *args], capture_output=True, text=True)
        if check and done.returncode != 0:
            raise subprocess.CalledProcessError(done.returncode, ["git", *args], done.stdout,
                                                done.stderr)
        return done.stdout.strip() if done.returncode == 0 else ""

    def buildspec(self, src):
        """(parsed buildspec, None) or (None, phase context)."""
        text = self.request.get("buildspecOverride") or self.project["source"].get("buildspec") \
            or "buildspec.yml"
        if "\n" not in text and not text.lstrip().startswith("version"):
            path = os.path.join(src, text)
            if not os.path.isfile(path):
                return None, _context("YAML_FILE_ERROR", f"YAML file does not exist: {path}")
            self.log(f"[Container] {self.stamp()} YAML location is {path}")
            with open(path) as f:
                text = f.read()
        try:
            spec = yaml.safe_load(text)
        except yaml.YAMLError as e:
            return None, _context("YAML_FILE_ERROR", f"{e}".replace("\n", " "))
        if not isinstance(spec, dict) or str(spec.get("version")) not in ("0.1", "0.2"):
            return None, _context("YAML_FILE_ERROR", "missing or unknown buildspec version")
        for _, key in BUILDSPEC_PHASES:
            block = (spec.get("phases") or {}).get(key)
            if block is not None and not isinstance(block, dict):
                return None, _context("YAML_FILE_ERROR", f"phase {key} must be a map")
        return spec, None

    def environment(self, src, spec):
        b = self.build
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.path.join(self.scratch, "home"),
               "LANG": "C.UTF-8"}
        os.makedirs(env["HOME"])
        for name, value in ((spec.get("env") or {}).get("variables") or {}).items():
            env[str(name)] = "" if value is None else str(value)
        for v in (self.project["environment"].get("environmentVariables") or []) + \
                (self.request.get("environmentVariablesOverride") or []):
            if v.get("type", "PLAINTEXT") != "PLAINTEXT":
                return {"__problem__": _context("CLIENT_ERROR", f"variable {v['name']}: type "
                                                f"{v['type']} is not emulated")}
            env[v["name"]] = v["value"]
        region = self.backend.region_name
        env.update({
            "CODEBUILD_BUILD_ARN": b["arn"], "CODEBUILD_BUILD_ID": b["id"],
            "CODEBUILD_BUILD_NUMBER": str(b["buildNumber"]),
            "CODEBUILD_BUILD_IMAGE": b["environment"]["image"], "CODEBUILD_BUILD_SUCCEEDING": "1",
            "CODEBUILD_INITIATOR": b["initiator"], "CODEBUILD_LOG_PATH": b["logs"]["streamName"],
            "CODEBUILD_SRC_DIR": src, "CODEBUILD_SOURCE_VERSION": b.get("sourceVersion") or "",
            "CODEBUILD_RESOLVED_SOURCE_VERSION": self.resolved,
            "CODEBUILD_SOURCE_REPO_URL": self.project["source"].get("location", ""),
            "CODEBUILD_START_TIME": str(int(self.started * 1000)),
            "AWS_REGION": region, "AWS_DEFAULT_REGION": region, "AWS_ENDPOINT_URL": ENDPOINT,
            "AWS_ACCESS_KEY_ID": TEST_KEY, "AWS_SECRET_ACCESS_KEY": TEST_SECRET,
            # No Docker daemon for builds: this machine's (if any) would reach real registries.
            "DOCKER_HOST": "unix://" + os.path.join(self.scratch, "no-docker.sock"),
        })
        return env

    # --- commands -----------------------------------------------------------------------
    def save_env(self, env, cwd):
        with open(self.state, "w") as f:
            for name, value in env.items():
                f.write(f"export {name}={shlex.quote(value)}\n")
        with open(self.cwd_file, "w") as f:
            f.write(cwd)

    def set_var(self, name, value):
        with open(self.state, "a") as f:
            f.write(f"export {name}={shlex.quote(value)}\n")

    def run_block(self, block):
        """Runs a phase's commands, then its `finally`; (succeeded, context of the failure)."""
        failure = None
        for command in block.get("commands") or []:
            code = self.run_command(str(command))
            if code != 0:
                failure = _context("COMMAND_EXECUTION_ERROR", f"Error while executing command: "
                                   f"{command}. Reason: exit status {code}")
                break
        for command in block.get("finally") or []:
            code = self.run_command(str(command))
            if code != 0 and failure is None:
                failure = _context("COMMAND_EXECUTION_ERROR", f"Error while executing command: "
                                   f"{command}. Reason: exit status {code}")
                break
        return failure is None, failure

    def run_command(self, command):
        """Runs one command with the variables and folder the previous one left; its exit
        status. Output goes to the log stream as it comes."""
        self.log(f"[Container] {self.stamp()} Running command {command}")
        script = os.path.join(self.scratch, "command.sh")
        new_state, new_cwd = self.state + ".next", self.cwd_file + ".next"
        with open(script, "w") as f:
            f.write(f". {shlex.quote(self.state)}\n"
                    f"cd \"$(cat {shlex.quote(self.cwd_file)})\"\n"
                    f"trap 'export -p > {shlex.quote(new_state)}; pwd > {shlex.quote(new_cwd)}' EXIT\n"
                    f"{command}\n")
        with _lock:
            if self.stop.is_set():
                raise _Ended()
            self.process = subprocess.Popen(["env", "-i", self.shell, script],
                                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        reader = threading.Thread(target=self.pump, args=(self.process.stdout,), daemon=True)
        reader.start()
        while True:
            try:
                code = self.process.wait(timeout=0.05)
                break
            except subprocess.TimeoutExpired:
                if time.time() >= self.deadline:
                    self.kill("TIMED_OUT")
        reader.join()
        with _lock:
            self.process = None
        if self.ended_as == "TIMED_OUT":
            self.end_as("TIMED_OUT", [_context("BUILD_TIMED_OUT", "Build has timed out. ")])
        if self.ended_as == "STOPPED":
            self.end_as("STOPPED")
        if os.path.exists(new_state):  # variables and folder carry over (buildspec 0.2)
            os.replace(new_state, self.state)
            with open(new_cwd) as f:
                cwd = f.read().strip()
            with open(self.cwd_file, "w") as f:
                f.write(cwd)
        if code != 0:
            self.log(f"[Container] {self.stamp()} Command did not exit successfully {command} "
                     f"exit status {code}")
        return code

    def pump(self, stream):
        for raw in iter(stream.readline, b""):
            self.log(raw.decode("utf-8", "replace").rstrip("\n"))
        stream.close()

    def kill(self, why):
        """Ends the command running (its whole process group) as `why`."""
        with _lock:
            if self.ended_as is None:
                self.ended_as = why
            self.stop.set()
            if self.process is not None:
                try:
                    os.killpg(self.process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            _changed.notify_all()

    def sleep(self, seconds):
        if self.stop.wait(seconds):
            self.end_as(self.ended_as or "STOPPED")

    def fault_point(self, phase):
        if self.stop.is_set():
            self.end_as(self.ended_as or "STOPPED")
        if time.time() >= self.deadline:
            self.end_as("TIMED_OUT", [_context("BUILD_TIMED_OUT", "Build has timed out. ")])
        variables = {f"{v['name']}={v['value']}" for v in self.request.get("environmentVariablesOverride") or []}
        for key, where in (self.control.get("faults") or {}).items():
            if where == phase and (key == "*" or key in variables):
                self.end_as("FAULT", [_context("CLIENT_ERROR", f"fault injected in {phase}")])

    # --- results --------------------------------------------------------------------------
    def export(self, spec):
        names = (spec.get("env") or {}).get("exported-variables") or []
        if not names:
            return
        values = {}
        done = subprocess.run(["env", "-i", "/bin/sh", "-c", f". {shlex.quote(self.state)}; env -0"],
                              capture_output=True)
        for entry in done.stdout.split(b"\0"):
            name, eq, value = entry.decode("utf-8", "replace").partition("=")
            if eq:
                values[name] = value
        with _lock:
            self.build["exportedEnvironmentVariables"] = [
                {"name": n, "value": values.get(n, "")} for n in names]

    def upload(self, spec, src):
        """S3 artifacts: the buildspec's files under the project's location; None or a context."""
        artifacts = self.project.get("artifacts") or {}
        wanted = spec.get("artifacts") or {}
        if artifacts.get("type") != "S3" or not wanted.get("files"):
            return None
        base = os.path.join(src, wanted.get("base-directory", ""))
        found = []
        for root, _, files in os.walk(base):
            for name in files:
                rel = os.path.relpath(os.path.join(root, name), base)
                if any(fnmatch.fnmatch(rel, pattern.replace("**/*", "*")) or rel == pattern
                       for pattern in wanted["files"]):
                    found.append(rel)
        if not found:
            return _context("CLIENT_ERROR", "no matching artifact paths found")
        s3 = s3_backends[self.backend.account_id]["aws"]
        bucket = artifacts["location"]
        prefix = "/".join(p for p in (artifacts.get("path", ""),
                                      wanted.get("name") or artifacts.get("name") or self.project["name"]) if p)
        discard = str(wanted.get("discard-paths", "no")).lower() in ("yes", "true")
        for rel in sorted(found):
            with open(os.path.join(base, rel), "rb") as f:
                key = f"{prefix}/{os.path.basename(rel) if discard else rel}"
                s3.put_object(bucket, key, f.read())
            self.log(f"[Container] {self.stamp()} Uploading {rel} to s3://{bucket}/{key}")
        return None

    # --- the build's record ---------------------------------------------------------------
    def stamp(self):
        return time.strftime("%Y/%m/%d %H:%M:%S", time.gmtime()) + f".{int(time.time() * 1e6) % 1000000:06d}"

    def log(self, line):
        with _lock:
            logs = logs_backends[self.backend.account_id][self.backend.region_name]
            group, stream = self.build["logs"]["groupName"], self.build["logs"]["streamName"]
            if group not in logs.groups:
                logs.create_log_group(group, {})
            if stream not in logs.groups[group].streams:
                logs.create_log_stream(group, stream)
            self.last_stamp = max(self.last_stamp + 1, int(time.time() * 1000))
            logs.put_log_events(group, stream, [{"timestamp": self.last_stamp, "message": line + "\n"}])

    def enter(self, phase):
        with _lock:
            self.build["currentPhase"] = phase
            self.build["phases"].append({"phaseType": phase, "startTime": _now()})
            self.phase_started = time.time()
            _changed.notify_all()
        if phase in BUILDSPEC_PHASES_NAMES:
            self.log(f"[Container] {self.stamp()} Entering phase {phase}")

    def end_phase(self, status, contexts=None):
        with _lock:
            phase = self.build["phases"][-1]
            if "phaseStatus" in phase:
                return
            phase.update({"phaseStatus": status, "endTime": _now(),
                          "durationInSeconds": int(time.time() - getattr(self, "phase_started", time.time()))})
            if contexts:
                phase["contexts"] = contexts
            _changed.notify_all()
        if phase["phaseType"] in BUILDSPEC_PHASES_NAMES:
            self.log(f"[Container] {self.stamp()} Phase complete: {phase['phaseType']} State: {status}")
            for c in contexts or []:
                self.log(f"[Container] {self.stamp()} Phase context status code: {c['statusCode']} "
                         f"Message: {c['message']}")

    def complete(self, status):
        with _lock:
            if self.build["buildComplete"]:
                return
            self.build["phases"].append({"phaseType": "COMPLETED", "startTime": _now()})
            self.build.update({"currentPhase": "COMPLETED", "buildStatus": status,
                               "buildComplete": True, "endTime": _now()})
            _changed.notify_all()

    def finish_phase_and_complete(self, phase_status, build_status, contexts=None):
        self.end_phase(phase_status, contexts)
        self.complete(build_status)

    def end_as(self, status, contexts=None):
        self.finish_phase_and_complete(status, status, contexts)
        raise _Ended()


BUILDSPEC_PHASES_NAMES = {p for p, _ in BUILDSPEC_PHASES} | {"DOWNLOAD_SOURCE", "UPLOAD_ARTIFACTS"}


def _context(code, message):
    return {"statusCode": code, "message": message}


def _start_build(self, project_name, request):
    token = request.get("idempotencyToken")
    with _lock:
        if token and token in _tokens and time.time() - _tokens[token][1] < IDEMPOTENCY_SECONDS:
            return copy.deepcopy(self._patched_builds[_tokens[token][0]])
    project = self.codebuild_projects[project_name].project_metadata
    build_uuid = str(uuid.uuid4())
    build_id = f"{project_name}:{build_uuid}"
    meta = cb_models.CodeBuildProjectMetadata(self.account_id, self.region_name, project_name,
                                              request.get("sourceVersion"),
                                              request.get("artifactsOverride") or project["artifacts"],
                                              build_id, self.codebuild_projects[project_name].service_role)
    build = meta.build_metadata
    build["sourceVersion"] = request.get("sourceVersion") or project.get("sourceVersion") or ""
    build["source"] = copy.deepcopy(project["source"])
    environment = copy.deepcopy(project["environment"])
    environment["environmentVariables"] = request.get("environmentVariablesOverride") or []
    for key, field in (("computeTypeOverride", "computeType"), ("imageOverride", "image"),
                       ("privilegedModeOverride", "privilegedMode")):
        if request.get(key) is not None:
            environment[field] = request[key]
    build["environment"] = environment
    build["timeoutInMinutes"] = request.get("timeoutInMinutesOverride") or \
        project.get("timeoutInMinutes") or 60
    build["queuedTimeoutInMinutes"] = request.get("queuedTimeoutInMinutesOverride") or \
        project.get("queuedTimeoutInMinutes") or 480
    cw = ((project.get("logsConfig") or {}).get("cloudWatchLogs") or {})
    group = cw.get("groupName") or f"/aws/codebuild/{project_name}"
    stream = f"{cw['streamName']}/{build_uuid}" if cw.get("streamName") else build_uuid
    region = self.region_name
    build["logs"] = {"groupName": group, "streamName": stream,
                     "deepLink": f"https://console.aws.amazon.com/cloudwatch/home?region={region}"
                                 f"#logEvent:group={group};stream={stream}",
                     "cloudWatchLogsArn": f"arn:aws:logs:{region}:{self.account_id}:log-group:"
                                          f"{group}:log-stream:{stream}",
                     "cloudWatchLogs": {"status": "ENABLED"}, "s3Logs": {"status": "DISABLED"}}
    build["initiator"] = "slipway-test"
    with _lock:
        _numbers[project["arn"]] = _numbers.get(project["arn"], 0) + 1
        build["buildNumber"] = _numbers[project["arn"]]
        run = _Run(self, build, project, request, _control())
        run.started = time.time()
        _runs[build_id] = run
        self._patched_builds[build_id] = build
        self.build_history[project_name].append(build_id)
        self.build_metadata_history[project_name].append(build)
        if token:
            _tokens[token] = (build_id, time.time())
        run.thread.start()
        return copy.deepcopy(build)


def _batch_get_builds(self, ids):
    found = []
    with _lock:
        for build_id in ids:
            build = self._patched_builds.get(build_id.split(":build/", 1)[-1])
            if build is not None:
                found.append(copy.deepcopy(build))
    return found


def _stop_build(self, build_id):
    with _lock:
        build = self._patched_builds.get(build_id)
        if build is None:
            raise ResourceNotFoundException(f"Build {build_id} does not exist")
        run = _runs[build_id]
        if not build["buildComplete"]:
            run.kill("STOPPED")
    run.thread.join(timeout=10)  # the build is STOPPED in this answer, as CodeBuild's says
    with _lock:
        return copy.deepcopy(build)


_init = cb_models.CodeBuildBackend.__init__


def _init_with_builds(self, *args, **kwargs):
    _init(self, *args, **kwargs)
    self._patched_builds = {}


def _start_build_response(self):
    name = self._get_param("projectName")
    cb_responses._validate_required_params_project_name(name)
    if name not in self.codebuild_backend.codebuild_projects:
        raise ResourceNotFoundException(f"Project cannot be found: arn:aws:codebuild:"
                                        f"{self.region}:{self.current_account}:project/{name}")
    minutes = self._get_param("timeoutInMinutesOverride")
    if minutes is not None and not 5 <= minutes <= 2160:
        raise InvalidInputException("Invalid timeout in minutes: must be between 5 and 2160")
    request = {k: self._get_param(k) for k in (
        "sourceVersion", "artifactsOverride", "environmentVariablesOverride", "idempotencyToken",
        "computeTypeOverride", "imageOverride", "privilegedModeOverride", "timeoutInMinutesOverride",
        "queuedTimeoutInMinutesOverride", "buildspecOverride")}
    build = self.codebuild_backend.start_build(name, request)
    return json.dumps({"build": build})


def _batch_get_builds_response(self):
    ids = self._get_param("ids")
    builds = self.codebuild_backend.batch_get_builds(ids)
    known = {b["id"] for b in builds}
    missing = [i for i in ids if i.split(":build/", 1)[-1] not in known]
    return json.dumps({"builds": builds, "buildsNotFound": missing})


cb_models.CodeBuildBackend.__init__ = _init_with_builds
cb_models.CodeBuildBackend.start_build = _start_build
cb_models.CodeBuildBackend.batch_get_builds = _batch_get_builds
cb_models.CodeBuildBackend.stop_build = _stop_build
cb_responses.CodeBuildResponse.start_build = _start_build_response
cb_responses.CodeBuildResponse.batch_get_builds = _batch_get_builds_response
