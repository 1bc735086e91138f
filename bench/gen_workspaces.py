#!/usr/bin/env python3
"""Generates an npm-workspaces monorepo for the cold `affected` benchmark (cold_affected.py)
with `git fast-import`, in one of two shapes:

- `workspaces`: 2,000 packages under packages/, each with a package.json whose
  `dependencies` name 1-4 earlier library packages (a third of the packages are libraries);
  slipway.yml has one component per package whose `depends_on` is taken from its
  package.json, as `slipway init` would write it (~200 KB of block-style YAML).
- `services`: gen_monorepo.py's shape with --npm (libs/ and services/, 0-2 dependencies
  each on libraries, the flow-style manifest), 20,000 files.

Both have Turborepo's rules in the manifest (root files are global inputs, nothing ignored)
and a package-lock.json, so `turbo ls --affected` answers the same question. History: `main`
holds everything and then moves on by one commit (a README edit); branches `one`, `few` and
`many` each leave main's first commit and edit 1, 300 and 1,200 distinct files under the
packages (over 1, 3 and 3 commits). Each branch is checked out in a linked work tree,
DIR-one, DIR-few, DIR-many, as a CI job would have it.
"""
import argparse
import json
import os
import random
import subprocess

import gen_monorepo

WORDS = ["api", "auth", "bill", "cart", "core", "data", "feed", "form", "jobs", "log", "mail", "ops",
         "pay", "query", "ship", "tax", "ui", "user", "util", "web"]
CHANGES = {"one": 1, "few": 300, "many": 1200}


def workspace_packages(n, rng):
    """[(name, folder, is_library, [dependency names])], dependencies on earlier libraries."""
    packages, libraries = [], []
    for i in range(n):
        name = f"{WORDS[rng.randrange(len(WORDS))]}-{i:04d}"
        library = i % 3 == 0
        count = min(len(libraries), rng.randint(1, 4))
        deps = sorted(rng.sample(libraries, count))
        packages.append((name, f"packages/{name}", library, deps))
        if library:
            libraries.append(name)
    return packages


def workspace_manifest(packages):
    out = ["# One component per npm workspace package; depends_on from its package.json.",
           "version: 1", "project: workspaces", "image:",
           "  repository: 123456789012.dkr.ecr.us-east-1.amazonaws.com/workspaces",
           "global_inputs: [/package.json, /package-lock.json, /turbo.json, /slipway.yml]",
           "components:"]
    for name, folder, library, deps in packages:
        out.append(f"  {name}:")
        out.append(f"    paths: [{folder}/]")
        if deps:
            out.append(f"    depends_on: [{', '.join(deps)}]")
        if library:
            out.append("    kind: library")
        else:
            out.append(f"    parameter: {name.replace('-', '').capitalize()}")
            out.append(f"    build: npm run build -w {name}")
    return "\n".join(out) + "\n"


def lockfile(packages):
    lock = {"": {"name": "monorepo", "workspaces": ["packages/*", "libs/*", "services/*"]}}
    for name, folder, _, deps in packages:
        entry = {"name": name, "version": "1.0.0"}
        if deps:
            entry["dependencies"] = {d: "1.0.0" for d in deps}
        lock[folder] = entry
        lock[f"node_modules/{name}"] = {"resolved": folder, "link": True}
    return json.dumps({"name": "monorepo", "lockfileVersion": 3, "requires": True, "packages": lock},
                      indent=2) + "\n"


def tree(shape, count, files_per, rng):
    """The files of main's first commit: {path: content}."""
    if shape == "workspaces":
        packages = workspace_packages(count, rng)
        manifest = workspace_manifest(packages)
    else:
        names = gen_monorepo.component_names(count)
        deps = gen_monorepo.dependencies(names, rng)
        packages = [(n, gen_monorepo.component_dir(n), n.startswith("lib"), deps[n]) for n in names]
        manifest = gen_monorepo.manifest(names, deps, True)
    files = {"slipway.yml": manifest, "README.md": "monorepo\n", "package-lock.json": lockfile(packages)}
    files["package.json"] = json.dumps({"name": "monorepo", "private": True, "packageManager": "npm@10.0.0",
                                        "workspaces": ["packages/*", "libs/*", "services/*"]}, indent=2) + "\n"
    files["turbo.json"] = json.dumps({"$schema": "https://turbo.build/schema.json",
                                      "tasks": {"build": {"dependsOn": ["^build"]}}}, indent=2) + "\n"
    for name, folder, _, deps in packages:
        files[f"{folder}/package.json"] = gen_monorepo.package_json(name, deps)
        for k in range(files_per):
            files[f"{folder}/src/mod{k % 4}/file{k}.ts"] = f"export const value{k} = {k};\n"
    return files


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dir")
    ap.add_argument("--shape", choices=["workspaces", "services"], default="workspaces")
    ap.add_argument("--packages", type=int, default=2000)
    ap.add_argument("--files-per-package", type=int, default=10)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    os.makedirs(a.dir, exist_ok=True)
    subprocess.run(["git", "init", "-q", "-b", "main", a.dir], check=True)
    files = tree(a.shape, a.packages, a.files_per_package, rng)
    fi = gen_monorepo.FastImport(a.dir)
    base = fi.commit("refs/heads/main", "initial", [("M", p, c) for p, c in sorted(files.items())])
    sources = sorted(p for p in files if "/src/" in p)
    for branch, count in CHANGES.items():
        touched = sorted(rng.sample(sources, count))
        commits = 1 if count == 1 else 3
        parent = base
        for k in range(commits):
            chunk = touched[k::commits]
            parent = fi.commit(f"refs/heads/{branch}", f"{branch} {k}",
                               [("M", p, files[p] + f"export const edited = {k};\n") for p in chunk], parent)
    fi.commit("refs/heads/main", "main moves on", [("M", "README.md", "monorepo, v2\n")], base)
    fi.close()
    subprocess.run(["git", "-C", a.dir, "checkout", "-q", "-f", "main"], check=True)
    for branch in CHANGES:
        subprocess.run(["git", "-C", a.dir, "worktree", "add", "-q", os.path.abspath(f"{a.dir}-{branch}"), branch],
                       check=True)
    print(f"{a.dir}: {a.shape}, {a.packages} packages, {len(files)} files, "
          f"slipway.yml {len(files['slipway.yml'].encode()) // 1024} KB; branches "
          + ", ".join(f"{b} ({c} paths)" for b, c in CHANGES.items()))


if __name__ == "__main__":
    main()
