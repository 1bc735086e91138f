#!/usr/bin/env python3
"""Replays the final stage of slipway's Dockerfile in a fresh Debian 12 root.

  dockerfile_test.py DOCKERFILE DEB VERSION

No Docker engine runs where the tests run, and hadolint is neither a Debian nor an npm
package, so the image is checked by doing what `docker build` would do for the stage that
becomes the image: its base must be Debian 12 slim (which the debootstrapped root stands
for); `COPY --from=<stage>` of the .deb copies DEB (the build stage makes it with
scripts/package.sh, as the package tests do); every RUN runs with /bin/sh -c in the root,
with the ENV and WORKDIR in force; any other instruction fails the test, since it could not
be replayed. Then the ENTRYPOINT, run with --version, must name VERSION, and the tools the
image promises (git, docker, docker-credential-ecr-login) must run. A repository owned by
another user (as a CI checkout is) must still be readable by slipway.
"""

import json
import os
import re
import shlex
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import debian_root  # noqa: E402
from debian_root import expect  # noqa: E402

BASES = ("debian:12-slim", "debian:bookworm-slim")


def instructions(text):
    """(keyword, arguments) of each instruction, continuation lines joined, comments out."""
    joined, out = "", []
    for line in text.splitlines():
        if not joined and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if line.rstrip().endswith("\\"):
            joined += line.rstrip()[:-1] + " "
            continue
        joined += line
        keyword, _, rest = joined.strip().partition(" ")
        out.append((keyword.upper(), rest.strip()))
        joined = ""
    return out


def final_stage(steps):
    starts = [i for i, (keyword, _) in enumerate(steps) if keyword == "FROM"]
    return steps[starts[-1]:]


def replay(root, stage, deb):
    """Runs the stage's steps in root; returns its ENTRYPOINT as a list."""
    env, workdir, entrypoint = {}, "/", None
    for keyword, args in stage:
        if keyword == "FROM":
            base = args.split()[0]
            if base not in BASES:
                sys.exit(f"FAIL: the image's base is {base}, not one of {BASES}")
        elif keyword == "COPY" and args.startswith("--from="):
            _, source, target = args.split()
            if not source.endswith(".deb"):
                sys.exit(f"FAIL: cannot replay COPY of {source}: only the .deb is known here")
            debian_root.log(f"COPY {source} -> {target} (as {os.path.basename(deb)})")
            subprocess.run(["cp", deb, os.path.join(root, target.lstrip("/"))], check=True)
        elif keyword == "RUN":
            debian_root.log(f"RUN {args}")
            exports = "".join(f"export {k}={shlex.quote(v)}; " for k, v in env.items())
            debian_root.chroot(root, f"{exports}cd {shlex.quote(workdir)} && {args}",
                               stdout=subprocess.DEVNULL)
        elif keyword == "ENV":
            key, _, value = args.partition("=")
            env[key.strip()] = value.strip().strip('"')
        elif keyword == "WORKDIR":
            workdir = args
            os.makedirs(os.path.join(root, workdir.lstrip("/")), exist_ok=True)
        elif keyword == "ENTRYPOINT":
            entrypoint = json.loads(args)
        elif keyword not in ("CMD", "LABEL", "ARG"):
            sys.exit(f"FAIL: cannot replay {keyword} {args}")
    if not entrypoint:
        sys.exit("FAIL: the image has no ENTRYPOINT")
    return entrypoint


def check_foreign_checkout(root, entrypoint):
    """A checkout owned by another user (a bind mount at /src, as the README's `docker run`
    makes) is a repository to slipway and git, through the image's safe.directory."""
    repo = os.path.join(root, "src")
    os.makedirs(repo, exist_ok=True)
    with open(os.path.join(repo, "slipway.yml"), "w") as f:
        f.write("version: 1\ncomponents:\n  app:\n    paths: [app/]\n    kind: library\n")
    git = ["git", "-C", repo, "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run(git + ["init", "-q", "-b", "main"], check=True)
    subprocess.run(git + ["add", "."], check=True)
    subprocess.run(git + ["commit", "-q", "-m", "first"], check=True)
    subprocess.run(["chown", "-R", "1001:1001", repo], check=True)
    expect(root, f"cd /src && {shlex.join(entrypoint)} graph", r"app \(library\)",
           "slipway reads a checkout at /src owned by another user")
    expect(root, "cd /src && git log --format=%s", "first", "git reads it too")


def main():
    dockerfile, deb, version = sys.argv[1:4]
    debian_root.skip_unless_possible()
    with open(dockerfile) as f:
        stage = final_stage(instructions(f.read()))
    with debian_root.FreshRoot() as fresh:
        try:
            entrypoint = replay(fresh.root, stage, deb)
        finally:
            fresh.keep_downloads()
        command = shlex.join(entrypoint)
        expect(fresh.root, f"{command} --version",
               rf"slipway {re.escape(version)} \(([0-9a-f]{{12}}|unknown)\)", "entrypoint")
        expect(fresh.root, "git --version", r"git version .*", "git")
        expect(fresh.root, "docker --version", r"Docker version .*", "docker CLI")
        expect(fresh.root, "command -v docker-credential-ecr-login",
               r"/usr/bin/docker-credential-ecr-login", "ECR credential helper")
        check_foreign_checkout(fresh.root, entrypoint)
    print("PASS: the Dockerfile's image stage replays on Debian 12 and runs slipway")


if __name__ == "__main__":
    main()
