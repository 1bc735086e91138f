#!/usr/bin/env bash
# Builds the package a user installs: a Release build of the slipway binary alone (-O2, no
# tests or benchmarks) into build-release/, then CPack's .deb of it, stripped:
#   build-release/slipway_<version>_amd64.deb
# Run scripts/setup.sh first on a fresh machine (scripts/setup.sh --build-only suffices).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir="$root/build-release"
flags=(-DCMAKE_BUILD_TYPE=Release -DSLIPWAY_BUILD_TESTS=OFF -DSLIPWAY_BUILD_BENCH=OFF)
if command -v ccache >/dev/null; then
  flags+=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  export CCACHE_BASEDIR="$root" CCACHE_NOHASHDIR=true
fi
cmake -S "$root" -B "$dir" -G Ninja "${flags[@]}" >/dev/null
cmake --build "$dir" -j2
rm -f "$dir"/slipway_*.deb
(cd "$dir" && cpack -G DEB >/dev/null)
ls "$dir"/slipway_*_amd64.deb
