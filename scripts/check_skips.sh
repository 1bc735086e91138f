#!/usr/bin/env bash
# Under CI=true a test that ctest reports as skipped fails the run unless ALLOWLIST names it:
# CI has every tool installed (scripts/setup.sh), so a skip there means something was lost,
# not that a test passed. Prints the skipped tests; exit 1 when one is not allowed.
#   check_skips.sh CTEST_LOG ALLOWLIST
set -euo pipefail
log=$1
allowlist=$2
skipped=$(sed -n 's/^[[:space:]]*[0-9]* - \(.*\) (Skipped)$/\1/p' "$log" | sort -u)
allowed=$(grep -v '^#' "$allowlist" | sed '/^[[:space:]]*$/d' | sort -u)
unexpected=$(comm -23 <(printf '%s\n' "$skipped" | sed '/^$/d') <(printf '%s\n' "$allowed"))
if [ -n "$skipped" ]; then
  echo "skipped tests:"
  printf '%s\n' "$skipped" | sed 's/^/  /'
fi
if [ -n "$unexpected" ]; then
  echo "FAILED: under CI=true these tests may not skip (see $allowlist):"
  printf '%s\n' "$unexpected" | sed 's/^/  /'
  exit 1
fi
