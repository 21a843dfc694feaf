# shellcheck shell=bash
# The cases both completion tests check, bash's (completion_test.sh) and
# zsh's (zsh_completion_test.sh): the same lines must complete the same way
# in either shell. Source it after defining
#   complete_line LINE       the completions of LINE, one per line, sorted
#   options_of CMDWORDS...   the options the completion offers for a command
# and with $work (a scratch directory), $BIN and $SRC set, and checks.sh's
# passed/failed counters.

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

# args: none. The lines, then every command's option list against its --help.
completion_cases() {
	expect "remaster sn" snapshot
	expect "remaster up" update
	expect "remaster update --dr" --dry-run
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
	local disk cmd options cmdwords ours theirs
	disk=$(lsblk -dpno NAME | grep -v '^/dev/\(loop\|sr\|zram\|ram\)' | head -n 1)
	if [[ -n $disk ]]; then
		expect_some "remaster verify --on /dev/" "$disk"
	else
		failed=$((failed + 1)) && echo "FAIL: this machine shows no disk to complete --on with"
	fi

	while IFS=$'\t' read -r cmd options; do
		cmdwords=${cmd#remaster}
		cmdwords=${cmdwords# }
		# shellcheck disable=SC2086 # the command words are split on purpose
		ours=$(options_of $cmdwords | tr -s ' \t\n' '\n' | grep -vx -e '' -e -h -e --help | sort)
		theirs=$(tr ' ' '\n' <<<"$options" | grep -v '^$' | sort)
		if [[ $ours == "$theirs" ]]; then
			passed=$((passed + 1)) && echo "PASS: '$cmd' completes exactly its --help options"
		else
			failed=$((failed + 1))
			echo "FAIL: '$cmd' completes exactly its --help options:"
			diff <(echo "$theirs") <(echo "$ours") | sed -n 's/^</  only in --help:/p; s/^>/  only in the completion:/p'
		fi
	done < <(python3 "$SRC/tests/unit/help_agreement.py" list "$BIN")
}
