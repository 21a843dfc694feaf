#!/bin/bash
# Runs one QEMU guest to its end, as boot_image and boot_direct do, and
# boots it once more when its virtual CPUs locked up: under TCG on a loaded
# host a guest kernel now and then reports soft lockups on every CPU (an
# idle CPU and one in the middle of a system call, stuck for minutes) and
# never gets on; that is the emulator, not the system under test, and it
# would otherwise cost the whole timeout and fail the test. The retry says
# so on stderr and keeps the first console log beside the new one
# (LOG.lockup). A boot that writes its disks (REMASTER_VM_WRITE=1) is not
# repeated: its first attempt may have changed them. Source this file.
#
#   run_guest LOG TIMEOUT QEMU-ARGV...   exit status: QEMU's, 124/137 on timeout

# args: log timeout argv...; 3 when the guest's CPUs locked up
_guest_once() {
	local log=$1 timeout=$2 pid
	shift 2
	: >"$log"
	timeout --kill-after=10 "$timeout" "$@" </dev/null >>"$log.qemu" 2>&1 &
	pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		sleep 2
		# Two reports: a single one can clear up.
		if (($(grep -ac 'watchdog: BUG: soft lockup - CPU' "$log") >= 2)); then
			kill "$pid" 2>/dev/null
			wait "$pid" 2>/dev/null
			return 3
		fi
	done
	wait "$pid"
}

run_guest() {
	local log=$1 timeout=$2 rc
	shift 2
	_guest_once "$log" "$timeout" "$@"
	rc=$?
	if [[ $rc -eq 3 && "${REMASTER_VM_WRITE:-0}" != 1 ]]; then
		echo "run_guest: the guest's CPUs locked up (soft lockups under TCG; console in $log.lockup); booting it once more" >&2
		mv "$log" "$log.lockup"
		_guest_once "$log" "$timeout" "$@"
		rc=$?
	fi
	[[ $rc -ne 3 ]] || echo "run_guest: the guest's CPUs locked up again; giving up" >&2
	return $rc
}
