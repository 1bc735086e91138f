#!/usr/bin/env python3
"""Builds slipway's .deb from a build tree with CPack and checks what is in it.

  deb_test.py BUILD_DIR VERSION

Runs `cpack -G DEB` with the tree's CPackConfig.cmake into BUILD_DIR/package/ (the package
the install and Dockerfile tests then use), and checks the package: its name
slipway_VERSION_amd64.deb; Depends: computed by dpkg-shlibdeps (libc6, libstdc++6, oneTBB ...)
plus libcurl4 (opened with dlopen) and ca-certificates, and none of the libraries linked from
their static archives (libgit2, SQLite, libyaml, pugixml, libcrypto); exactly the files a user gets (the
binary in /usr/bin, the service program slipway-serve in /usr/libexec/slipway, the parallel
module with oneTBB's code in /usr/lib/slipway (components/parallel_module.hpp), the man page,
the three completions, the docs and examples, nothing of tests/ or bench/); and a binary
programs without symbols or debug information.
"""

import os
import re
import subprocess
import sys
import tempfile

PROGRAMS = ["./usr/bin/slipway", "./usr/libexec/slipway/slipway-serve",
            "./usr/lib/slipway/libslipway-parallel.so"]
EXPECTED_FILES = PROGRAMS + [
    "./usr/share/man/man1/slipway.1.gz",
    "./usr/share/bash-completion/completions/slipway",
    "./usr/share/zsh/vendor-completions/_slipway",
    "./usr/share/fish/vendor_completions.d/slipway.fish",
    "./usr/share/doc/slipway/README.md",
    "./usr/share/doc/slipway/docs/manifest.md",
    "./usr/share/doc/slipway/manifests/buildspec.yml",
    "./usr/share/doc/slipway/manifests/.github/workflows/slipway.yml",
    "./usr/share/doc/slipway/manifests/iam/codebuild-policy.json",
]
# Libraries the programs and the module link that must show up in Depends: (by package name
# prefix): libstdc++6 for slipway-serve and the module (slipway links libstdc++ statically),
# oneTBB for the module.
EXPECTED_DEPENDS = ["libc6", "libstdc++6", "libtbb", "libcurl4", "libgssapi-krb5-2", "ca-certificates",
                    "libcpp-httplib"]
# Linked from their static archives (cmake/dependencies.cmake): never in Depends:.
STATIC_DEPENDS = ["libgit2-", "libsqlite3-", "libyaml-0", "libpugixml", "libssl3", "libyaml-cpp"]


def fail(message):
    sys.exit(f"FAIL: {message}")


def main():
    build, version = sys.argv[1], sys.argv[2]
    out_dir = os.path.join(build, "package")
    deb = os.path.join(out_dir, f"slipway_{version}_amd64.deb")
    if os.path.exists(deb):
        os.remove(deb)
    subprocess.run(["cpack", "-G", "DEB", "--config", os.path.join(build, "CPackConfig.cmake"),
                    "-B", out_dir], check=True, stdout=subprocess.DEVNULL)
    if not os.path.exists(deb):
        fail(f"cpack did not write {deb}")
    fields = subprocess.run(["dpkg-deb", "--field", deb], check=True, capture_output=True,
                            text=True).stdout
    print(fields)
    control = dict(re.findall(r"^(\S+): (.*)$", fields, re.M))
    if control.get("Package") != "slipway" or control.get("Version") != version:
        fail(f"control names {control.get('Package')} {control.get('Version')}")
    if control.get("Architecture") != "amd64":
        fail(f"architecture {control.get('Architecture')}")
    depends = [d.strip().split()[0] for d in control.get("Depends", "").split(",")]
    for name in EXPECTED_DEPENDS:
        if not any(d.startswith(name) for d in depends):
            fail(f"Depends: has no {name}*: {control.get('Depends')}")
    for name in STATIC_DEPENDS:
        if any(d.startswith(name) for d in depends):
            fail(f"Depends: names {name}*, linked statically: {control.get('Depends')}")
    listing = subprocess.run(["dpkg-deb", "--contents", deb], check=True, capture_output=True,
                             text=True).stdout
    files = [line.split()[-1] for line in listing.splitlines() if not line.startswith("d")]
    for path in EXPECTED_FILES:
        if path not in files:
            fail(f"{path} is not in the package")
    binaries = [f for f in files if re.search(r"/(s?bin|lib|libexec)/", f)]
    if sorted(binaries) != sorted(PROGRAMS):
        fail(f"programs or libraries other than slipway's three: {binaries}")
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["dpkg-deb", "--extract", deb, tmp], check=True)
        for program in PROGRAMS:
            sections = subprocess.run(["readelf", "-S", "-W", os.path.join(tmp, program)],
                                      check=True, capture_output=True, text=True).stdout
            leftovers = re.findall(r"\.(debug_\w+|symtab)\b", sections)
            if leftovers:
                fail(f"{program} is not stripped: {sorted(set(leftovers))}")
    size = os.path.getsize(deb)
    print(f"PASS: {os.path.basename(deb)} ({size / 1e6:.1f} MB), {len(files)} files")


if __name__ == "__main__":
    main()
