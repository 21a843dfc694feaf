#!/usr/bin/env bash
# Sets up a fresh Debian machine and runs every test tier: lint (ShellCheck),
# unit (Catch2, and the dracut lib under dash; no root), fuzz (libFuzzer on
# the parsers, bounded), root (loop devices, real mounts), VM (mmdebstrap root
# booted in QEMU).
# Prints one line per test and a final "N passed, M failed".
#   scripts/test.sh [lint|unit|fuzz|root|vm]...   (default: all tiers)
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
tiers=("$@")
((${#tiers[@]})) || tiers=(lint unit fuzz root vm)

scripts/install-deps.sh || exit 1
scripts/build.sh || exit 1

passed=0 failed=0 failures=()
run() {  # args: name seconds command...; a test that hangs is stopped and fails
  local name=$1 limit=$2 start=$SECONDS
  shift 2
  echo "=== $name"
  if timeout --kill-after=30 "$limit" "$@"; then
    passed=$((passed + 1))
    echo "=== PASS $name ($((SECONDS - start)) s)"
  else
    failed=$((failed + 1))
    failures+=("$name")
    echo "=== FAIL $name ($((SECONDS - start)) s)"
  fi
}

for tier in "${tiers[@]}"; do
  case $tier in
    unit)
      run unit 600 build/unit_tests
      # The dracut lib under dash, as in the initramfs: parsers, checks, mount steps.
      run unit/dracut_lib 60 dash tests/unit/dracut_lib_test.sh
      ;;
    lint)
      run lint 300 scripts/lint.sh
      ;;
    fuzz)
      run fuzz 900 scripts/fuzz.sh "${REMASTER_FUZZ_SECONDS:-20}"
      ;;
    root|vm)
      for t in tests/"$tier"/test_*.sh; do
        [[ -e $t ]] || continue
        run "$tier/$(basename "$t" .sh)" 1500 bash "$t"
      done
      ;;
    *) echo "unknown tier '$tier' (lint, unit, fuzz, root, vm)" >&2; exit 2 ;;
  esac
done

((failed)) && printf 'failed: %s\n' "${failures[@]}"
echo "$passed passed, $failed failed"
((failed == 0))
