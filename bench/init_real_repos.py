#!/usr/bin/env python3
"""`slipway init` -> `validate --strict` -> `run --plan` on real public monorepos that nobody
here wrote, each at a pinned commit (not in CI: it needs the repositories).

  bench/init_real_repos.py [--mirror DIR] [--keep]

Each repository is cloned from DIR/<owner>+<name>/repo when that mirror exists (the tools'
stored snapshots), else from GitHub, into a scratch folder, checked out at its pinned commit
on a branch `main` (so init proposes one environment, prod). Then, with a moto server on
127.0.0.1 as AWS (tests/support/moto_launcher.py):
  1. `slipway init` (timed; its components, warnings and to-dos counted);
  2. `slipway validate --strict` (exit status and warnings);
  3. the manifest's to-dos done as a user would (the placeholder ECR repository kept,
     `artifact_bucket` set, parameters without a default given a value, a minimal template
     with the image parameters where the repository has none), committed, then
     `slipway validate --strict` again and `slipway run --env prod --plan --all` against
     moto (exit status and the first error line): `--plan` builds and deploys nothing, it
     checks the parameters against the template, packages, and previews the change set.
Prints one Markdown table row per repository (bench/README.md keeps the figures).
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import SLIPWAY, moto_workdir  # noqa: E402

# (owner/name, pinned commit, what it is)
REPOS = [
    ("aws-samples/aws-serverless-shopping-cart", "66a863f1b7a2a7f319adddce6a55e090ce9f6734",
     "AWS SAM app (Python functions with requirements.txt, a layer)"),
    ("dijer119/fullstack-turborepo-starter", "e4f1baf9632c4e1cafc800a0f0a5376f8ca973b2",
     "Turborepo monorepo, Dockerfiles running turbo prune from the root"),
    ("JasperHG90/uv-monorepo", "64bafb8988a95714ddc276e208c524818e3e7c3d",
     "uv Python workspace with a Dockerfile"),
    ("observeinc/aws-sam-apps", "8efc44de50d4140290cccbffe9508ccbd0705090",
     "one SAM template per folder (apps/*/template.yaml), Go code"),
]


def sh(argv, cwd, env=None, check=False):
    p = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True)
    if check and p.returncode != 0:
        raise SystemExit(f"{' '.join(argv)}: {p.returncode}: {p.stderr}")
    return p


def clone(repo, commit, mirror, work):
    dest = os.path.join(work, repo.replace("/", "+"))
    local = os.path.join(mirror, repo.replace("/", "+"), "repo") if mirror else ""
    source = local if local and os.path.isdir(local) else f"https://github.com/{repo}.git"
    sh(["git", "clone", "-q", "--no-checkout", source, dest], work, check=True)
    sh(["git", "checkout", "-q", "-B", "main", commit], dest, check=True)
    for branch in sh(["git", "branch", "--format=%(refname:short)"], dest).stdout.split():
        if branch != "main":
            sh(["git", "branch", "-q", "-D", branch], dest)
    sh(["git", "remote", "remove", "origin"], dest)
    sh(["git", "remote", "add", "origin", f"https://github.com/{repo}.git"], dest)
    sh(["git", "config", "user.email", "bench@example.com"], dest)
    sh(["git", "config", "user.name", "bench"], dest)
    return dest


def do_the_to_dos(repo_dir, found):
    """What a user does after init: a bucket, parameter values (the placeholder ECR
    repository is kept: --plan pushes nothing)."""
    path = os.path.join(repo_dir, "slipway.yml")
    with open(path) as f:
        text = f.read()
    text = text.replace("    # artifact_bucket: my-bucket  (the template packages local code)\n",
                        "    artifact_bucket: bench-artifacts\n")
    def values(m):
        names = re.findall(r"(\w+): \.\.\.", m.group(1))
        return "    parameters: {" + ", ".join(f"{n}: bench" for n in names) + "}\n"
    text = re.sub(r"    # parameters: \{(.*)\}  \(TODO: no default\)\n", values, text)
    if found["template"] is None:
        # No template: the smallest one taking every image component's parameter.
        params = [c["parameter"] for c in found["components"] if c["kind"] == "image"]
        with open(os.path.join(repo_dir, "template.yaml"), "w") as f:
            f.write("AWSTemplateFormatVersion: '2010-09-09'\nParameters:\n")
            f.write("".join(f"  {p}: {{Type: String}}\n" for p in params))
            f.write("Resources:\n  Handle: {Type: AWS::CloudFormation::WaitConditionHandle}\n")
        text = re.sub(r"    # template: template.yaml  \(TODO: .*\)\n", "    template: template.yaml\n",
                      text)
    with open(path, "w") as f:
        f.write(text)


def first_error(p):
    lines = [l for l in (p.stderr or "").splitlines() if "error" in l or "warning" in l]
    return lines[0][:160] if lines else ""


def bench_one(repo, commit, what, mirror, work, aws_env):
    d = clone(repo, commit, mirror, work)
    files = int(sh(["git", "ls-files"], d).stdout.count("\n"))
    start = time.perf_counter()
    init = sh([SLIPWAY, "init", "--json"], d)
    took = time.perf_counter() - start
    row = {"repo": repo, "what": what, "files": files, "init_s": round(took, 3),
           "init_exit": init.returncode}
    if init.returncode != 0:
        row["error"] = init.stderr.strip()
        return row
    found = json.loads(init.stdout)
    kinds = {}
    for c in found["components"]:
        kinds[c["kind"]] = kinds.get(c["kind"], 0) + 1
    row.update(components=kinds, warnings=len(found["warnings"]), to_do=len(found["to_do"]),
               template=found["template"], other_templates=len(found["other_templates"]),
               root_context=sum(1 for c in found["components"] if " -f " in c["build"] and
                                c["build"].endswith('. && docker push "$SLIPWAY_IMAGE_URI"')),
               environments=[e["name"] for e in found["environments"]])
    strict = sh([SLIPWAY, "validate", "--strict"], d)
    row["validate_fresh"] = (strict.returncode, strict.stderr.count("slipway: warning:"))
    do_the_to_dos(d, found)
    sh(["git", "add", "slipway.yml"] + (["template.yaml"] if found["template"] is None else []), d)
    sh(["git", "commit", "-q", "-m", "adopt slipway"], d)
    again = sh([SLIPWAY, "validate", "--strict"], d)
    row["validate_after_to_dos"] = (again.returncode, first_error(again))
    if found["environments"]:
        env = dict(os.environ, **aws_env)
        sh(["aws", "s3", "mb", "s3://bench-artifacts"], d, env=env)
        plan = sh([SLIPWAY, "run", "--env", "prod", "--plan", "--all", "--yes"], d, env=env)
        row["run_plan"] = (plan.returncode, first_error(plan))
    return row


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mirror", default="/work/.mirror")
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    with moto_workdir("slipway-init-bench-") as (work, aws_env, _log):
        rows = [bench_one(r, c, w, args.mirror, work, aws_env) for r, c, w in REPOS]
        if args.keep:
            kept = work + "-kept"
            shutil.copytree(work, kept, symlinks=True)
            print(f"kept in {kept}", file=sys.stderr)
    print(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
