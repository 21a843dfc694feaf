#!/bin/bash
# /etc/remaster.conf, through the program (REMASTER_CONFIG names a test copy):
# a value from the file takes effect, the command line overrides it, the
# exclusions of both add up, a bad line is an error (exit 3) naming the file
# and line, and the shipped example parses with every setting uncommented.
# Uses snapshot --dry-run of an empty directory: nothing is written.
#   bash tests/unit/config_test.sh   (run by scripts/test.sh, unit tier)
set -uo pipefail
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BIN=${REMASTER_BIN:-$SRC/build/remaster}
work=$(mktemp -d /tmp/remaster-config.XXXXXX) || exit 1
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/root"
# shellcheck source=checks.sh
. "$SRC/tests/unit/checks.sh"
plan() {  # args: config text, extra options...; prints the dry run's plan
	printf '%b' "$1" >"$work/remaster.conf"
	shift
	REMASTER_CONFIG=$work/remaster.conf "$BIN" snapshot --root "$work/root" --squashfs "$work/out.sqfs" --dry-run "$@" 2>&1
}

out=$(plan 'compress = xz:6\nexclude = /srv/big\n')
check "a value from the file takes effect" grep -q "compress:  xz:6," <<<"$out"
check "an exclusion from the file takes effect" grep -q "exclude /srv/big " <<<"$out"
out=$(plan 'compress = xz:6\nexclude = /srv/big\n' --compress lz4 --exclude /srv/other)
check "the command line overrides the file" grep -q "compress:  lz4," <<<"$out"
check "... and its exclusions add to the file's" \
	bash -c 'grep -q "exclude /srv/big " <<<"$1" && grep -q "exclude /srv/other " <<<"$1"' _ "$out"
out=$(plan '# comment\n\ncompresion = xz\n')
rc=$?
check "an unknown key is refused with exit 3" test "$rc" -eq 3
check "... naming the file and line" grep -qF "$work/remaster.conf:3: unknown key 'compresion'" <<<"$out"
out=$(plan 'compress = brotli\n')
rc=$?
check "a bad value is refused naming the line" \
	bash -c '[[ $1 -eq 3 ]] && grep -qF "remaster.conf:1: " <<<"$2"' _ "$rc" "$out"
check "nothing was written" test ! -e "$work/out.sqfs"
example=$(sed 's/^#\([a-z]\)/\1/' "$SRC/docs/remaster.conf")
out=$(plan "${example//\\/\\\\}\n")
rc=$?
check "the shipped example parses with every setting uncommented" test "$rc" -eq 0
[[ $rc -eq 0 ]] || echo "$out" | tail -n 3
summary
