#!/usr/bin/env bash
# Sets up a fresh Debian machine and runs every test tier: lint (ShellCheck),
# unit (Catch2, and the dracut lib under dash; no root), fuzz (libFuzzer on
# the parsers, bounded), root (loop devices, real mounts), VM (mmdebstrap root
# booted in QEMU).
# Prints one block per test and a final "N passed, M failed".
#   scripts/test.sh [lint|unit|fuzz|root|vm]...   (default: all tiers)
#
# REMASTER_TEST_JOBS (default: the number of cores, at most 2) tests run at
# once. Most of a test's time is one QEMU guest or one dracut run, neither of
# which keeps two cores busy, so two lanes take about two thirds of the
# time of one. Every test owns its own directories, loop devices, mounts and
# locks, and the shared caches are built under a lock, so tests may overlap.
# With more than one lane a test's output is printed whole when it ends;
# with one it is printed as it runs.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
tiers=("$@")
((${#tiers[@]})) || tiers=(lint unit fuzz root vm)

scripts/install-deps.sh || exit 1
scripts/build.sh || exit 1

lanes=${REMASTER_TEST_JOBS:-$(nproc)}
((lanes > 2)) && lanes=2
((lanes < 1)) && lanes=1
# Two guests share the cores: a boot takes up to ~1.5x as long, so the
# default bound on each boot is raised with the lanes (a failing boot is
# still seen at once by its failure signs; only a silent hang waits this out).
((lanes > 1)) && export REMASTER_VM_TIMEOUT=${REMASTER_VM_TIMEOUT:-540}

# Rough length of a test alone on this machine (s), to start the long ones
# first so that the lanes end together. A test not listed counts as 120 s.
declare -A length=(
  [vm/test_boot_iso]=800 [vm/test_boot_options]=450 [vm/test_boot_install]=1100 [vm/test_boot_secureboot]=600 [vm/test_boot_incremental]=500
  [vm/test_boot_test]=250 [vm/test_boot_buses]=420 [vm/test_boot_netboot]=800 [root/test_netboot]=90
  [vm/test_boot_workstation]=400 [vm/test_boot_update]=600 [vm/test_boot_lvm_luks]=180 [root/test_update]=120
  [vm/test_boot_fedora]=200 [vm/test_boot_debian]=150 [vm/test_boot_arch]=220
  [vm/test_boot_after_interrupt]=200 [vm/test_boot_clean]=170 [fuzz]=300
  [root/test_package]=420 [root/test_iso_large]=240 [root/test_safety_menu]=130 [unit]=60 [unit/dracut_lib]=5 [unit/manpage]=5 [unit/completion]=5 [unit/zsh_completion]=5 [unit/config]=5 [lint]=30
)
# How long a test may run before it is stopped and fails.
limit_of() { case $1 in vm/*) echo 2400 ;; fuzz) echo 900 ;; unit*) echo 600 ;; *) echo 1500 ;; esac; }

queue=()
for tier in "${tiers[@]}"; do
  case $tier in
    unit) queue+=(unit unit/dracut_lib unit/manpage unit/completion unit/zsh_completion unit/config) ;;
    lint | fuzz) queue+=("$tier") ;;
    root | vm)
      for t in tests/"$tier"/test_*.sh; do
        [[ -e $t ]] && queue+=("$tier/$(basename "$t" .sh)")
      done
      ;;
    *) echo "unknown tier '$tier' (lint, unit, fuzz, root, vm)" >&2; exit 2 ;;
  esac
done
if ((lanes > 1)); then
  mapfile -t queue < <(for n in "${queue[@]}"; do echo "${length[$n]:-120} $n"; done | sort -k1,1nr -k2 | cut -d' ' -f2)
fi

command_of() {  # args: test name; prints its argv, one word per line
  case $1 in
    lint) echo scripts/lint.sh ;;
    unit) echo build/unit_tests ;;
    # The dracut lib under dash, as in the initramfs: parsers, checks, mount steps.
    unit/dracut_lib) printf '%s\n' dash tests/unit/dracut_lib_test.sh ;;
    # The man page and the bash and zsh completions against every command's --help;
    # /etc/remaster.conf through the program.
    unit/manpage | unit/completion | unit/zsh_completion | unit/config) printf '%s\n' bash "tests/$1_test.sh" ;;
    fuzz) printf '%s\n' scripts/fuzz.sh "${REMASTER_FUZZ_SECONDS:-20}" ;;
    *) printf '%s\n' bash "tests/$1.sh" ;;
  esac
}

logs=$(mktemp -d "${TMPDIR:-/tmp}/remaster-test-logs.XXXXXX") || exit 1
declare -A running=() began=()
stop_all() {
  local p
  for p in "${!running[@]}"; do kill -TERM "$p" 2>/dev/null; done
  wait
  rm -rf "$logs"
  exit 130
}
trap stop_all INT TERM

start() {  # args: test name; runs it in the background, output to its log
  local name=$1 cmd
  mapfile -t cmd < <(command_of "$name")
  if ((lanes == 1)); then
    timeout --kill-after=30 "$(limit_of "$name")" "${cmd[@]}" &
  else
    timeout --kill-after=30 "$(limit_of "$name")" "${cmd[@]}" >"$logs/${name//\//_}.log" 2>&1 &
  fi
  running[$!]=$name
  began[$!]=$SECONDS
  ((lanes == 1)) && echo "=== $name"
}

passed=0 failed=0 failures=()
finish() {  # args: pid, exit status
  local name=${running[$1]} took=$((SECONDS - ${began[$1]}))
  unset "running[$1]" "began[$1]"
  if ((lanes > 1)); then
    echo "=== $name"
    cat "$logs/${name//\//_}.log"
  fi
  if (($2 == 0)); then
    passed=$((passed + 1))
    echo "=== PASS $name ($took s)"
  else
    failed=$((failed + 1))
    failures+=("$name")
    echo "=== FAIL $name ($took s)"
  fi
}

start_time=$SECONDS
# The cached Debian root is shared by most root and VM tests; built here once,
# before the lanes start, two tests never build it side by side.
if ((lanes > 1)) && printf '%s\n' "${queue[@]}" | grep -q '^\(root\|vm\)/'; then
  test_root=$(tests/vm/lib/debian-root.sh) || { echo "building the Debian test root failed" >&2; exit 1; }
  echo "=== test root: $test_root"
fi
next=0
while ((next < ${#queue[@]} || ${#running[@]})); do
  while ((next < ${#queue[@]} && ${#running[@]} < lanes)); do
    start "${queue[next]}"
    next=$((next + 1))
  done
  wait -n -p done_pid "${!running[@]}"
  status=$?
  [[ -n ${done_pid:-} && -n ${running[$done_pid]:-} ]] && finish "$done_pid" "$status"
done
rm -rf "$logs"

((failed)) && printf 'failed: %s\n' "${failures[@]}"
echo "$passed passed, $failed failed ($((SECONDS - start_time)) s, $lanes lanes)"
((failed == 0))
