#!/usr/bin/env bash
# After kill -9 in the middle of `snapshot --to`, the dead run's mounts, loop
# device and half-written image are still there; the next run finds them by
# its runtime directory and the loop devices' tag, and cleans them up.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
need_root
need_cmds losetup
REMASTER=$BUILD_DIR/remaster
ROOT=$("$REPO_DIR/tests/vm/lib/debian-root.sh")
make_tmpdir work remaster-kill
export REMASTER_RUNTIME_DIR=$work/run
# Whatever the test leaves, undo it (in case recovery itself fails).
push_cleanup bash -c "grep -F ' $work/run/' /proc/self/mountinfo | awk '{print \$5}' | sort -r | xargs -r -n1 umount -l"
push_cleanup bash -c "losetup -nl -O NAME,BACK-FILE | awk -v w='$work/' 'index(\$2, w) == 1 {print \$1}' | xargs -r -n1 losetup -d"

"$REMASTER" snapshot --root "$ROOT" --to "$work/stick.img" --yes -v 2>"$work/log" &
pid=$!
for _ in $(seq 1200); do grep -q "Squashing" "$work/log" && break; sleep 0.1; done
kill -9 "$pid"
wait "$pid" 2>/dev/null || :

mounts() { grep -cF " $work/run/$pid/" /proc/self/mountinfo || :; }
loops() { losetup -nl -O BACK-FILE | grep -cF "$work/" || :; }
temps() { find "$work" -maxdepth 1 -name '.stick.img.remaster-*' | wc -l; }
check "the killed run left mounts" test "$(mounts)" -gt 0
check "the killed run left its loop device" test "$(loops)" -eq 1
check "the killed run left a partial image" test "$(temps)" -eq 1

# Any later run cleans up first; a small --squashfs run will do.
mkdir -p "$work/tree"
echo x >"$work/tree/x"
out=$("$REMASTER" snapshot --root "$work/tree" --squashfs "$work/x.sqfs" 2>&1)
check "the next run says it cleaned up" grep -q "Cleaning up after a killed run (pid $pid)" <<<"$out"
check "no mount of the killed run left" test "$(mounts)" -eq 0
check "its loop device is detached" test "$(loops)" -eq 0
check "its partial image is removed" test "$(temps)" -eq 0
check "its runtime directory is removed" test ! -e "$work/run/$pid"
check "no final image was ever created" test ! -e "$work/stick.img"
summary
