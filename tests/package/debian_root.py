"""A fresh Debian 12 root for the package tests, made once per machine and reused.

The first use runs `debootstrap --variant=minbase bookworm` into a cache folder outside the
clone (SLIPWAY_TEST_CACHE, default /var/cache/slipway-tests), keyed by the suite and
RECIPE, with the sources of a Debian 12 install (bookworm, -updates, -security) and their
package lists; that takes minutes. Every test then gets its own throwaway root on top of
it: an overlay mount (the cached root stays untouched), else a copy. The .debs apt
downloads are kept in the cache's archives/ folder and handed to the next root, so that
after the first run apt finds every dependency locally and a test costs seconds; the lists
are refreshed when a day old. Cache creation and the archives are guarded by a lock file,
so that tests running at once share one root. Mounts are always undone (also on SIGTERM),
and mounts left by a killed run are undone by the next one.

Needs root (chroot, mount): callers skip with exit code 77 otherwise.
"""

import contextlib
import fcntl
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

SUITE = "bookworm"
MIRROR = "http://deb.debian.org/debian"
RECIPE = 1   # bump when the steps below change, so that old roots are not reused
RUN_PREFIX = "slipway-pkgtest-"
SOURCES = f"""Types: deb
URIs: {MIRROR}
Suites: {SUITE} {SUITE}-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: {SUITE}-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
"""
CHROOT_ENV = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
              "HOME=/root", "LANG=C.UTF-8", "DEBIAN_FRONTEND=noninteractive"]


def skip_unless_possible():
    """Exits 77 (ctest's skip) with a reason when this machine cannot run the test; under
    CI=true (root, and scripts/setup.sh installed debootstrap) that is a failure, exit 1."""
    why = None
    if os.geteuid() != 0:
        why = "the package tests need root (debootstrap, chroot, mount)"
    elif not shutil.which("debootstrap"):
        why = "debootstrap is not installed (scripts/setup.sh installs it)"
    if why is None:
        return
    if os.environ.get("CI") == "true":
        print(f"FAILED: under CI=true this cannot skip: {why}")
        sys.exit(1)
    print(f"skipped: {why}")
    sys.exit(77)


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def run(args, **kwargs):
    return subprocess.run(args, check=True, **kwargs)


@contextlib.contextmanager
def locked(path):
    with open(path, "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def cache_dir():
    base = os.environ.get("SLIPWAY_TEST_CACHE", "/var/cache/slipway-tests")
    path = os.path.join(base, f"debian-{SUITE}-minbase-r{RECIPE}")
    os.makedirs(os.path.join(path, "archives"), exist_ok=True)
    return path


def chroot(root, command, check=True, **kwargs):
    """Runs `sh -c command` inside root with a clean environment; returns CompletedProcess."""
    return subprocess.run(["chroot", root, "/usr/bin/env", "-i", *CHROOT_ENV, "/bin/sh", "-c",
                           command], check=check, **kwargs)


def expect(root, command, pattern, label):
    """Runs command in root; exits with a FAIL line unless it succeeds printing pattern."""
    out = chroot(root, f"{{ {command}\n}} 2>&1", check=False, capture_output=True, text=True)
    text = out.stdout.strip()
    print(f"$ {command}\n{text}", flush=True)
    if out.returncode != 0 or not re.fullmatch(pattern, text, re.S):
        sys.exit(f"FAIL: {label}: exit {out.returncode}, expected output matching {pattern!r}")


def create_root(cache):
    """debootstrap into cache/root (through root.tmp, so a broken run leaves no root)."""
    tmp = os.path.join(cache, "root.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    log(f"creating the Debian {SUITE} root in {cache} (once per machine; takes minutes)")
    started = time.monotonic()
    with open(os.path.join(cache, "debootstrap.log"), "w") as out:
        run(["debootstrap", "--variant=minbase", SUITE, tmp, MIRROR], stdout=out, stderr=out)
    with open(os.path.join(tmp, "etc/apt/sources.list.d/debian.sources"), "w") as f:
        f.write(SOURCES)
    os.remove(os.path.join(tmp, "etc/apt/sources.list"))
    # No terminal for dpkg's log in a chroot without /dev/pts: apt should not try to open one.
    with open(os.path.join(tmp, "etc/apt/apt.conf.d/90slipway-tests"), "w") as f:
        f.write('Dpkg::Use-Pty "0";\n')
    # As Docker's Debian images do: dpkg does not fsync every file (a throwaway root), and no
    # service is started by a package's install script.
    with open(os.path.join(tmp, "etc/dpkg/dpkg.cfg.d/90slipway-tests"), "w") as f:
        f.write("force-unsafe-io\n")
    with open(os.path.join(tmp, "usr/sbin/policy-rc.d"), "w") as f:
        f.write("#!/bin/sh\nexit 101\n")
    os.chmod(os.path.join(tmp, "usr/sbin/policy-rc.d"), 0o755)
    chroot(tmp, "apt-get clean")      # debootstrap's .debs; before the update, which
    refresh_lists(tmp)                # writes apt's caches (clean would delete them)
    os.rename(tmp, os.path.join(cache, "root"))
    log(f"root ready in {time.monotonic() - started:.0f} s")


def refresh_lists(root):
    shutil.copyfile("/etc/resolv.conf", os.path.join(root, "etc/resolv.conf"))
    chroot(root, "apt-get update -qq", stdout=subprocess.DEVNULL)
    with open(os.path.join(root, "var/lib/apt/slipway-lists-stamp"), "w") as f:
        f.write(str(time.time()))


def base_root():
    """The cached root: created if missing, its package lists refreshed when a day old."""
    cache = cache_dir()
    root = os.path.join(cache, "root")
    with locked(os.path.join(cache, "lock")):
        if not os.path.isdir(root):
            create_root(cache)
        stamp = os.path.join(root, "var/lib/apt/slipway-lists-stamp")
        if time.time() - os.path.getmtime(stamp) > 86400:
            log("refreshing the root's package lists (a day old)")
            refresh_lists(root)
    return cache, root


def undo_stale_mounts():
    """Unmounts what a killed earlier run left (its process is gone)."""
    with open("/proc/self/mountinfo") as f:
        points = [line.split()[4] for line in f]
    for point in sorted(points, key=len, reverse=True):
        name = next((part for part in point.split("/") if part.startswith(RUN_PREFIX)), None)
        if name is None:
            continue
        pid = name[len(RUN_PREFIX):].split("-")[0]
        if pid.isdigit() and not os.path.exists(f"/proc/{pid}"):
            subprocess.run(["umount", "-l", point], check=False)


class FreshRoot:
    """A throwaway root over the cached one: `with FreshRoot() as fresh:`, path fresh.root."""

    def __init__(self):
        self.mounts = []
        self.work = None

    def __enter__(self):
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
        undo_stale_mounts()
        self.cache, base = base_root()
        runs = os.path.join(self.cache, "runs")
        os.makedirs(runs, exist_ok=True)
        for old in os.listdir(runs):       # folders of killed runs
            pid = old[len(RUN_PREFIX):].split("-")[0]
            if old.startswith(RUN_PREFIX) and not os.path.exists(f"/proc/{pid}"):
                shutil.rmtree(os.path.join(runs, old), ignore_errors=True)
        self.work = tempfile.mkdtemp(prefix=f"{RUN_PREFIX}{os.getpid()}-", dir=runs)
        root = os.path.join(self.work, "root")
        for name in ("upper", "overlay-work", "root"):
            os.makedirs(os.path.join(self.work, name))
        # The cached .debs are hard links in the new root's apt archive (same file system).
        self.stage_archives(os.path.join(self.work, "upper/var/cache/apt/archives"))
        options = f"lowerdir={base},upperdir={self.work}/upper,workdir={self.work}/overlay-work"
        if subprocess.run(["mount", "-t", "overlay", "overlay", "-o", options, root],
                          stderr=subprocess.DEVNULL).returncode == 0:
            self.mounts.append(root)
        else:
            log("overlay mount refused: copying the root instead")
            os.rmdir(root)
            run(["cp", "-a", "--reflink=auto", base, root])
            self.stage_archives(os.path.join(root, "var/cache/apt/archives"))
        # slipway and apt read /proc (the CPU count, the memory); it is mounted, and undone.
        run(["mount", "-t", "proc", "proc", os.path.join(root, "proc")])
        self.mounts.append(os.path.join(root, "proc"))
        shutil.copyfile("/etc/resolv.conf", os.path.join(root, "etc/resolv.conf"))
        self.root = root
        return self

    def stage_archives(self, folder):
        os.makedirs(folder, exist_ok=True)
        with locked(os.path.join(self.cache, "lock")):
            archives = os.path.join(self.cache, "archives")
            for deb in os.listdir(archives):
                os.link(os.path.join(archives, deb), os.path.join(folder, deb))

    def keep_downloads(self):
        """Adds the .debs apt downloaded in this root to the cache, for the next run."""
        folder = os.path.join(self.root, "var/cache/apt/archives")
        with locked(os.path.join(self.cache, "lock")):
            archives = os.path.join(self.cache, "archives")
            for deb in os.listdir(folder):
                target = os.path.join(archives, deb)
                if deb.endswith(".deb") and not os.path.exists(target):
                    shutil.copyfile(os.path.join(folder, deb), target)

    def __exit__(self, *exc):
        for point in reversed(self.mounts):
            subprocess.run(["umount", point], check=False)
            if subprocess.run(["mountpoint", "-q", point]).returncode == 0:
                subprocess.run(["umount", "-l", point], check=False)
        if self.work:
            shutil.rmtree(self.work, ignore_errors=True)
        return False
