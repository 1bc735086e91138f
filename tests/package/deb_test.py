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
    "./usr/share/doc/slipway/copyright",
    "./usr/share/doc/slipway/LICENSE",
    "./usr/share/doc/slipway/linked/libgit2.copyright",
]
# The libraries in the programs (static archives of cmake/dependencies.cmake, header-only
# packages): each needs a stanza of the copyright file naming the exact Debian version.
LINKED = {"libgit2": "libgit2-dev", "mbedtls": "libmbedtls-dev", "http-parser": "libhttp-parser-dev",
          "libssh2": "libssh2-1-dev", "libgpg-error": "libgpg-error-dev", "pcre2": "libpcre2-dev",
          "zlib": "zlib1g-dev", "sqlite3": "libsqlite3-dev", "libyaml": "libyaml-dev",
          "pugixml": "libpugixml-dev", "openssl": "libssl-dev", "rapidjson": "rapidjson-dev",
          "cli11": "libcli11-dev", "spdlog": "libspdlog-dev", "fmt": "libfmt-dev",
          "cpp-httplib": "libcpp-httplib-dev",
          # slipway links GCC's runtime statically (cmake/dependencies.cmake); GCC 12 on Debian 12.
          "libstdc++": "libstdc++-12-dev", "libgcc": "libgcc-12-dev"}
LICENSES = {"libstdc++": "GPL-3+ with GCC-exception-3.1", "libgcc": "GPL-3+ with GCC-exception-3.1",
            "libgit2": "GPL-2 with linking exception", "sqlite3": "public-domain",
            "openssl": "Apache-2.0", "libyaml": "Expat", "pugixml": "Expat", "mbedtls": "Apache-2.0"}
# Libraries the programs and the module link that must show up in Depends: (by package name
# prefix): libstdc++6 for slipway-serve and the module (slipway links libstdc++ statically),
# oneTBB for the module.
EXPECTED_DEPENDS = ["libc6", "libstdc++6", "libtbb", "libcurl4", "libgssapi-krb5-2", "ca-certificates",
                    "libcpp-httplib"]
# Linked from their static archives (cmake/dependencies.cmake): never in Depends:.
STATIC_DEPENDS = ["libgit2-", "libsqlite3-", "libyaml-0", "libpugixml", "libssl3", "libyaml-cpp"]


def fail(message):
    sys.exit(f"FAIL: {message}")


def paragraphs(text):
    """A DEP-5 file's paragraphs as {field: value} (continuation lines joined)."""
    out = []
    for block in re.split(r"\n\s*\n", text.strip()):
        fields, key = {}, None
        for line in block.splitlines():
            if line.startswith((" ", "\t")) and key:
                fields[key] += "\n" + line.strip()
            else:
                key, _, value = line.partition(":")
                if key in fields:
                    fail(f"copyright: field {key} twice in one paragraph: {block[:60]!r}")
                fields[key] = value.strip()
        out.append(fields)
    return out


def check_copyright(doc):
    """/usr/share/doc/slipway/copyright: Debian's machine-readable format, slipway under
    Apache-2.0 (the LICENSE beside it), a stanza per linked library with its licence and the
    Debian version built with (as dpkg says), every licence named has its text, and each
    library's own Debian copyright file in linked/."""
    with open(os.path.join(doc, "copyright")) as f:
        text = f.read()
    if "@" in re.sub(r"<[^>]*@[^>]*>", "", text):
        fail("copyright: a placeholder was not filled in")
    paras = paragraphs(text)
    header = paras[0]
    if header.get("Format") != "https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/":
        fail(f"copyright: Format {header.get('Format')!r}")
    files = {p["Files"]: p for p in paras[1:] if "Files" in p}
    texts = {p["License"].split("\n")[0] for p in paras[1:] if "Files" not in p}
    if files.get("*", {}).get("License") != "Apache-2.0":
        fail("copyright: slipway itself is not Apache-2.0")
    with open(os.path.join(doc, "LICENSE")) as f:
        if "Apache License" not in f.read(200):
            fail("LICENSE is not the Apache License")
    for name, deb in LINKED.items():
        stanza = files.get(f"linked/{name}/*")
        if not stanza:
            fail(f"copyright: no stanza for {name}")
        for key in ("Copyright", "License", "Comment"):
            if not stanza.get(key):
                fail(f"copyright: {name} has no {key}")
        version = subprocess.run(["dpkg-query", "-W", "-f=${Version}", deb], capture_output=True,
                                 text=True).stdout
        if version and f"{version} (Debian package {deb}" not in stanza["Comment"]:
            fail(f"copyright: {name} does not name {deb} {version}: {stanza['Comment']!r}")
        if name in LICENSES and stanza["License"] != LICENSES[name]:
            fail(f"copyright: {name} under {stanza['License']!r}, not {LICENSES[name]!r}")
        if stanza["License"] not in texts:
            fail(f"copyright: no licence text for {stanza['License']!r}")
        if version and not os.path.exists(os.path.join(doc, "linked", f"{name}.copyright")):
            fail(f"linked/{name}.copyright is missing")
    print(f"copyright: {len(files)} stanzas, {len(texts)} licence texts")


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
    # The version names the Debian point release whose libraries are linked in (issue 26).
    if os.path.exists("/etc/debian_version"):
        with open("/etc/debian_version") as f:
            release = f.read().split()[0]
        if not re.search(rf"\+deb{re.escape(release)}(-\d+)?$", version):
            fail(f"version {version} does not name the Debian release {release} (+deb{release})")
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
        check_copyright(os.path.join(tmp, "usr/share/doc/slipway"))
    size = os.path.getsize(deb)
    print(f"PASS: {os.path.basename(deb)} ({size / 1e6:.1f} MB), {len(files)} files")


if __name__ == "__main__":
    main()
