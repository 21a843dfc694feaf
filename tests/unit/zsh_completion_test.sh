#!/bin/bash
# zsh completion (completions/_remaster): in a real zsh (zsh -f, compinit
# finding it on fpath) it is registered for remaster and completes commands,
# options, option values and paths; its option lists are exactly those of
# each command's --help. compadd, _files and _directories are stood in for
# by functions that print what would be offered (compadd is a builtin only a
# completion widget may call), and words/CURRENT are set as zle would set
# them, as completion_test.sh sets COMP_WORDS for bash.
#   bash tests/unit/zsh_completion_test.sh   (run by scripts/test.sh, unit tier)
set -uo pipefail
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BIN=${REMASTER_BIN:-$SRC/build/remaster}
# shellcheck source=checks.sh
. "$SRC/tests/unit/checks.sh"
command -v zsh >/dev/null || { echo "FAIL: no zsh (scripts/install-deps.sh installs it)"; exit 1; }
work=$(mktemp -d /tmp/remaster-zsh-completion.XXXXXX) || exit 1
trap 'rm -rf "$work"' EXIT

# The zsh side: compinit on a fpath holding completions/, the stand-ins,
# then $1 run as zsh code.
zsh_in() {
	# shellcheck disable=SC2016 # zsh code, expanded by zsh
	zsh -f -c '
		fpath=("$1" $fpath)
		autoload -U compinit && compinit -u -D
		compadd() {  # prints the words after --, those that start with the word completed
			local w
			for w in "${@[${@[(i)--]} + 1, -1]}"; do
				[[ $w == "${words[CURRENT]}"* ]] && print -r -- "$w"
			done
		}
		_files() { print -rl -- "${words[CURRENT]}"*(N) }
		_directories() { print -rl -- "${words[CURRENT]}"*(N/) }
		complete_line() {  # args: the line typed so far
			words=(${(z)1})
			[[ $1 == *" " ]] && words+=("")
			CURRENT=${#words}
			_remaster
		}
		eval "$2"
	' zsh "$SRC/completions" "$1"
}

# args: the line typed so far; prints the completions, sorted
complete_line() {
	zsh_in "complete_line ${1@Q}" | sort
}
# args: command words. The options the completion offers for that command
# (_remaster_options is defined once _remaster has run: the file is its
# autoloaded body).
options_of() { zsh_in "complete_line 'remaster ' >/dev/null; _remaster_options $*"; }

# shellcheck source=completion_cases.sh
. "$SRC/tests/unit/completion_cases.sh"
check "compinit registers _remaster for remaster" \
	test "$(zsh_in 'print -r -- "$_comps[remaster] $+functions[_remaster]"')" = "_remaster 1"
# A number is asked for: nothing to offer (zsh would otherwise offer files).
expect "remaster snapshot --jobs "
completion_cases
summary
