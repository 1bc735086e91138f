#!/usr/bin/env python3
"""Checks the example CI files a user copies: manifests/buildspec*.yml and the workflow.

  ci_files_test.py REPOSITORY_ROOT

The workflow's syntax is action-validator's job (its own ctest); this checks what makes the
files work on real runners, which no schema knows:
- buildspecs: CodeBuild's keys only (version 0.2, its phases); slipway comes from the image
  (no download, no placeholder URL); AWS_ACCOUNT_ID, which CodeBuild does not set, is
  derived from CODEBUILD_BUILD_ARN before use; every artifact and report file is written by
  a command of the same file; a file that runs Docker says that it needs privileged mode
  and starts dockerd; the clone depth is explained; the exported SLIPWAY_* variables
  (docs/ci.md) are set by sourcing .slipway/outputs.env in a `finally` block, after a
  command that writes it.
- workflow: no write to /usr/local/bin and no download of slipway; every job that deploys
  has a concurrency group of its own environment, never cancelled midway, and a full-history
  checkout; a pull-request job runs `slipway run --plan` and posts the plan.
"""

import glob
import os
import re
import subprocess
import sys

try:
    import yaml
except ImportError:
    print("skipped: python3's yaml module is missing (scripts/setup.sh installs python3-yaml)")
    sys.exit(77)

BUILDSPEC_KEYS = {"version", "run-as", "env", "proxy", "batch", "phases", "reports",
                  "artifacts", "cache"}
ENV_KEYS = {"shell", "variables", "parameter-store", "exported-variables", "secrets-manager",
            "git-credential-helper"}
PHASES = {"install", "pre_build", "build", "post_build"}
failures = []


def check(condition, message):
    if not condition:
        failures.append(message)
        print(f"FAIL: {message}")


def check_buildspec(path):
    name = os.path.basename(path)
    with open(path) as f:
        text = f.read()
    spec = yaml.safe_load(text)
    check(spec.get("version") == 0.2, f"{name}: version {spec.get('version')!r}, not 0.2")
    check(set(spec) <= BUILDSPEC_KEYS, f"{name}: unknown keys {set(spec) - BUILDSPEC_KEYS}")
    check(set(spec.get("env", {})) <= ENV_KEYS, f"{name}: unknown env keys")
    phases = spec.get("phases", {})
    check(set(phases) <= PHASES, f"{name}: unknown phases {set(phases) - PHASES}")
    commands, finally_commands = [], []
    for phase, body in phases.items():
        check(isinstance(body.get("commands"), list), f"{name}: {phase} has no command list")
        check(set(body) <= {"run-as", "on-failure", "runtime-versions", "commands", "finally"},
              f"{name}: unknown keys in phase {phase}")
        commands += [c for c in body.get("commands", []) if check_command(name, c)]
        finally_commands += [c for c in body.get("finally", []) if check_command(name, c)]
    check_exported(name, spec, commands, finally_commands)
    script = "\n".join(commands + finally_commands)
    check(not re.search(r"\b(curl|wget)\b|https?://", script),
          f"{name}: downloads something (slipway comes with the image)")
    uses_account = re.search(r"\$\{?AWS_ACCOUNT_ID", script)
    derived = re.search(r"AWS_ACCOUNT_ID=.*CODEBUILD_BUILD_ARN", script)
    check(not uses_account or derived, f"{name}: AWS_ACCOUNT_ID is used but never set")
    if derived:
        check(script.index(derived.group(0)) < script.index(uses_account.group(0)),
              f"{name}: AWS_ACCOUNT_ID is used before it is derived")
    outputs = list(spec.get("artifacts", {}).get("files", []))
    for report in spec.get("reports", {}).values():
        outputs += report.get("files", [])
    for output in outputs:
        check(output in script, f"{name}: lists {output}, which no command writes")
    if re.search(r"\bdocker\b|slipway run", script):
        check(re.search(r"privileged mode", text, re.I), f"{name}: builds images but does "
              "not say that they need privileged mode")
        check("dockerd" in script, f"{name}: builds images but starts no Docker daemon")
    check(re.search(r"clone depth", text, re.I), f"{name}: the git clone depth is not explained")
    # Two quick merges start two builds: the second must wait for the first's deploy (the
    # environment's lease), not fail with exit 3.
    for deploying in re.findall(r"slipway (?:run|deploy|promote|rollback)\b[^\n]*", script):
        check("--wait" in deploying, f"{name}: {deploying!r} without --wait fails a second "
              "build that overlaps the first with exit 3")
    check("slipway" in script, f"{name}: runs no slipway")


def check_exported(name, spec, commands, finally_commands):
    """SLIPWAY_* exported variables come from .slipway/outputs.env, sourced (exported) in a
    `finally` block, so that a failed run still exports them; a slipway command that writes
    the file (run, deploy, promote, rollback) runs before."""
    exported = spec.get("env", {}).get("exported-variables", [])
    ours = [v for v in exported if v.startswith("SLIPWAY_")]
    if not ours:
        return
    check(set(ours) <= {"SLIPWAY_AFFECTED", "SLIPWAY_DEPLOYED", "SLIPWAY_DEPLOYMENT_ID"},
          f"{name}: exports {ours}, which slipway does not write")
    sourced = [c for c in finally_commands
               if re.search(r"set -a\b.*\. \S*\.slipway/outputs\.env", c)]
    check(sourced, f"{name}: exports {ours} without sourcing .slipway/outputs.env (set -a) "
          "in a finally block")
    check(any(re.search(r"slipway (run|deploy|promote|rollback)\b", c) for c in commands),
          f"{name}: exports {ours} but runs no command that writes them")


def check_command(name, command):
    """A command is a string (not a mapping YAML made of `a: b`) that bash can parse."""
    check(isinstance(command, str), f"{name}: a command is not a string: {command!r}")
    if not isinstance(command, str):
        return False
    parsed = subprocess.run(["bash", "-n", "-c", command], capture_output=True, text=True)
    check(parsed.returncode == 0, f"{name}: bash cannot parse {command!r}: {parsed.stderr}")
    return True


def check_workflow(path):
    with open(path) as f:
        flow = yaml.safe_load(f)
    triggers = flow.get(True, flow.get("on", {}))    # YAML 1.1 reads `on` as true
    check("pull_request" in triggers, "workflow: no pull_request trigger")
    groups, planned = {}, False
    for job_name, job in flow["jobs"].items():
        script = "\n".join(s.get("run", "") for s in job.get("steps", []))
        for step in job.get("steps", []):
            if "run" in step:
                check_command(f"workflow job {job_name}", step["run"])
        check("/usr/local/bin" not in script and not re.search(r"\b(curl|wget)\b", script),
              f"workflow: job {job_name} installs into /usr/local/bin or downloads")
        if "slipway" in script:
            checkouts = [s for s in job["steps"] if s.get("uses", "").startswith("actions/checkout")]
            check(checkouts and checkouts[0].get("with", {}).get("fetch-depth") == 0,
                  f"workflow: job {job_name} runs slipway on a shallow checkout")
        if "--plan" in script:
            planned = True
            check("pull_request" in str(job.get("if", "")), f"workflow: {job_name} is not PR-only")
            check(re.search(r"slipway run [^\n]*--plan", script), f"workflow: {job_name}")
            # slipway posts the plan itself (one comment edited in place, a check run): no
            # github-script step pasting its text into a new comment on every push.
            check(re.search(r"slipway run [^\n]*--plan[^\n]*--github", script),
                  f"workflow: job {job_name} does not post the plan with --github")
            check(not any("github-script" in s.get("uses", "") for s in job["steps"]),
                  f"workflow: job {job_name} comments with github-script")
            permissions = job.get("permissions", {})
            check(permissions.get("pull-requests") == "write" and permissions.get("checks") == "write",
                  f"workflow: job {job_name} cannot comment or write its check run")
            continue
        deploys = re.search(r"slipway (run|deploy|promote|rollback)\b[^\n]*", script)
        if not deploys:
            continue
        env = re.search(r"--(?:env|to) (\w+)", deploys.group(0)).group(1)
        concurrency = job.get("concurrency") or flow.get("concurrency") or {}
        group = concurrency.get("group", "") if isinstance(concurrency, dict) else concurrency
        check(env in group and "github.ref" not in group,
              f"workflow: job {job_name} deploys {env} outside a concurrency group of {env}")
        check(isinstance(concurrency, dict) and concurrency.get("cancel-in-progress") is False,
              f"workflow: a deploy of {env} could be cancelled midway")
        check(groups.setdefault(group, env) == env, f"workflow: group {group} is shared")
    check(planned, "workflow: no job runs `slipway run --plan`")


def check_demo_text(root):
    """scripts/demo.sh says how many components the example has, and of which kinds: as many
    as manifests/slipway.yml has (the demo's `validate` prints the count next to it)."""
    with open(os.path.join(root, "manifests/slipway.yml")) as f:
        components = yaml.safe_load(f)["components"]
    kinds = [c.get("kind", "image") for c in components.values()]
    with open(os.path.join(root, "scripts/demo.sh")) as f:
        demo = f.read()
    said = re.search(r'step "The manifest: (\w+) components: (\w+) images, (\w+) shared '
                     r'librar(?:y|ies), (\w+) templates?"', demo)
    check(said, "scripts/demo.sh: no 'The manifest: N components: ...' step")
    if not said:
        return
    words = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
             "eight": 8}
    told = [words.get(w, -1) for w in said.groups()]
    check(told == [len(kinds), kinds.count("image"), kinds.count("library"),
                   kinds.count("config")],
          f"scripts/demo.sh says {said.group(0)!r}, the manifest has {len(kinds)} components "
          f"({kinds})")


def check_demo_build(root):
    """The demo builds what it runs and nothing more (issue 26): its one build.sh call names
    the two binaries, so the tests, benchmarks and packages are not built for it."""
    with open(os.path.join(root, "scripts/demo.sh")) as f:
        demo = f.read()
    builds = re.findall(r'scripts/build\.sh"?((?: +[\w-]+)*)', demo)
    check(len(builds) == 1, f"scripts/demo.sh: {len(builds)} build.sh calls, not one")
    if builds:
        check(sorted(builds[0].split()) == ["slipway", "slipway-serve"],
              f"scripts/demo.sh builds {builds[0].split() or 'everything'}, not slipway and "
              "slipway-serve alone")


def main():
    root = sys.argv[1]
    check_demo_text(root)
    check_demo_build(root)
    specs = sorted(glob.glob(os.path.join(root, "manifests/buildspec*.yml")))
    check(specs, "no manifests/buildspec*.yml")
    for path in specs:
        check_buildspec(path)
    check_workflow(os.path.join(root, "manifests/.github/workflows/slipway.yml"))
    if failures:
        sys.exit(1)
    print(f"PASS: {len(specs)} buildspecs and the workflow")


if __name__ == "__main__":
    main()
