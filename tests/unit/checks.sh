# check and summary for the unit tier's bash tests (manpage, completion,
# config). Source it; it counts into $passed and $failed.
# shellcheck shell=bash
passed=0 failed=0
check() {  # args: description command...; runs it, prints PASS or FAIL
	local what=$1
	shift
	if "$@"; then
		passed=$((passed + 1)) && echo "PASS: $what"
	else
		failed=$((failed + 1)) && echo "FAIL: $what"
	fi
}
summary() {  # prints "N passed, M failed"; status 1 if anything failed
	echo "$passed passed, $failed failed"
	((failed == 0))
}
