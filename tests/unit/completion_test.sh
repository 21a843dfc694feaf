#!/bin/bash
# Bash completion (completions/remaster.bash): sourced in a plain bash (no
# bash-completion package), it completes commands, options, option values and
# paths, and its option lists are exactly those of each command's --help.
#   bash tests/unit/completion_test.sh   (run by scripts/test.sh, unit tier)
set -uo pipefail
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BIN=${REMASTER_BIN:-$SRC/build/remaster}
# shellcheck source=../../completions/remaster.bash
. "$SRC/completions/remaster.bash"
# shellcheck source=checks.sh
. "$SRC/tests/unit/checks.sh"
work=$(mktemp -d /tmp/remaster-completion.XXXXXX) || exit 1
trap 'rm -rf "$work"' EXIT

# args: the line typed so far (its last word is the one completed); prints
# the completions, one per line, sorted.
complete_line() {
	read -ra COMP_WORDS <<<"$1"
	[[ $1 == *" " ]] && COMP_WORDS+=("")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	_remaster
	printf '%s\n' "${COMPREPLY[@]}" | sort
}
# args: command words. The options the completion offers for that command.
options_of() { _remaster_options "$@"; }

# shellcheck source=completion_cases.sh
. "$SRC/tests/unit/completion_cases.sh"
completion_cases
summary
