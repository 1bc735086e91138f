#!/usr/bin/env bash
# Installs what slipway needs, builds it, and runs every test: the README's test command.
#   scripts/test.sh              the normal build (build/)
#   scripts/test.sh --sanitize   the same suite under AddressSanitizer + UBSan (build-asan/)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/scripts/setup.sh"
bash "$root/scripts/build.sh" "$@"
dir="$root/build"
if [ "${1:-}" = "--sanitize" ]; then
  dir="$root/build-asan"
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  export LSAN_OPTIONS="suppressions=$root/scripts/lsan.supp:print_suppressions=0"
fi
log="$dir/ctest.log"
status=0
ctest --test-dir "$dir" -j2 --output-on-failure --timeout 600 2>&1 | tee "$log" || status=$?
# Under CI=true a skipped test fails the run unless tests/skip_allowlist.txt names it.
if [ "${CI:-}" = "true" ]; then
  bash "$root/scripts/check_skips.sh" "$log" "$root/tests/skip_allowlist.txt" ||
    { [ "$status" -ne 0 ] || status=1; }
fi
exit "$status"
