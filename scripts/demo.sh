#!/usr/bin/env bash
# The demo (the README's first command): installs, builds, then plays the whole pipeline on a
# git repository made from manifests/ (branches dev and test), with SQLite as the store and a
# moto_server on a free loopback port as AWS:
#   1. the first deploy of test: every component built (build #1), the stack created;
#   2. a change to one component: only it is rebuilt (#2), the other parameters stay;
#   3. a change to the shared library: exactly its dependents are rebuilt;
#   4. a README change: nothing built, the stack untouched;
#   5. promote test to prod through a gate, in us-east-1 then eu-west-1: the promotion is held
#      (exit 5) as a request until a second person approves it (the requester's own approval
#      is refused), then ships exactly the requested images, nothing rebuilt;
#   6. the history of one component and the status of all;
#   7. `slipway serve`: a push to dev and a signed GitHub webhook run the pipeline; the JSON
#      API then answers what is deployed, and the web page's URL is printed.
# moto and the service are stopped when the demo ends, also when it fails; with
# --keep-serving they stay up (the web page can be opened) until Ctrl-C.
#   bash scripts/demo.sh [--keep-serving]
set -euo pipefail
keep_serving=false
case "${1:-}" in
  --keep-serving) keep_serving=true ;;
  "") ;;
  *) echo "demo: unknown option '$1' (usage: scripts/demo.sh [--keep-serving])" >&2; exit 2 ;;
esac
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/scripts/setup.sh"
# Only the two programs the demo runs (not the tests and benchmarks: minutes on 2 cores).
bash "$root/scripts/build.sh" slipway slipway-serve >/dev/null
slipway="$root/build/cli/slipway"
started=$SECONDS

if ! python3 -c 'import moto.server' 2>/dev/null; then
  echo "demo: moto_server is needed as the local AWS endpoint: pip install 'moto[server]'" >&2
  exit 4
fi

work=$(mktemp -d)
moto_pid=""
serve_pid=""
cleanup() {
  local status=$?
  if [ -n "$serve_pid" ]; then
    kill "$serve_pid" 2>/dev/null || true
    wait "$serve_pid" 2>/dev/null || true
  fi
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
  local region=${2:-us-east-1}
  printf '$ aws cloudformation describe-stacks --stack-name %s --region %s\n' "$1" "$region"
  aws cloudformation describe-stacks --stack-name "$1" --region "$region" \
    --query 'Stacks[0].[StackStatus, Parameters[].[ParameterKey, ParameterValue]]' --output text
}

step "The manifest: six components: four images, one shared library, one template"
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

step "5. Promote test to prod (two regions, one wave each) through a gate: one approval by someone other than the requester"
# prod gets a gate (docs/deploy.md, "Gates"): one approval, by anyone but the one who asks.
sed -i 's/^    promote_from: test$/    promote_from: test\n    gates: {approvals: 1}/' "$repo/slipway.yml"
commit "prod: promotions need one approval"
as() { local who=$1; shift; printf '(as %s) ' "$who"; USER=$who run "$@"; }
as alice promote --to prod --yes && exit 1 || [ $? -eq 5 ]   # held by the gate: exit 5
as alice approve --env prod --request 1 && exit 1 || true      # refused: her own request
as bob approve --env prod --request 1 --reason "canary looked fine"
as alice promote --to prod --request 1 --yes                   # exactly the requested images
run requests --env prod
stack ml-training-prod us-east-1
stack ml-training-prod eu-west-1

step "6. What the store knows"
run history inference-service
run status

step "7. slipway serve: a merge to dev arrives as a GitHub webhook"
git clone -q --bare "$repo" "$work/origin.git"
git -C "$repo" remote add origin "$work/origin.git"
git -C "$repo" fetch -q origin
secret="demo-webhook-secret"
printf '%s\n' "$secret" >"$work/webhook-secret"
printf '$ slipway serve --listen 127.0.0.1:0 --webhook-secret-file webhook-secret &\n'
(cd "$repo" && exec "$slipway" serve --listen 127.0.0.1:0 --webhook-secret-file "$work/webhook-secret" \
  --reconcile-every 0) >"$work/serve.log" 2>&1 &
serve_pid=$!
url=""
for _ in $(seq 200); do
  url=$(sed -n 's/.*listening on \(http:[^ ]*\).*/\1/p' "$work/serve.log" | head -n 1)
  [ -n "$url" ] && break
  sleep 0.1
done
[ -n "$url" ] || { cat "$work/serve.log" >&2; exit 1; }
echo '# inference: warm the model at start' >> "$repo/services/inference/app.py"
commit "inference: warm start"
git -C "$repo" push -q origin dev
head=$(git -C "$repo" rev-parse HEAD)
body='{"ref":"refs/heads/dev","after":"'$head'","pusher":{"name":"demo"},"repository":{"full_name":"acme/ml-training"}}'
signature=$(printf '%s' "$body" | openssl dgst -sha256 -hmac "$secret" | sed 's/^.* //')
printf '$ curl -X POST %s/hooks/github (push to dev, signed)\n' "$url"
curl -sS -H 'Content-Type: application/json' -H 'X-GitHub-Event: push' -H 'X-GitHub-Delivery: demo-1' \
  -H "X-Hub-Signature-256: sha256=$signature" --data-binary "$body" "$url/hooks/github"
echo
job_status() {
  curl -sS "$url/api/queue" | python3 -c 'import json, sys
jobs = json.load(sys.stdin)["jobs"]
print(jobs[0]["status"] if jobs else "none")'
}
for _ in $(seq 600); do
  status=$(job_status)
  case "$status" in pending | running) sleep 0.2 ;; *) break ;; esac
done
printf 'job: %s\n' "$status"
printf '$ curl %s/api/environments\n' "$url"
curl -sS "$url/api/environments" | python3 -c 'import json, sys
for e in json.load(sys.stdin)["environments"]:
    d = e["current"] or {}
    print(e["name"], d.get("commit", "-")[:12], "by", d.get("actor", "-"))
    for i in d.get("images", []):
        print("   ", i["component"].ljust(22), ("#" + str(i["build_number"])).ljust(4),
              "new " if i["changed"] else "kept", i["image_uri"])'
[ "$status" = succeeded ] || { cat "$work/serve.log" >&2; exit 1; }
printf '\nThe web page: %s/ (what is deployed where, each component'"'"'s history, the runs and their logs)\n' "$url"
if $keep_serving; then
  printf 'slipway serve and moto_server keep running (--keep-serving); Ctrl-C stops both.\n'
  trap 'exit 0' INT TERM
  wait "$serve_pid" || true
else
  kill -TERM "$serve_pid"
  wait "$serve_pid"
fi
serve_pid=""

printf '\nDemo done in %ss: moto_server on 127.0.0.1:%s stops now.\n' "$((SECONDS - started))" "$port"
