#!/usr/bin/env bash
# scripts/check_skips.sh, CI's rule for skipped tests, on ctest logs: a skip on the allow-list
# passes, any other skip fails, a run without skips passes.
set -uo pipefail
check=$1
allowlist=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
failures=0
expect() {  # expect STATUS LOG-TEXT
  printf '%b' "$2" >"$dir/log"
  bash "$check" "$dir/log" "$allowlist" >"$dir/out" 2>&1
  local got=$?
  if [ "$got" -ne "$1" ]; then
    echo "FAIL: expected exit $1, got $got for:"; cat "$dir/log"; cat "$dir/out"
    failures=$((failures + 1))
  fi
}
expect 0 "100% tests passed, 0 tests failed out of 9\n"
expect 0 "The following tests did not run:\n\t 12 - SigV4.AwsTestSuite (Skipped)\n"
expect 1 "The following tests did not run:\n\t 12 - SigV4.AwsTestSuite (Skipped)\n\t 40 - Serve.AMergeToDev (Skipped)\n"
expect 1 "The following tests did not run:\n\t 61 - web_browser (Skipped)\n"
grep -q "^  web_browser$" "$dir/out" || { echo "FAIL: the skip is not named"; failures=$((failures + 1)); }
[ "$failures" -eq 0 ] && echo "check_skips: ok"
exit "$failures"
