#!/usr/bin/env bash
# scripts/build.sh in a build folder configured for another source tree (a copied or moved
# clone): it starts the folder afresh instead of failing with cmake's "does not match the
# source ... used to generate cache". Configures only (seconds), in a scratch folder.
#   build_script_test.sh REPOSITORY_ROOT
set -euo pipefail
root=$1
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/build"
printf 'CMAKE_HOME_DIRECTORY:INTERNAL=/elsewhere/slipway\nCMAKE_CACHEFILE_DIR:INTERNAL=/elsewhere/slipway/build\n' \
  >"$scratch/build/CMakeCache.txt"
if ! SLIPWAY_BUILD_DIR="$scratch/build" bash "$root/scripts/build.sh" --configure-only 2>"$scratch/err"; then
  echo "FAIL: build.sh failed on a stale cache:"; cat "$scratch/err"; exit 1
fi
grep -q "was configured for /elsewhere/slipway, not $root (a copied or moved clone): starting it afresh" "$scratch/err" ||
  { echo "FAIL: no message about the stale cache:"; cat "$scratch/err"; exit 1; }
grep -qx "CMAKE_HOME_DIRECTORY:INTERNAL=$root" "$scratch/build/CMakeCache.txt" ||
  { echo "FAIL: the cache does not name $root"; exit 1; }
# Configured for this tree: kept as it is (no message, no fresh start).
SLIPWAY_BUILD_DIR="$scratch/build" bash "$root/scripts/build.sh" --configure-only 2>"$scratch/err2"
if grep -q "starting it afresh" "$scratch/err2"; then echo "FAIL: a good cache was dropped"; exit 1; fi
echo "PASS: a stale build folder is started afresh"
