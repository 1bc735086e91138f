#!/usr/bin/env bash
# Installs every Debian package slipway needs to build, test and run its demo.
# Idempotent: packages already present are left as they are; `apt-get update` runs once.
#   scripts/setup.sh               everything (the README's test command runs this)
#   scripts/setup.sh --build-only  the Debian packages only (the Dockerfile's build stage)
set -euo pipefail
build_only=false
[ "${1:-}" = "--build-only" ] && build_only=true

packages=(
  build-essential cmake ninja-build pkg-config git ccache
  libgit2-dev libyaml-dev libcli11-dev libspdlog-dev libfmt-dev libtbb-dev
  rapidjson-dev libsqlite3-dev sqlite3 libcurl4-openssl-dev libssl-dev
  libpugixml-dev libcpp-httplib-dev libbrotli-dev zlib1g-dev libgtest-dev libgmock-dev libbenchmark-dev
  python3 python3-pip python3-yaml openssl curl dpkg-dev
)
# For the tests only: the package test's Debian 12 root (debootstrap), the shells whose
# completion files the tests check, wrk for the service's benchmark, strace and ss (iproute2)
# for tests that watch a process's files and sockets, and the web page's
# browser tests: Chromium with a font,
# and node with npm (Debian's, when no node is installed) for playwright-core.
if ! $build_only; then
  packages+=(debootstrap zsh fish wrk chromium fonts-dejavu-core strace iproute2)
  command -v node >/dev/null || packages+=(nodejs npm)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "setup: installing ${missing[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

$build_only && exit 0

# The local AWS of the demo and the integration tests (moto_server), the aws CLI that checks
# their results, and cfn-lint for the example template: from PyPI when missing. Best effort:
# without them the demo stops with a clear message and those tests are skipped.
python_tools=()
python3 -c 'import moto.server' 2>/dev/null || python_tools+=('moto[server]')
command -v aws >/dev/null || python_tools+=(awscli)
command -v cfn-lint >/dev/null || python_tools+=(cfn-lint)
if ((${#python_tools[@]})); then
  echo "setup: installing ${python_tools[*]} with pip (user site)" >&2
  python3 -m pip install -q --user "${python_tools[@]}" 2>/dev/null ||
    python3 -m pip install -q --user --break-system-packages "${python_tools[@]}" ||
    echo "setup: warning: could not install ${python_tools[*]}; the AWS tests will be skipped" >&2
fi

# playwright-core, which drives Chromium in the browser tests, at the version of
# tests/web/package-lock.json, into tests/web/node_modules (not committed). Best effort: without
# it the browser tests are skipped.
web_tests="$(cd "$(dirname "$0")/.." && pwd)/tests/web"
if command -v npm >/dev/null &&
  ! cmp -s "$web_tests/package-lock.json" "$web_tests/node_modules/.slipway-lock.json"; then
  echo "setup: installing playwright-core with npm ci in tests/web" >&2
  if npm ci --prefix "$web_tests" --no-audit --no-fund --loglevel=error >/dev/null; then
    cp "$web_tests/package-lock.json" "$web_tests/node_modules/.slipway-lock.json"
  else
    echo "setup: warning: npm ci in tests/web failed; the browser tests will be skipped" >&2
  fi
fi

# The GitHub side of the tests and the demo, at the versions of tests/github/package-lock.json,
# into tests/github/node_modules (not committed): Stoplight Prism (@stoplight/prism-cli), which
# serves GitHub's REST API description (@octokit/openapi) and rejects requests off its schema,
# and GitHub's example webhook payloads (@octokit/webhooks-examples). Without them the GitHub
# tests are skipped (a failure under CI=true).
github_tests="$(cd "$(dirname "$0")/.." && pwd)/tests/github"
if command -v npm >/dev/null &&
  ! cmp -s "$github_tests/package-lock.json" "$github_tests/node_modules/.slipway-lock.json"; then
  echo "setup: installing Prism and GitHub's API description with npm ci in tests/github" >&2
  if npm ci --prefix "$github_tests" --no-audit --no-fund --loglevel=error >/dev/null; then
    cp "$github_tests/package-lock.json" "$github_tests/node_modules/.slipway-lock.json"
  else
    echo "setup: warning: npm ci in tests/github failed; the GitHub tests will be skipped" >&2
  fi
fi

# The linter of the example GitHub workflow, action-validator (its JSON schema), from npm
# when node is there (it is on the developers' machines and CI's); without it that test skips.
if command -v npm >/dev/null && ! command -v action-validator >/dev/null; then
  echo "setup: installing @action-validator/cli with npm (global)" >&2
  npm install -g --no-audit --no-fund --loglevel=error @action-validator/cli@0.6.0 @action-validator/core@0.6.0 >/dev/null ||
    echo "setup: warning: could not install action-validator; the workflow lint test will be skipped" >&2
fi
