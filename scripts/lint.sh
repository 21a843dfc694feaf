#!/usr/bin/env bash
# Lints every shell file with ShellCheck: the dracut hooks as POSIX dash (they
# run in the initramfs), everything else as bash. Warnings and errors fail.
# Then checks that the on-stick layout is spelled only by the stick type
# (scripts/check-layout-literals.sh), and that no merge left its conflict
# markers in a tracked file.
# SC2154 is off: the tests' helpers set variables by name (printf -v).
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
shellcheck -S warning -s dash dracut-module/*.sh || status=1
mapfile -t scripts < <(find scripts tests -name '*.sh' -type f | sort)
shellcheck -S warning -e SC2154 -x -P SCRIPTDIR "${scripts[@]}" .ci/run || status=1
shellcheck -S warning -s bash completions/*.bash || status=1
scripts/check-layout-literals.sh || status=1
if git rev-parse --git-dir >/dev/null 2>&1 && git grep -nE '^(<<<<<<<|>>>>>>>)( |$)' -- . ':!build*'; then
  echo "lint: unresolved merge conflict markers (above)" >&2
  status=1
fi
((status == 0)) && echo "lint: $(( ${#scripts[@]} + 1 )) scripts and $(ls dracut-module/*.sh | wc -l) hooks are clean; the stick layout is spelled in src/medium.* only"
exit "$status"
