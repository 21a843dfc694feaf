#!/usr/bin/env bash
# Issue 12, items 7-9: what a hostile root or a kill -9 must not do.
# - An os-release that is a FIFO or a link to /dev/zero fails the plan at
#   once, naming the file (it used to hang, or grow memory until bad_alloc).
# - kill -9 during dracut: dracut dies with remaster, and the next run kills
#   what dracut started in the dead run's chroot before cleaning its mounts.
# - kill -9 of a --squashfs run: the next run removes its temporary output.
# - An unfinished snapshot (kill -9 before snapshot.info) is shown by `list`
#   and `verify`; `verify` fails when it checked nothing.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
need_root
need_cmds losetup partx pgrep timeout
# shellcheck source=../vm/lib/stick.sh
. "$REPO_DIR/tests/vm/lib/stick.sh"
REMASTER=$BUILD_DIR/remaster
ROOT=$("$REPO_DIR/tests/vm/lib/debian-root.sh")
make_tmpdir work remaster-reads
export REMASTER_RUNTIME_DIR=$work/run
push_cleanup stick_release_all
# Whatever the test leaves, undo it (in case recovery itself fails).
push_cleanup bash -c "grep -F ' $work/run/' /proc/self/mountinfo | awk '{print \$5}' | sort -r | xargs -r -n1 umount -l"
push_cleanup bash -c "losetup -nl -O NAME,BACK-FILE | awk -v w='$work/' 'index(\$2, w) == 1 {print \$1}' | xargs -r -n1 losetup -d"

# args: dir. Prints how many processes have their root directory below dir.
rooted_below() {
  local n=0 p r
  for p in /proc/[0-9]*; do
    r=$(readlink "$p/root" 2>/dev/null) || continue
    [[ $r == "$1"/* ]] && n=$((n + 1))
  done
  echo "$n"
}
# A tiny tree: any run cleans up after killed runs first; this one is quick.
mkdir -p "$work/tree"
echo x >"$work/tree/x"
next_run() { "$REMASTER" snapshot --root "$work/tree" --squashfs "$work/x.sqfs" 2>&1; }
kill_run() {
  kill -9 "$1"
  wait "$1" 2>/dev/null || :
}

# --- os-release that cannot be read as a file --------------------------------
mkdir -p "$work/fifo/etc" "$work/zero/etc" "$work/zero/dev"
mkfifo "$work/fifo/etc/os-release"
# The absolute link resolves inside the root: give the root its own /dev/zero.
mknod "$work/zero/dev/zero" c 1 5
ln -s /dev/zero "$work/zero/etc/os-release"
for kind in fifo zero; do
  for mode in --dry-run --yes; do
    rc=0
    out=$(timeout 20 "$REMASTER" snapshot --root "$work/$kind" --to "$work/$kind.img" "$mode" 2>&1) || rc=$?
    check "$kind os-release: snapshot --to $mode fails with the bad-input code (rc $rc)" test "$rc" -eq 3
    check "$kind os-release: $mode names the file" grep -q "'/etc/os-release' in the root '$work/$kind' is a" <<<"$out"
  done
  check "$kind os-release: no image was written" test ! -e "$work/$kind.img"
done
check "the FIFO is called a FIFO" grep -q "is a FIFO, not a regular file" <<<"$(timeout 20 "$REMASTER" snapshot \
  --root "$work/fifo" --to "$work/fifo.img" --dry-run 2>&1 || :)"
# --squashfs takes any tree and never reads os-release: a FIFO is content.
rc=0
timeout 20 "$REMASTER" snapshot --root "$work/fifo" --squashfs "$work/fifo.sqfs" >/dev/null 2>&1 || rc=$?
check "fifo os-release: snapshot --squashfs does not hang (rc $rc)" test "$rc" -eq 0

# --- kill -9 during dracut -------------------------------------------------------
# The root seen through an overlay whose cpio waits before it packs: dracut
# compresses nothing itself (--compress cat), so its packing lasts a moment,
# and on a busy machine a test polling for it can miss it altogether.
mkdir -p "$work/slow/upper/usr/bin" "$work/slow/work" "$work/slow/root"
cp "$ROOT/usr/bin/cpio" "$work/slow/upper/usr/bin/cpio.real"
printf '#!/bin/sh\nsleep 300\nexec /usr/bin/cpio.real "$@"\n' >"$work/slow/upper/usr/bin/cpio"
chmod 755 "$work/slow/upper/usr/bin/cpio"
mount -t overlay overlay -o "lowerdir=$ROOT,upperdir=$work/slow/upper,workdir=$work/slow/work" "$work/slow/root"
push_cleanup umount -l "$work/slow/root"
"$REMASTER" snapshot --root "$work/slow/root" --to "$work/dracut.img" --yes -v --no-cache 2>"$work/log.dracut" &
pid=$!
dracut_pid=
for _ in $(seq 3000); do
  for p in $(pgrep -x dracut || :); do
    [[ $(readlink "/proc/$p/root" 2>/dev/null) == "$work/run/$pid"/* ]] && dracut_pid=$p
  done
  [[ -n $dracut_pid ]] && break
  sleep 0.1
done
check "dracut ran in the view of the run" test -n "$dracut_pid"
# Kill when dracut packs the image: cpio and its compressor are dracut's
# children, which PR_SET_PDEATHSIG does not reach; left alone they would go on.
packing() {
  ps -e -o pgid=,comm= | awk -v g="$dracut_pid" '$1 == g && $2 ~ /^(cpio|dracut-cpio|cat|zstd|gzip|pigz|xz|lz4)$/ {f = 1} END {exit !f}'
}
for _ in $(seq 1500); do
  packing && break
  sleep 0.1
done
check "dracut started cpio or a compressor" packing
kill_run "$pid"
check "dracut died with remaster" bash -c "for _ in \$(seq 50); do kill -0 $dracut_pid 2>/dev/null || exit 0; sleep 0.1; done; exit 1"
left=$(rooted_below "$work/run/$pid")
echo "processes left running in the dead run's view: $left"
out=$(next_run)
check "the next run cleaned up after the dracut run" grep -q "Cleaning up after a killed run (pid $pid)" <<<"$out"
check "no process is left in the dead run's view" test "$(rooted_below "$work/run/$pid")" -eq 0
check "no process is left in dracut's process group" bash -c "! pgrep -g '$dracut_pid' >/dev/null"
if ((left > 0)); then
  check "the next run says it killed them" grep -q "left running" <<<"$out"
fi
check "its runtime directory is removed" test ! -e "$work/run/$pid"
check "its temporary image is removed" test -z "$(find "$work" -maxdepth 1 -name ".dracut.img.remaster-$pid.tmp")"

# --- kill -9 of a --squashfs run ---------------------------------------------------
"$REMASTER" snapshot --root "$ROOT" --squashfs "$work/out.sqfs" -v 2>"$work/log.sqfs" &
pid=$!
for _ in $(seq 1200); do grep -q "Squashing" "$work/log.sqfs" && break; sleep 0.1; done
kill_run "$pid"
check "the killed --squashfs run left its temporary output" test -f "$work/.out.sqfs.remaster-$pid.tmp"
out=$(next_run)
check "the next run cleaned up after the --squashfs run" grep -q "Cleaning up after a killed run (pid $pid)" <<<"$out"
check "its temporary output is removed" test ! -e "$work/.out.sqfs.remaster-$pid.tmp"
check "no final output was created" test ! -e "$work/out.sqfs"

# --- an unfinished snapshot on a stick -----------------------------------------------
stick=$work/stick.img
"$REMASTER" snapshot --root "$ROOT" --to "$stick" --yes >"$work/log.stick" 2>&1
# A second, complete snapshot killed before its snapshot.info is written.
"$REMASTER" snapshot --root "$ROOT" --to "$stick" --full --yes -v 2>"$work/log.full" &
pid=$!
for _ in $(seq 1200); do grep -q "Squashing" "$work/log.full" && break; sleep 0.1; done
kill_run "$pid"
out=$("$REMASTER" list --on "$stick" 2>&1)
echo "$out"
check "list shows the unfinished snapshot" grep -Eq "^  [0-9]{8}-[0-9]{6}(-[0-9]+)? .*unfinished \(an interrupted run\), [0-9.]+ [KMG]?i?B" <<<"$out"
check "list says the next snapshot --to removes it" grep -q "the next snapshot --to removes it" <<<"$out"
rc=0
out=$("$REMASTER" verify --on "$stick" 2>&1) || rc=$?
check "verify passes with one finished snapshot (rc $rc)" test "$rc" -eq 0
check "verify names the unfinished one" grep -q ": unfinished" <<<"$out"
# Now the finished one loses its snapshot.info too: nothing is left to check.
stick_mount "$stick" "$work/mnt" rw
rm "$work/mnt"/remaster/*/snapshot.info
stick_umount "$work/mnt"
rc=0
out=$("$REMASTER" verify --on "$stick" 2>&1) || rc=$?
echo "$out"
check "verify fails when it checked nothing (rc $rc)" test "$rc" -eq 1
check "verify says nothing was verified" grep -q "Nothing on '$stick' was verified" <<<"$out"
summary
