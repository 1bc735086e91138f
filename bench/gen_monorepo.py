#!/usr/bin/env python3
"""Generates a synthetic monorepo for slipway's benchmarks with `git fast-import`.

Layout: N components, a fifth of them libraries (libs/libNNNN/) the others depend on
(services/svcNNNN/), M files spread over them, a slipway.yml describing it all. History:
`main` holds everything; `feature` branches off and, over K commits, touches D distinct
paths (edits, plus a few additions, deletions and renames) while `main` moves on by one
commit, so BASE...HEAD needs a real merge base.

With --npm it also writes package.json files (npm workspaces, one package per component,
dependencies mirroring depends_on) so Turborepo can run on the same tree.
"""
import argparse
import json
import os
import random
import subprocess
import sys


def component_names(n):
    return [("lib%04d" if i % 5 == 0 else "svc%04d") % i for i in range(n)]


def component_dir(name):
    return ("libs/" if name.startswith("lib") else "services/") + name


def dependencies(names, rng):
    deps = {}
    libs_so_far = []
    for name in names:
        chosen = sorted(set(rng.sample(libs_so_far, min(len(libs_so_far), rng.randint(0, 2))))) if libs_so_far else []
        deps[name] = chosen
        if name.startswith("lib"):
            libs_so_far.append(name)
    return deps


def manifest(names, deps, npm):
    out = ["version: 1", "project: synthetic",
           "image: {repository: 123456789012.dkr.ecr.us-east-1.amazonaws.com/synthetic}"]
    if npm:
        # Turborepo's rules: root files affect every package, nothing is ignored.
        out.append("global_inputs: [/package.json, /package-lock.json, /turbo.json, /slipway.yml]")
    else:
        out += ["global_inputs: [slipway.yml]", 'ignore: ["**/*.md"]']
    out.append("components:")
    for i, name in enumerate(names):
        out.append(f"  {name}:")
        out.append(f"    paths: [{component_dir(name)}/]")
        if deps[name]:
            out.append(f"    depends_on: [{', '.join(deps[name])}]")
        if name.startswith("lib"):
            out.append("    kind: library")
        else:
            out.append(f"    parameter: P{name}")
            out.append('    build: "true"')
    return "\n".join(out) + "\n"


def package_lock(names, deps):
    """npm's lockfile (v3) for a workspaces-only tree: every package links to its folder."""
    packages = {"": {"name": "synthetic", "workspaces": ["libs/*", "services/*"]}}
    for name in names:
        entry = {"name": name, "version": "1.0.0"}
        if deps[name]:
            entry["dependencies"] = {d: "1.0.0" for d in deps[name]}
        packages[component_dir(name)] = entry
        packages[f"node_modules/{name}"] = {"resolved": component_dir(name), "link": True}
    return json.dumps({"name": "synthetic", "lockfileVersion": 3, "requires": True,
                       "packages": packages}, indent=2) + "\n"


def package_json(name, deps):
    return json.dumps({"name": name, "version": "1.0.0", "private": True,
                       "dependencies": {d: "1.0.0" for d in deps}}, indent=2) + "\n"


class FastImport:
    def __init__(self, repo):
        self.proc = subprocess.Popen(["git", "-C", repo, "fast-import", "--quiet"], stdin=subprocess.PIPE)
        self.mark = 0
        self.time = 1700000000

    def write(self, text):
        self.proc.stdin.write(text if isinstance(text, bytes) else text.encode())

    def commit(self, ref, message, changes, parent=None):
        """changes: list of ("M", path, content) or ("D", path, None)."""
        self.mark += 1
        self.time += 60
        msg = message.encode()
        self.write(f"commit {ref}\nmark :{self.mark}\ncommitter bench <bench@slipway.invalid> {self.time} +0000\n")
        self.write(f"data {len(msg)}\n".encode() + msg + b"\n")
        if parent:
            self.write(f"from {parent}\n")
        for op, path, content in changes:
            if op == "D":
                self.write(f"D {path}\n")
            else:
                data = content.encode()
                self.write(f"M 100644 inline {path}\ndata {len(data)}\n".encode() + data + b"\n")
        return f":{self.mark}"

    def close(self):
        self.proc.stdin.close()
        if self.proc.wait() != 0:
            sys.exit("git fast-import failed")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dir")
    ap.add_argument("--components", type=int, default=2000)
    ap.add_argument("--files", type=int, default=100000)
    ap.add_argument("--commits", type=int, default=20)
    ap.add_argument("--changed", type=int, default=10000)
    ap.add_argument("--npm", action="store_true", help="also write npm workspace package.json files")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rng = random.Random(a.seed)

    os.makedirs(a.dir, exist_ok=True)
    subprocess.run(["git", "init", "-q", "-b", "main", a.dir], check=True)
    names = component_names(a.components)
    deps = dependencies(names, rng)

    files = {}
    for i in range(a.files):
        name = names[i % len(names)]
        sub = f"src/mod{rng.randint(0, 9)}"
        ext = ".md" if i % 40 == 0 else ".py"
        files[f"{component_dir(name)}/{sub}/file{i}{ext}"] = f"# file {i}\nvalue = {i}\n"
    files["slipway.yml"] = manifest(names, deps, a.npm)
    files["README.md"] = "synthetic monorepo\n"
    if a.npm:
        files["package.json"] = json.dumps({"name": "synthetic", "private": True, "packageManager": "npm@10.0.0",
                                            "workspaces": ["libs/*", "services/*"]}, indent=2) + "\n"
        files["turbo.json"] = json.dumps({"$schema": "https://turbo.build/schema.json",
                                          "tasks": {"build": {"dependsOn": ["^build"]}}}, indent=2) + "\n"
        files["package-lock.json"] = package_lock(names, deps)
        for name in names:
            files[f"{component_dir(name)}/package.json"] = package_json(name, deps[name])

    fi = FastImport(a.dir)
    base = fi.commit("refs/heads/main", "initial", [("M", p, c) for p, c in sorted(files.items())])

    # The feature branch touches `changed` distinct existing paths over `commits` commits.
    candidates = sorted(p for p in files if "/src/" in p)
    touched = rng.sample(candidates, min(a.changed, len(candidates)))
    per_commit = max(1, len(touched) // a.commits)
    parent = base
    for k in range(a.commits):
        chunk = touched[k * per_commit:(k + 1) * per_commit] if k < a.commits - 1 else touched[k * per_commit:]
        changes = []
        for j, path in enumerate(chunk):
            if j % 50 == 0:
                changes.append(("D", path, None))
            elif j % 50 == 1:
                changes.append(("D", path, None))
                changes.append(("M", path.replace("/src/", "/src/renamed/"), files[path]))
            else:
                changes.append(("M", path, files[path] + f"edited = {k}\n"))
        parent = fi.commit("refs/heads/feature", f"feature {k}", changes, parent)
    fi.commit("refs/heads/main", "main moves on", [("M", "README.md", "synthetic monorepo, v2\n")], base)
    fi.close()
    subprocess.run(["git", "-C", a.dir, "checkout", "-q", "-f", "feature"], check=True)
    print(f"{a.dir}: {len(names)} components, {len(files)} files, {len(touched)} paths changed "
          f"in {a.commits} commits on 'feature'")


if __name__ == "__main__":
    main()
