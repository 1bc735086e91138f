#!/usr/bin/env bash
# Builds slipway into build/ (or, with --sanitize, an ASan+UBSan build into build-asan/).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
if [ "${1:-}" = "--sanitize" ]; then
  dir="$root/build-asan"
  flags=(-DCMAKE_BUILD_TYPE=Debug -DSLIPWAY_SANITIZE=ON -DSLIPWAY_BUILD_BENCH=OFF)
else
  dir="$root/build"
  flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo)
fi
# ccache (when installed) keeps compiled objects between builds of this tree and of other
# checkouts of it: paths are hashed relative to the checkout.
if command -v ccache >/dev/null; then
  flags+=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  export CCACHE_BASEDIR="$root" CCACHE_NOHASHDIR=true
fi
cmake -S "$root" -B "$dir" -G Ninja "${flags[@]}" >/dev/null
cmake --build "$dir" -j2
