"""moto's CodeBuild as a build service that takes time, fails, stops and logs (imported by
moto_launcher.py; see its docstring for why).

A build runs through CodeBuild's phases: SUBMITTED, QUEUED, PROVISIONING, DOWNLOAD_SOURCE,
INSTALL, PRE_BUILD, BUILD, POST_BUILD, UPLOAD_ARTIFACTS, FINALIZING, COMPLETED. Each
BatchGetBuilds that names it ends its current phase and starts the next (a script may let it
go further per poll), and the BUILD phase lasts at least its scripted time. Its log stream
gets CodeBuild-like "[Container]" lines as phases start and the script's lines during BUILD.

The script: a JSON file named by $MOTO_CODEBUILD_SCRIPT, read at every StartBuild, mapping a
component (the build's SLIPWAY_COMPONENT, or "*" for any) to:
  outcome          SUCCEEDED (default), FAILED, FAULT or TIMED_OUT
  in_phase         the phase the outcome happens in (default BUILD)
  exit_status      for FAILED: the exit status in the phase's context (default 1)
  log              lines the build prints during BUILD (default: its SLIPWAY_* variables)
  build_ms         the least time BUILD takes (default 0)
  phases_per_poll  how many phases one BatchGetBuilds may end (default 1); above 1 the
                   phases before BUILD take no time at all, so BUILD counts from StartBuild
                   and the build's time does not depend on how often it is polled
  exports          exportedEnvironmentVariables at the end ({name: value})
"""
import json
import os
import time
import uuid

from moto.codebuild import models as cb_models
from moto.codebuild import responses as cb_responses
from moto.codebuild.exceptions import ResourceNotFoundException
from moto.core.utils import iso_8601_datetime_with_milliseconds
from moto.logs.models import logs_backends

PHASES = ["SUBMITTED", "QUEUED", "PROVISIONING", "DOWNLOAD_SOURCE", "INSTALL", "PRE_BUILD",
          "BUILD", "POST_BUILD", "UPLOAD_ARTIFACTS", "FINALIZING", "COMPLETED"]
IDEMPOTENCY_SECONDS = 300  # CodeBuild honours a token for 5 minutes

_runs = {}    # build id -> what the patch knows of the build beyond its metadata
_tokens = {}  # idempotency token -> (build id, when)


def _script_for(component):
    path = os.environ.get("MOTO_CODEBUILD_SCRIPT")
    if not path or not os.path.exists(path):
        return {}
    with open(path) as f:
        script = json.load(f)
    return script.get(component, script.get("*", {}))


def _now():
    return iso_8601_datetime_with_milliseconds()


def _log(backend, build, lines):
    run = _runs[build["id"]]
    logs = logs_backends[backend.account_id][backend.region_name]
    group, stream = run["log_group"], run["log_stream"]
    if group not in logs.groups:
        logs.create_log_group(group, {})
    if stream not in logs.groups[group].streams:
        logs.create_log_stream(group, stream)
        build["logs"].update({"groupName": group, "streamName": stream,
                              "deepLink": f"https://console.aws.amazon.com/cloudwatch/home#logEvent:group={group};stream={stream}"})
    stamp = int(time.time() * 1000)
    run["last_stamp"] = max(run.get("last_stamp", 0) + 1, stamp)
    events = []
    for line in lines:
        events.append({"timestamp": run["last_stamp"], "message": line + "\n"})
        run["last_stamp"] += 1
    logs.put_log_events(group, stream, events)


def _enter(backend, build, phase):
    run = _runs[build["id"]]
    build["currentPhase"] = phase
    build["phases"].append({"phaseType": phase, "startTime": _now()})
    run["phase_started"] = time.time()
    if phase == "BUILD" and run["per_poll"] > 1:
        run["phase_started"] = run["created"]
    if phase in ("SUBMITTED", "QUEUED", "PROVISIONING", "COMPLETED"):
        return  # no container yet (or any more): nothing to log
    lines = [f"[Container] {time.strftime('%Y/%m/%d %H:%M:%S')} Entering phase {phase}"]
    if phase == "BUILD":
        lines.append('[Container] Running command sh -c "$SLIPWAY_BUILD_COMMAND"')
        lines += run["log"][: len(run["log"]) // 2]
    _log(backend, build, lines)


def _end_phase(backend, build, status, contexts=None):
    phase = build["phases"][-1]
    phase["phaseStatus"] = status
    phase["endTime"] = _now()
    phase["durationInSeconds"] = int(time.time() - _runs[build["id"]]["phase_started"])
    if contexts:
        phase["contexts"] = contexts
    if phase["phaseType"] == "BUILD":
        _log(backend, build, _runs[build["id"]]["log"][len(_runs[build["id"]]["log"]) // 2:])


def _complete(build, status):
    run = _runs[build["id"]]
    build["phases"].append({"phaseType": "COMPLETED", "startTime": _now()})
    build["currentPhase"] = "COMPLETED"
    build["buildStatus"] = status
    build["buildComplete"] = True
    build["endTime"] = _now()
    if run["exports"] and status == "SUCCEEDED":
        build["exportedEnvironmentVariables"] = [{"name": k, "value": v} for k, v in run["exports"].items()]


def _advance(backend, build):
    """One poll: the current phase ends (as scripted) and the next starts."""
    run = _runs[build["id"]]
    if build["buildComplete"]:
        return
    phase = build["currentPhase"]
    if phase == "BUILD" and time.time() - run["phase_started"] < run["build_ms"] / 1000.0:
        return
    if phase == run["in_phase"] and run["outcome"] != "SUCCEEDED":
        outcome = run["outcome"]
        contexts = None
        if outcome == "FAILED":
            contexts = [{"statusCode": "COMMAND_EXECUTION_ERROR",
                         "message": 'Error while executing command: sh -c "$SLIPWAY_BUILD_COMMAND". '
                                    f'Reason: exit status {run["exit_status"]}'}]
        if outcome == "TIMED_OUT":
            contexts = [{"statusCode": "BUILD_TIMED_OUT", "message": "Build has timed out. "}]
        if outcome == "FAULT":
            contexts = [{"statusCode": "CLIENT_ERROR", "message": "scripted fault"}]
        _end_phase(backend, build, outcome, contexts)
        if outcome == "FAILED":  # CodeBuild still finalizes a failed build
            _enter(backend, build, "FINALIZING")
            run["in_phase"] = None
            run["final"] = "FAILED"
            return
        return _complete(build, outcome)
    _end_phase(backend, build, "SUCCEEDED")
    following = PHASES[PHASES.index(phase) + 1]
    if following == "COMPLETED":
        return _complete(build, run.get("final", "SUCCEEDED"))
    _enter(backend, build, following)


def _start_build(self, project_name, source_version=None, artifact_override=None,
                 env_override=None, token=None, overrides=None):
    if token and token in _tokens and time.time() - _tokens[token][1] < IDEMPOTENCY_SECONDS:
        return self._patched_builds[_tokens[token][0]]
    project = self.codebuild_projects[project_name]
    build_uuid = str(uuid.uuid4())
    build_id = f"{project_name}:{build_uuid}"
    meta = cb_models.CodeBuildProjectMetadata(self.account_id, self.region_name, project_name,
                                              source_version, artifact_override, build_id,
                                              project.service_role)
    build = meta.build_metadata
    build["phases"] = []
    build["logs"] = {"status": "ENABLED"}
    build["environment"]["environmentVariables"] = env_override or []
    for key, field in (("computeTypeOverride", "computeType"), ("imageOverride", "image"),
                       ("privilegedModeOverride", "privilegedMode")):
        if (overrides or {}).get(key) is not None:
            build["environment"][field] = overrides[key]
    if (overrides or {}).get("timeoutInMinutesOverride"):
        build["timeoutInMinutes"] = overrides["timeoutInMinutesOverride"]
    env = {v["name"]: v["value"] for v in env_override or []}
    script = _script_for(env.get("SLIPWAY_COMPONENT", ""))
    default_log = [f"{k}={v}" for k, v in sorted(env.items()) if k.startswith("SLIPWAY_")]
    _runs[build_id] = {
        "outcome": script.get("outcome", "SUCCEEDED"), "in_phase": script.get("in_phase", "BUILD"),
        "exit_status": script.get("exit_status", 1), "log": script.get("log", default_log),
        "build_ms": script.get("build_ms", 0), "per_poll": script.get("phases_per_poll", 1),
        "exports": script.get("exports", {}),
        "log_group": f"/aws/codebuild/{project_name}", "log_stream": build_uuid,
        "created": time.time(),
    }
    self._patched_builds[build_id] = build
    self.build_history[project_name].append(build_id)
    self.build_metadata_history[project_name].append(build)
    _enter(self, build, "SUBMITTED")
    _end_phase(self, build, "SUCCEEDED")
    _enter(self, build, "QUEUED")
    if token:
        _tokens[token] = (build_id, time.time())
    return build


def _batch_get_builds(self, ids):
    found = []
    for build_id in ids:
        build_id = build_id.split(":build/", 1)[-1]
        build = self._patched_builds.get(build_id)
        if build is None:
            continue
        for _ in range(_runs[build_id]["per_poll"]):
            _advance(self, build)
        found.append(build)
    return found


def _stop_build(self, build_id):
    build = self._patched_builds.get(build_id)
    if build is None:
        raise ResourceNotFoundException(f"Build {build_id} does not exist")
    if not build["buildComplete"]:
        _end_phase(self, build, "STOPPED")
        _complete(build, "STOPPED")
    return build


_init = cb_models.CodeBuildBackend.__init__


def _init_with_builds(self, *args, **kwargs):
    _init(self, *args, **kwargs)
    self._patched_builds = {}


def _start_build_response(self):
    cb_responses._validate_required_params_project_name(self._get_param("projectName"))
    if self._get_param("projectName") not in self.codebuild_backend.codebuild_projects:
        raise ResourceNotFoundException(f"Project cannot be found: {self._get_param('projectName')}")
    overrides = {k: self._get_param(k) for k in ("computeTypeOverride", "imageOverride",
                                                 "privilegedModeOverride", "timeoutInMinutesOverride")}
    build = self.codebuild_backend.start_build(
        self._get_param("projectName"), self._get_param("sourceVersion"),
        self._get_param("artifactsOverride"), self._get_param("environmentVariablesOverride"),
        self._get_param("idempotencyToken"), overrides)
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
