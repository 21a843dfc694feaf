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
# args: line, expected completions (all of them, in any order)
expect() {
	local line=$1 got want
	shift
	got=$(complete_line "$line")
	want=$(printf '%s\n' "$@" | sort)
	if [[ $got == "$want" ]]; then
		passed=$((passed + 1)) && echo "PASS: '$line' -> $*"
	else
		failed=$((failed + 1)) && echo "FAIL: '$line' -> $* (got: $(tr '\n' ' ' <<<"$got"))"
	fi
}
# args: line, one completion that must be among them
expect_some() {
	if complete_line "$1" | grep -qxF -- "$2"; then
		passed=$((passed + 1)) && echo "PASS: '$1' offers $2"
	else
		failed=$((failed + 1)) && echo "FAIL: '$1' offers $2 (got: $(complete_line "$1" | tr '\n' ' '))"
	fi
}

check "compinit registers _remaster for remaster" \
	test "$(zsh_in 'print -r -- "$_comps[remaster] $+functions[_remaster]"')" = "_remaster 1"
expect "remaster sn" snapshot
expect "remaster profile " add list remove reset
expect "remaster profile add --" --on --help
expect "remaster snapshot --mo" --mode
expect "remaster snapshot --mode c" clean
expect "remaster snapshot --secure-boot " auto off require
expect "remaster boot-test --firmware uefi" uefi uefi-secure
expect "remaster boot-test --accel " kvm tcg
expect "remaster snapshot --jobs " 
expect_some "remaster snapshot --compress " zstd:3
expect_some "remaster snapshot --default-boot " persist
mkdir -p "$work/root/lib/modules/6.1.0-9-amd64"
expect "remaster snapshot --root $work/root --kernel " 6.1.0-9-amd64 all newest
: >"$work/live.iso"
expect "remaster snapshot --iso $work/li" "$work/live.iso"
expect "remaster snapshot --root $work/ro" "$work/root"
disk=$(lsblk -dpno NAME | grep -v '^/dev/\(loop\|sr\|zram\|ram\)' | head -n 1)
if [[ -n $disk ]]; then
	expect_some "remaster verify --on /dev/" "$disk"
else
	failed=$((failed + 1)) && echo "FAIL: this machine shows no disk to complete --on with"
fi

# The option lists against --help, command by command (_remaster_options is
# defined once _remaster has run: the file is its autoloaded body).
while IFS=$'\t' read -r cmd options; do
	cmdwords=${cmd#remaster}
	cmdwords=${cmdwords# }
	ours=$(zsh_in "complete_line 'remaster ' >/dev/null; _remaster_options $cmdwords" | tr -s ' \t\n' '\n' |
		grep -vx -e '' -e -h -e --help | sort)
	theirs=$(tr ' ' '\n' <<<"$options" | grep -v '^$' | sort)
	if [[ $ours == "$theirs" ]]; then
		passed=$((passed + 1)) && echo "PASS: '$cmd' completes exactly its --help options"
	else
		failed=$((failed + 1))
		echo "FAIL: '$cmd' completes exactly its --help options:"
		diff <(echo "$theirs") <(echo "$ours") | sed -n 's/^</  only in --help:/p; s/^>/  only in the completion:/p'
	fi
done < <(python3 "$SRC/tests/unit/help_agreement.py" list "$BIN")
summary
