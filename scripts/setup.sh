#!/usr/bin/env bash
# Installs every Debian package slipway needs to build, test and run its demo.
# Idempotent: packages already present are left as they are; `apt-get update` runs once.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git ccache
  libgit2-dev libyaml-cpp-dev libcli11-dev libspdlog-dev libfmt-dev libtbb-dev
  rapidjson-dev libsqlite3-dev sqlite3 libcurl4-openssl-dev libssl-dev
  libpugixml-dev libcpp-httplib-dev libgtest-dev libgmock-dev libbenchmark-dev
  python3 python3-pip openssl
)

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
