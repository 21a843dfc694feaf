#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# A/B: a second (complete) snapshot onto a stick, cut off by SIGINT while it
# is being squashed, leaves the first snapshot as the default and
# booting; the next run adds the second (a layer on the first) and the stick
# boots that one.

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib/vm.sh
. "$HERE/lib/vm.sh"

WORK=$(mktemp -d "${REMASTER_TEST_TMP:-/var/tmp}/remaster-vm-ab.XXXXXX")
cleanup() {
	release_below "$WORK"
	rm -rf --one-file-system "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# args: none. Prints the default entry id, then how many snapshots there are.
stick_state() {
	with_stick "$IMAGE" "$WORK/d" sh -c \
		"sed -n 's/^set default=//p' boot/grub/grub.cfg; find remaster -mindepth 1 -maxdepth 1 -name '2*' | wc -l"
}

ROOT=$("$HERE/lib/debian-root.sh") || { fail "building the Debian root"; summary; exit 1; }
IMAGE=$WORK/stick.img
"$REMASTER_BIN" snapshot --root "$ROOT" --to "$IMAGE" --kernel-args "console=ttyS0,115200" --yes --quiet ||
	fail "first snapshot"
first=$(stick_state)

sleep 1
"$REMASTER_BIN" snapshot --root "$ROOT" --to "$IMAGE" --kernel-args "console=ttyS0,115200" --full --yes -v 2>"$WORK/second.log" &
pid=$!
for _ in $(seq 1200); do grep -q "Squashing" "$WORK/second.log" && break; sleep 0.1; done
kill -INT "$pid"
wait "$pid"
rc=$?
expect "second snapshot interrupted (exit 130, got $rc)" test "$rc" -eq 130
expect "menu and snapshots as before the cut-off run" test "$(stick_state)" = "$first"

if boot_image "$IMAGE" bios "$WORK/boot1.log" "${REMASTER_VM_TIMEOUT:-300}"; then
	ok "the first snapshot still boots: $(proof_line "$WORK/boot1.log")"
else
	fail "the first snapshot does not boot after the cut-off run"
	tail -n 30 "$WORK/boot1.log" | tr -d '\r'
fi

"$REMASTER_BIN" snapshot --root "$ROOT" --to "$IMAGE" --kernel-args "console=ttyS0,115200" --yes --quiet ||
	fail "third run"
expect "the next run adds the second snapshot" test "$(stick_state | tail -n 1)" -eq 2
if boot_image "$IMAGE" uefi "$WORK/boot2.log" "${REMASTER_VM_TIMEOUT:-300}"; then
	ok "the stick boots its new snapshot: $(proof_line "$WORK/boot2.log")"
else
	fail "the stick does not boot after the second snapshot"
	tail -n 30 "$WORK/boot2.log" | tr -d '\r'
fi

summary
