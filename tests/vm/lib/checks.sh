# shellcheck shell=bash
# Pass/fail bookkeeping shared by the VM tests. Source it, report with ok,
# fail or expect, and end the test with `summary` (its status is the test's).

passed=0
failed=0
ok() { echo "ok: $*"; passed=$((passed + 1)); }
fail() { echo "FAIL: $*"; failed=$((failed + 1)); }
# args: description command... ok when the command succeeds.
expect() {
	local what=$1
	shift
	if "$@"; then ok "$what"; else fail "$what"; fi
}
# args: none. "N passed, M failed"; true when nothing failed.
summary() {
	echo "$passed passed, $failed failed"
	[[ $failed -eq 0 ]]
}
