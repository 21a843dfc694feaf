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

expect "remaster sn" snapshot
expect "remaster profile " add list remove reset
expect "remaster profile add --" --on --help
expect "remaster snapshot --mo" --mode
expect "remaster snapshot --mode c" clean
expect "remaster snapshot --secure-boot " auto off require
expect "remaster boot-test --firmware uefi" uefi uefi-secure
expect "remaster boot-test --accel " kvm tcg
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

# The option lists against --help, command by command.
while IFS=$'\t' read -r cmd options; do
	cmdwords=${cmd#remaster}
	cmdwords=${cmdwords# }
	# shellcheck disable=SC2086 # the command words are split on purpose
	ours=$(_remaster_options $cmdwords | tr -s ' \t\n' '\n' | grep -vx -e '' -e -h -e --help | sort)
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
