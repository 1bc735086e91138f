#!/usr/bin/env bash
# Installs every Debian package slipway needs to build, test and run its demo.
# Idempotent: packages already present are left as they are; `apt-get update` runs once.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git
  libgit2-dev libyaml-cpp-dev libcli11-dev libspdlog-dev libfmt-dev libtbb-dev
  rapidjson-dev libsqlite3-dev sqlite3 libcurl4-openssl-dev libssl-dev
  libpugixml-dev libcpp-httplib-dev libgtest-dev libgmock-dev libbenchmark-dev
  python3 openssl
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
