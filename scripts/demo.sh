#!/usr/bin/env bash
# The demo (the README's first command): installs, builds, then plays a short story on a
# git repository made from manifests/ in a temp folder.
#
# Until the AWS client and deploys land (issues 4-6), the story covers what exists:
# validate, graph, diff and affected on dev vs test as commits arrive, builds with build
# numbers and reuse in the SQLite store, and the history and status queries.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/scripts/setup.sh"
bash "$root/scripts/build.sh" >/dev/null
slipway="$root/build/cli/slipway"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
repo="$work/ml-training"
cp -r "$root/manifests" "$repo"
git -C "$repo" init -q -b test
git -C "$repo" config user.email demo@slipway.invalid
git -C "$repo" config user.name "slipway demo"
git -C "$repo" add -A && git -C "$repo" commit -qm "ml-training: first version"
git -C "$repo" checkout -qb dev

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ slipway %s\n' "$*"; (cd "$repo" && "$slipway" "$@"); }

step "The manifest and the component graph"
run validate --unowned
run graph

step "0. The first build: every component, build #1"
run build --all

step "1. A change to the training Lambda"
echo '# tuned' >> "$repo/functions/training/app.py"
git -C "$repo" commit -qam "training: tune"
run diff --base test
run affected --base test --explain
run build --base test

step "2. A change to the shared library: its dependents follow"
echo '# faster' >> "$repo/libs/common/ml_common.py"
git -C "$repo" commit -qam "common: faster config"
run affected --base test --explain
run build --base HEAD~1

step "3. A README-only change affects nothing"
git -C "$repo" checkout -q test && git -C "$repo" checkout -qb docs-only
echo 'More words.' >> "$repo/README.md"
git -C "$repo" commit -qam "docs"
run affected --base test --explain

step "4. A rename across components counts both sides"
git -C "$repo" checkout -q dev
git -C "$repo" mv batch/train/train.py glue/preprocess/train.py
git -C "$repo" commit -qm "move the trainer"
run diff --base test --name-status
run affected --base test --json

step "5. What the store knows"
run history training-lambda
run status
run diffs HEAD~2

printf '\nDemo done. The AWS client and CloudFormation deploys join this story as they land.\n'
