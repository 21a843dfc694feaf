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

# args: name. Makes the test's work directory $WORK under
# ${REMASTER_TEST_TMP:-/var/tmp} and arranges that, whatever happens, every
# stick mount, mount and loop device below it is released and it is removed
# (kept, and named, with KEEP_WORK=1). Needs lib/boot.sh and lib/stick.sh.
make_work() {
	WORK=$(mktemp -d "${REMASTER_TEST_TMP:-/var/tmp}/remaster-$1.XXXXXX")
	trap _release_work EXIT
	trap 'exit 130' INT TERM
}

_release_work() {
	stick_release_all
	release_below "$WORK"
	if [[ -n "${KEEP_WORK:-}" ]]; then
		echo "work directory kept: $WORK"
	else
		rm -rf --one-file-system "$WORK"
	fi
}

# args: source root, upper dir of an overlay on it. The test root's proof
# unit powers the machine off once it has printed its line (boots with
# -kernel end so); the copy put in the upper dir does so only without
# remaster.test.stay on the kernel command line, for boot-test, which waits
# for the live system's up line and stops QEMU itself.
proof_stays_on_for_boot_test() {
	local proof=/usr/local/sbin/remaster-proof
	mkdir -p "$2/usr/local/sbin" &&
		sed 's|^systemctl --no-block poweroff$|grep -qw remaster.test.stay /proc/cmdline \|\| systemctl --no-block poweroff|' \
			"$1$proof" >"$2$proof" &&
		grep -q remaster.test.stay "$2$proof" &&
		chmod 755 "$2$proof"
}

# args: upper dir, unit name, what it does, program, then [Unit] condition
# lines. A test-only oneshot unit for an overlay's upper dir over the test
# root, enabled: it runs after multi-user.target and before the proof unit,
# which powers the machine off once it has printed its line.
test_unit() {
	local name=$2 what=$3 program=$4 dir=$1/etc/systemd/system
	shift 4
	mkdir -p "$dir/multi-user.target.wants"
	{
		echo "# Test-only ($(basename "$0"))."
		printf '%s\n' "[Unit]" "Description=remaster test: $what" "$@" \
			After=multi-user.target Before=remaster-proof.service "" \
			"[Service]" Type=oneshot TimeoutStartSec=infinity "ExecStart=$program" "" \
			"[Install]" WantedBy=multi-user.target
	} >"$dir/$name.service"
	ln -sfn "../$name.service" "$dir/multi-user.target.wants/$name.service"
}
