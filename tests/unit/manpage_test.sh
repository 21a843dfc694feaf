#!/bin/bash
# remaster(8): the man page renders without a warning, and it documents
# exactly the options each command's --help lists, in that command's section
# (tests/unit/help_agreement.py). No root needed.
#   bash tests/unit/manpage_test.sh   (run by scripts/test.sh, unit tier)
set -uo pipefail
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BIN=${REMASTER_BIN:-$SRC/build/remaster}
PAGE=$SRC/docs/remaster.8
# shellcheck source=checks.sh
. "$SRC/tests/unit/checks.sh"
warnings=$(groff -man -Tutf8 -ww -z "$PAGE" 2>&1)
check "groff renders the page without a warning" test -z "$warnings"
[[ -z $warnings ]] || echo "$warnings"
rendered=$(MANWIDTH=80 man -l "$PAGE" 2>/dev/null)
check "man renders it with its sections" \
	bash -c 'grep -q "^NAME" <<<"$1" && grep -q "^EXIT STATUS" <<<"$1" && grep -q "^EXAMPLES" <<<"$1"' _ "$rendered"
check "every option of every command's --help is in its section, and no other" \
	python3 "$SRC/tests/unit/help_agreement.py" man "$BIN" "$PAGE"
# The checker must see a disagreement: the page without --no-cache.
check "... and a page missing an option is caught" \
	bash -c '! python3 "$1" man "$2" <(sed "s/no\\\\-cache/no\\\\-kache/" "$3") >/dev/null' _ \
	"$SRC/tests/unit/help_agreement.py" "$BIN" "$PAGE"
summary
