#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# `remaster boot-test` (docs/boot.md): it says a good stick boots, says why
# a broken one does not, and boots a chosen menu entry through GRUB itself.
#
# One stick, from the cached Debian root (lib/debian-root.sh) seen through an
# overlay that masks the test root's remaster-proof.service (it powers the
# system off before systemd could call it up). The stick is made without
# console=ttyS0: boot-test adds it through the grubenv of its view, and the
# kernel's "Command line:" on the serial console shows it did. Three boots,
# each of a broken copy, TCG (REMASTER_BOOT_TEST_ACCEL=tcg: KVM hangs guests
# on these machines):
#   1  a copy without its filesystem.squashfs: exit 1, the module's reason,
#      and the kernel's console on the serial port (boot-test added it)
#   2  a copy whose menu names a wrong UUID: exit 1, the reason
#   3  --entry check of a copy with one byte of its squashfs changed: exit 1,
#      the reason
# boot-test's verdict for a stick that comes up, through a chosen entry and
# without writing the stick, is shown by test_boot_options.sh (persistence
# entries) and test_boot_iso.sh (ram, check); the suite's time is better
# spent than booting the same thing again.
# Copies are changed through a read-write mount of the copy (lib/stick.sh);
# boot-test itself never writes a stick, and the test checks that too.
#
# Needs root, loop devices, qemu-system-x86_64, qemu-img, qemu-io,
# build/remaster. REMASTER_VM_TIMEOUT (s, default 600) bounds each boot;
# REMASTER_TEST_IMAGE=IMG reuses a stick made by an earlier run.

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib/vm.sh
. "$HERE/lib/vm.sh"

# Boots under TCG on a loaded 2-core machine have taken more than 300 s.
TIMEOUT=${REMASTER_VM_TIMEOUT:-600}
export REMASTER_BOOT_TEST_ACCEL=tcg
BAD_UUID=00000000-0000-4000-8000-000000000000

make_work boot-test

# args: source root, dir. Prints a root under dir: the source through an
# overlay that masks remaster-proof.service.
make_test_root() {
	local src=$1 dir=$2
	mkdir -p "$dir/upper/etc/systemd/system" "$dir/work" "$dir/root"
	ln -s /dev/null "$dir/upper/etc/systemd/system/remaster-proof.service"
	mount -t overlay -o "lowerdir=$src,upperdir=$dir/upper,workdir=$dir/work" remaster-test-root "$dir/root" || return 1
	echo "$dir/root"
}

# args: name image [boot-test args...]. Runs boot-test; its output in
# $WORK/NAME.out, the console in $WORK/NAME.log; sets RC.
boot_test() {
	local name=$1 image=$2 start=$SECONDS
	shift 2
	"$REMASTER_BIN" boot-test --on "$image" --firmware bios --timeout "$TIMEOUT" \
		--log "$WORK/$name.log" "$@" >"$WORK/$name.out" 2>&1
	RC=$?
	echo "boot $name ($((SECONDS - start)) s, exit $RC):"
	sed 's/^/  > /' "$WORK/$name.out"
}

# args: description file pattern. The file has a line matching the regex.
expect_in() {
	if grep -aqE -- "$3" "$2"; then ok "$1"; else fail "$1: no '$3' in $2"; fi
}

# --- the stick ----------------------------------------------------------------
if [[ -n "${REMASTER_TEST_IMAGE:-}" ]]; then
	IMAGE=$REMASTER_TEST_IMAGE
	echo "reusing the stick $IMAGE"
else
	ROOT=$("$HERE/lib/debian-root.sh") || { fail "building the Debian root"; summary; exit; }
	TROOT=$(make_test_root "$ROOT" "$WORK/troot") || { fail "test root overlay"; summary; exit; }
	IMAGE=$WORK/stick.img
	start=$SECONDS
	if "$REMASTER_BIN" snapshot --root "$TROOT" --to "$IMAGE" --yes --quiet && [[ -s "$IMAGE" ]]; then
		ok "stick made ($((SECONDS - start)) s)"
	else
		fail "stick made"
		summary
		exit
	fi
	umount "$TROOT"
fi
if stick_mount "$IMAGE" "$WORK/mnt" ro; then
	SNAPDIR=$(grep -o -m 1 'rd.remaster.dir=[^ ]*' "$WORK/mnt/boot/grub/grub.cfg" | cut -d= -f2)
	expect "the stick has a 1024-byte grubenv" test "$(stat -c %s "$WORK/mnt/boot/grub/grubenv")" -eq 1024
	stick_umount "$WORK/mnt"
else
	fail "mounting the stick"
	summary
	exit
fi
echo "snapshot directory: $SNAPDIR"

# args: copy, sed expression (on grub.cfg), "rm" (no squashfs) or "flip" (one
# byte of the squashfs changed). A copy of the stick, changed.
changed_copy() {
	local copy=$1 change=$2
	cp --sparse=always "$IMAGE" "$copy" && stick_mount "$copy" "$WORK/cmnt" rw || return 1
	local sq=$WORK/cmnt$SNAPDIR/filesystem.squashfs off byte
	if [[ $change == rm ]]; then
		rm "$sq"
	elif [[ $change == flip ]]; then
		# One byte in the middle inverted: the size stays, the checksum does not.
		off=$(($(stat -c %s "$sq") / 2))
		byte=$(od -An -tu1 -j "$off" -N1 "$sq" | tr -d ' ')
		printf '%b' "\\0$(printf '%03o' $((byte ^ 255)))" | dd of="$sq" bs=1 seek="$off" conv=notrunc status=none
	else
		sed -i "$change" "$WORK/cmnt/boot/grub/grub.cfg"
	fi
	local rc=$?
	stick_umount "$WORK/cmnt"
	return $rc
}

# --- 1: no squashfs -------------------------------------------------------------
if changed_copy "$WORK/nosquash.img" rm; then
	boot_test nosquash "$WORK/nosquash.img"
	expect "a stick without its squashfs fails: exit 1" test "$RC" -eq 1
	expect_in "the verdict gives the module's reason" "$WORK/nosquash.out" 'FAILED after [0-9]+ s: .*remaster: .*filesystem.squashfs'
	expect_in "the last console lines follow" "$WORK/nosquash.out" '^  \| '
	expect_in "the kernel's console is on the serial port (remaster_extra_args)" "$WORK/nosquash.log" 'Command line:.*console=ttyS0,115200'
	rm -f "$WORK/nosquash.img"
else
	fail "a copy without filesystem.squashfs"
fi

# --- 2: a wrong UUID in the kernel arguments ----------------------------------------
# rd.remaster.timeout=10: the initramfs gives up on the missing stick soon.
if changed_copy "$WORK/baduuid.img" "s/rd\.remaster\.uuid=[0-9a-fA-F-]*/rd.remaster.uuid=$BAD_UUID rd.remaster.timeout=10/g"; then
	boot_test baduuid "$WORK/baduuid.img"
	expect "a stick whose entries name a wrong UUID fails: exit 1" test "$RC" -eq 1
	expect_in "the verdict gives the module's reason" "$WORK/baduuid.out" "FAILED after [0-9]+ s: .*Warning: remaster: no filesystem with UUID $BAD_UUID"
	rm -f "$WORK/baduuid.img"
else
	fail "a copy with a wrong UUID"
fi

# --- 3: the check entry of a damaged stick, through GRUB -------------------------
if changed_copy "$WORK/bad.img" flip; then
	boot_test checkbad "$WORK/bad.img" --entry check
	expect "--entry check of a changed squashfs fails: exit 1" test "$RC" -eq 1
	expect_in "the verdict gives the reason" "$WORK/checkbad.out" 'FAILED after [0-9]+ s: .*filesystem\.squashfs is corrupted'
	rm -f "$WORK/bad.img"
else
	fail "a copy with a changed squashfs"
fi

summary
