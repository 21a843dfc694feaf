#!/usr/bin/env bash
# A stick with room for one snapshot: the second run fails with "no space"
# (exit 6) and says how to go on (--replace), and the first snapshot is left
# exactly as it was: same menu, files verified, nothing half-written on it.
# Then a device that fails under the second run (I/O errors from a loop
# device whose backing store runs out): the same promise.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
need_root
need_cmds losetup partx
# shellcheck source=../vm/lib/stick.sh
. "$REPO_DIR/tests/vm/lib/stick.sh"
REMASTER=$BUILD_DIR/remaster
ROOT=$("$REPO_DIR/tests/vm/lib/debian-root.sh")
make_tmpdir work remaster-full
stick=$work/stick.img

# Big enough for one snapshot of the test root, not for two complete ones
# (--full: a layer of the unchanged root would fit).
"$REMASTER" snapshot --root "$ROOT" --to "$stick" --yes --quiet --size 480M
"$REMASTER" list --on "$stick"
state() {  # the menu and the stick's file list
  with_stick "$stick" "$work/d" sh -c 'cat boot/grub/grub.cfg && find remaster | sort'
}
before=$(state)
sleep 1
out=$("$REMASTER" snapshot --root "$ROOT" --to "$stick" --full --yes 2>&1) && rc=0 || rc=$?
echo "second run: exit $rc, said: $(tail -n 3 <<<"$out")"
check "second snapshot on a full stick exits 6" test "$rc" -eq 6
check "the message says the stick is full" grep -q "No space left" <<<"$out"
check "the message says how to go on" grep -q -- "--replace" <<<"$out"
check "the stick is exactly as before" test "$before" = "$(state)"
check "the first snapshot still verifies" "$REMASTER" verify --on "$stick" --quiet
check "no loop device left" bash -c "! losetup -a | grep -qF '$stick'"

# I/O errors: a 2 GiB loop device backed by a file on a 560 MiB tmpfs.
mkdir "$work/backing"
mount -t tmpfs -o size=560m remaster-test-backing "$work/backing"
push_cleanup umount "$work/backing"
truncate -s 2G "$work/backing/disk.img"
dev=$(losetup --find --show "$work/backing/disk.img")
push_cleanup losetup -d "$dev"
push_cleanup partx -d "$dev"
"$REMASTER" snapshot --root "$ROOT" --to "$dev" --yes --quiet
check "the first snapshot fits" "$REMASTER" verify --on "$dev" --quiet
sleep 1
out=$("$REMASTER" snapshot --root "$ROOT" --to "$dev" --full --yes 2>&1) && rc=0 || rc=$?
echo "second run: exit $rc, said: $(tail -n 3 <<<"$out")"
check "a failing device stops the second run with an error" test "$rc" -ne 0
check "the error names what failed" grep -q "Failed to" <<<"$out"
listing=$("$REMASTER" list --on "$dev" 2>&1) || :
echo "$listing"
check "the first snapshot is still the only one" test "$(grep -c "^  2" <<<"$listing")" -eq 1
check "and it still verifies" "$REMASTER" verify --on "$dev" --quiet
summary
