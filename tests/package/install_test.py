#!/usr/bin/env python3
"""Installs slipway's .deb on a fresh Debian 12 and runs it there.

  install_test.py DEB VERSION

In a throwaway root over a debootstrapped Debian 12 (debian_root.py), `apt-get install
--no-install-recommends ./slipway_*.deb` must resolve the package's Depends: from the
Debian archive alone (so Depends: is proven complete: the root has nothing else, not even
git). Then, inside the root: `slipway --version` names VERSION and a commit; the installed
bash completion completes a subcommand; `slipway validate` and `slipway affected` work on a
git repository made for the test (with the host's git, into the root) and `affected` names
exactly the components the last commit affects, and `slipway build` builds them (oneTBB, in
the module slipway opens from /usr/lib/slipway); `slipway init` writes a manifest that
validates; `slipway serve` (which hands over to /usr/libexec/slipway/slipway-serve) starts and
answers /healthz over loopback.
"""

import json
import os
import re
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import debian_root  # noqa: E402
from debian_root import expect  # noqa: E402

MANIFEST = """version: 1
image:
  repository: 123456789012.dkr.ecr.us-east-1.amazonaws.com/app
components:
  api:
    paths: [services/api/]
    depends_on: [shared]
    parameter: ApiImageUri
    build: echo api
  worker:
    paths: [services/worker/]
    parameter: WorkerImageUri
    build: echo worker
  shared:
    paths: [libs/shared/]
    kind: library
"""


def git(repo, *args):
    subprocess.run(["git", "-C", repo, "-c", "user.name=t", "-c", "user.email=t@example.com",
                    *args], check=True, stdout=subprocess.DEVNULL)


def make_repository(repo):
    """Two commits: everything, then a change to libs/shared (affects shared and api)."""
    files = {"slipway.yml": MANIFEST, "services/api/main.py": "print('api')\n",
             "services/worker/main.py": "print('worker')\n", "libs/shared/util.py": "x = 1\n"}
    for path, text in files.items():
        os.makedirs(os.path.dirname(os.path.join(repo, path)) or repo, exist_ok=True)
        with open(os.path.join(repo, path), "w") as f:
            f.write(text)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "first")
    git(repo, "tag", "first")
    with open(os.path.join(repo, "libs/shared/util.py"), "a") as f:
        f.write("y = 2\n")
    git(repo, "commit", "-q", "-am", "shared changed")


def check_init(root):
    """`slipway init` writes a manifest that validates, for a repository without one."""
    commands = debian_root.chroot(root, "slipway --help", capture_output=True, text=True).stdout
    if not re.search(r"^  init ", commands, re.M):
        sys.exit("FAIL: the installed slipway has no init command:\n" + commands)
    repo = os.path.join(root, "init")
    os.makedirs(os.path.join(repo, "services/api"))
    with open(os.path.join(repo, "services/api/Dockerfile"), "w") as f:
        f.write("FROM debian:12-slim\n")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "first")
    expect(root, "cd /init && slipway init >/dev/null && slipway validate", r".*",
           "init writes a manifest that validates")


def check_serve(root, version):
    """`slipway serve` hands over to the installed slipway-serve, which answers /healthz."""
    log = os.path.join(root, "tmp/serve.log")
    server = subprocess.Popen(
        ["chroot", root, "/usr/bin/env", "-i", *debian_root.CHROOT_ENV, "/bin/sh", "-c",
         "exec slipway serve --listen 127.0.0.1:0 --repo /work --state-dir /tmp/serve "
         "2>/tmp/serve.log"])
    try:
        url = None
        for _ in range(100):
            found = re.search(r"listening on (http://127\.0\.0\.1:\d+)",
                              open(log).read() if os.path.exists(log) else "")
            if found:
                url = found.group(1)
                break
            if server.poll() is not None:
                break
            time.sleep(0.1)
        if not url:
            sys.exit(f"FAIL: slipway serve did not start: {open(log).read()}")
        # Straight to loopback, whatever http_proxy the machine has.
        direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with direct.open(url + "/healthz", timeout=10) as answer:
            health = json.load(answer)
        print(f"$ slipway serve; GET /healthz\n{health}", flush=True)
        if health != {"status": "ok", "version": version}:
            sys.exit(f"FAIL: /healthz answered {health}")
        exe = os.readlink(f"/proc/{server.pid}/exe")
        if not exe.endswith("/usr/libexec/slipway/slipway-serve"):
            sys.exit(f"FAIL: the service runs as {exe}, not slipway-serve")
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def main():
    deb, version = sys.argv[1], sys.argv[2]
    debian_root.skip_unless_possible()
    with debian_root.FreshRoot() as fresh:
        root = fresh.root
        subprocess.run(["cp", deb, os.path.join(root, "tmp")], check=True)
        name = os.path.basename(deb)
        debian_root.log(f"apt-get install ./{name}")
        debian_root.chroot(root, f"cd /tmp && apt-get install -y -q --no-install-recommends "
                                 f"./{name}", stdout=subprocess.DEVNULL)
        fresh.keep_downloads()
        debian_root.log("installed")
        expect(root, "slipway --version",
               rf"slipway {re.escape(version)} \(([0-9a-f]{{12}}|unknown)\)", "--version")
        expect(root, "test ! -e /usr/bin/git && echo no-git", "no-git",
               "the root has no git (Depends: alone made slipway run)")
        expect(root, "bash -c '. /usr/share/bash-completion/completions/slipway; "
               "COMP_WORDS=(slipway aff); COMP_CWORD=1; _slipway; echo ${COMPREPLY[@]}'",
               "affected", "bash completion")
        make_repository(os.path.join(root, "work"))
        check_init(root)
        expect(root, "cd /work && slipway validate", r".*", "validate")
        expect(root, "slipway affected --repo /work --base first", "shared\napi",
               "affected")
        # A build schedules on oneTBB, in the module slipway opens from /usr/lib/slipway
        # (components/parallel_module.hpp): installed, found, and its libraries in Depends:.
        expect(root, "slipway build --repo /work --base first; echo exit=$?",
               r"(?s).*api +succeeded +#1.*exit=0", "build (the parallel module and oneTBB)")
        check_serve(root, version)
        # libcurl is opened with dlopen on the first AWS request, so dpkg-shlibdeps cannot
        # see it: Depends: names libcurl4 by hand. A request to a closed loopback port must
        # fail as a connection error (exit 4), not as a missing libcurl.
        expect(root, "AWS_ACCESS_KEY_ID=k AWS_SECRET_ACCESS_KEY=s AWS_ENDPOINT_URL=http://127.0.0.1:1 "
               "slipway store init --store 'dynamodb://t?region=us-east-1'; echo exit=$?",
               r"(?!.*libcurl)slipway: error: .*\nexit=4", "libcurl is installed and loads")
        for deb_file in ("usr/share/man/man1/slipway.1.gz",
                         "usr/share/zsh/vendor-completions/_slipway",
                         "usr/share/fish/vendor_completions.d/slipway.fish",
                         "usr/share/doc/slipway/README.md",
                         "usr/share/doc/slipway/manifests/buildspec.yml"):
            if not os.path.exists(os.path.join(root, deb_file)):
                sys.exit(f"FAIL: /{deb_file} was not installed")
    print("PASS: the package installs on a fresh Debian 12 and runs there")


if __name__ == "__main__":
    main()
