#!/usr/bin/env bash
# Builds slipway into build/ (or, with --sanitize, an ASan+UBSan build into build-asan/).
#   bash scripts/build.sh [--sanitize] [--configure-only] [TARGET...]
# With TARGETs, only those are built (the demo builds slipway and slipway-serve alone);
# SLIPWAY_BUILD_DIR names another build folder. A build folder configured for another
# source tree (a copied or moved clone: its CMakeCache.txt names the old path, and cmake
# refuses it) is started afresh instead of failing.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir="${SLIPWAY_BUILD_DIR:-$root/build}"
flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo)
configure_only=false
targets=()
for arg in "$@"; do
  case "$arg" in
    --sanitize)
      dir="${SLIPWAY_BUILD_DIR:-$root/build-asan}"
      flags=(-DCMAKE_BUILD_TYPE=Debug -DSLIPWAY_SANITIZE=ON -DSLIPWAY_BUILD_BENCH=OFF) ;;
    --configure-only) configure_only=true ;;
    -*) echo "build.sh: unknown option '$arg'" >&2; exit 2 ;;
    *) targets+=("$arg") ;;
  esac
done
cache="$dir/CMakeCache.txt"
if [ -f "$cache" ]; then
  configured=$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' "$cache")
  if [ -n "$configured" ] && [ "$configured" != "$root" ]; then
    echo "build.sh: $dir was configured for $configured, not $root (a copied or moved clone): starting it afresh" >&2
    rm -rf "$dir"
  fi
fi
# ccache (when installed) keeps compiled objects between builds of this tree and of other
# checkouts of it: paths are hashed relative to the checkout.
if command -v ccache >/dev/null; then
  flags+=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  export CCACHE_BASEDIR="$root" CCACHE_NOHASHDIR=true
fi
cmake -S "$root" -B "$dir" -G Ninja "${flags[@]}" >/dev/null
$configure_only && exit 0
if [ ${#targets[@]} -gt 0 ]; then
  cmake --build "$dir" -j2 --target "${targets[@]}"
else
  cmake --build "$dir" -j2
fi
