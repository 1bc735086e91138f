#!/usr/bin/env bash
# The demo (the README's first command): installs, builds, then plays the whole pipeline on a
# git repository made from manifests/ (branches dev and test), with SQLite as the store and a
# moto_server on a free loopback port as AWS:
#   1. the first deploy of test: every component built (build #1), the stack created;
#   2. a change to one component: only it is rebuilt (#2), the other parameters stay;
#   3. a change to the shared library: exactly its dependents are rebuilt;
#   4. a README change: nothing built, the stack untouched;
#   5. promote test to prod: the same images, nothing rebuilt;
#   6. the history of one component and the status of all.
# moto is stopped when the demo ends, also when it fails.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/scripts/setup.sh"
bash "$root/scripts/build.sh" >/dev/null
slipway="$root/build/cli/slipway"
started=$SECONDS

if ! python3 -c 'import moto.server' 2>/dev/null; then
  echo "demo: moto_server is needed as the local AWS endpoint: pip install 'moto[server]'" >&2
  exit 4
fi

work=$(mktemp -d)
moto_pid=""
cleanup() {
  local status=$?
  if [ -n "$moto_pid" ]; then
    kill "$moto_pid" 2>/dev/null || true
    wait "$moto_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT

# A free loopback port, then moto on it (through the test suite's launcher).
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 "$root/tests/support/moto_launcher.py" "$port" >"$work/moto.log" 2>&1 &
moto_pid=$!
for _ in $(seq 100); do
  python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 0.2)" 2>/dev/null && break
  sleep 0.1
done
export AWS_ENDPOINT_URL="http://127.0.0.1:$port" AWS_ACCESS_KEY_ID=demo AWS_SECRET_ACCESS_KEY=demo-secret
export AWS_DEFAULT_REGION=us-east-1 CI=true

repo="$work/ml-training"
cp -r "$root/manifests" "$repo"
git -C "$repo" init -q -b test
git -C "$repo" config user.email demo@slipway.invalid
git -C "$repo" config user.name "slipway demo"
git -C "$repo" add -A && git -C "$repo" commit -qm "ml-training: first version"
git -C "$repo" checkout -qb dev

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ slipway %s\n' "$*"; (cd "$repo" && "$slipway" "$@"); }
commit() { git -C "$repo" commit -qam "$1" && printf '(commit on dev: %s)\n' "$1"; }
# The stack's parameters as CloudFormation has them (the aws CLI, when it is installed).
stack() {
  command -v aws >/dev/null || return 0
  printf '$ aws cloudformation describe-stacks --stack-name %s\n' "$1"
  aws cloudformation describe-stacks --stack-name "$1" \
    --query 'Stacks[0].[StackStatus, Parameters[].[ParameterKey, ParameterValue]]' --output text
}

step "The manifest: five components, one shared library, one template"
run validate
run graph

step "1. Merge to dev: the first deploy of test builds everything (#1) and creates the stack"
run run --env test -q
stack ml-training-test

step "2. A change to batch-train: only it is rebuilt (#2); the other parameters stay"
echo '# tuned learning rate' >> "$repo/batch/train/train.py"
commit "batch-train: tune"
run run --env test -q
stack ml-training-test

step "3. A change to the shared library: exactly its dependents are rebuilt"
echo '# faster config loading' >> "$repo/libs/common/ml_common.py"
commit "common: faster config"
run run --env test -q

step "4. A README-only change: nothing is built and the stack is not touched"
echo 'More words.' >> "$repo/README.md"
commit "docs: more words"
run run --env test -q

step "5. Promote test to prod: the same images, nothing rebuilt"
run promote --from test --to prod --yes
stack ml-training-prod

step "6. What the store knows"
run history inference-service
run status

printf '\nDemo done in %ss: moto_server on 127.0.0.1:%s stops now.\n' "$((SECONDS - started))" "$port"
