#!/usr/bin/env bash
# Issue 12, items 2 and 3: a target in use through stacked devices is refused
# (exit 5, the chain named, the mounted filesystem intact), and sticks are
# locked: of two concurrent runs onto one stick exactly one writes, `list`
# is refused while a writer runs, a reader's shared lock lets readers in and
# keeps writers out, and an image attached and mounted elsewhere is refused.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
need_root
need_cmds losetup sfdisk partx mkfs.ext4 e2fsck flock timeout
REMASTER=$BUILD_DIR/remaster
ROOT=$("$REPO_DIR/tests/vm/lib/debian-root.sh")
make_tmpdir work remaster-inuse

# args: variable backing [size]; a loop device over a backing file (created
# sparse when size is given) or device, detached at exit.
new_loop() {
  local dev
  [[ -z ${3:-} ]] || truncate -s "$3" "$2"
  dev=$(losetup --find --show "$2")
  push_cleanup losetup -d "$dev"
  printf -v "$1" '%s' "$dev"
}

# args: variable device; ext4 on it with a marker file, mounted read-write
# on a new directory (stored in variable), unmounted at exit.
mount_marked() {
  local dir
  dir=$(mktemp -d "$work/mnt.XXXXXX")
  mkfs.ext4 -q -F "$2"
  mount "$2" "$dir"
  push_cleanup umount "$dir"
  echo precious >"$dir/marker"
  printf -v "$1" '%s' "$dir"
}

# args: device dir; unmounts dir, then the filesystem on device must be clean
# and still hold the marker.
intact() {
  umount "$2" || return 1
  e2fsck -fn "$1" >"$work/fsck.log" 2>&1 || { cat "$work/fsck.log"; return 1; }
  mount -o ro "$1" "$2" || return 1
  [[ $(cat "$2/marker") == precious ]]
}

# args: status message-part command...; the command exits with that status
# (within a minute: a refusal is made at once) and says the message.
refused_with() {
  local want=$1 msg=$2 rc=0
  shift 2
  timeout 60 "$@" >"$work/out" 2>&1 </dev/null || rc=$?
  [[ $rc -eq $want ]] || { echo "exit $rc, not $want: $(cat "$work/out")"; return 1; }
  grep -qF -- "$msg" "$work/out" || { echo "message lacks '$msg': $(cat "$work/out")"; return 1; }
}
snap_to() { "$REMASTER" snapshot --root "$ROOT" --to "$1" --yes --quiet; }
SNAP_TO=("$REMASTER" snapshot --root "$ROOT" --yes --to)

# (a) The target backs a second loop device holding a mounted ext4.
new_loop l1 "$work/disk1" 2G
new_loop l2 "$l1"
mount_marked m2 "$l2"
check "a loop backed by the target, mounted: refused with exit 5 and the chain" \
  refused_with 5 "'$l2' (backed by $l1) is mounted on $m2" "${SNAP_TO[@]}" "$l1"
check "a loop backed by the target: its filesystem is intact" intact "$l2" "$m2"

# The same with the second loop device on a partition of the target.
new_loop l3 "$work/disk3" 2G
printf 'size=1GiB\n' | sfdisk -q "$l3" >/dev/null 2>&1
partx -a "$l3" 2>/dev/null || :
push_cleanup partx -d "$l3"
for _ in $(seq 50); do [[ -b ${l3}p1 ]] && break; sleep 0.1; done
new_loop l4 "${l3}p1"
mount_marked m4 "$l4"
table=$(head -c 1048576 "$l3" | sha256sum)
check "a loop backed by the target's partition, mounted: refused with exit 5 and the chain" \
  refused_with 5 "'$l4' (backed by ${l3}p1) is mounted on $m4" "${SNAP_TO[@]}" "$l3"
check "a loop backed by the target's partition: the partition table is unchanged" \
  test "$table" = "$(head -c 1048576 "$l3" | sha256sum)"
check "a loop backed by the target's partition: its filesystem is intact" intact "$l4" "$m4"

# The target mounted only in another mount namespace: mounted anywhere is in use.
new_loop l5 "$work/disk5" 2G
mkfs.ext4 -q -F "$l5"
mkdir "$work/ns"
unshare -m --propagation private sh -c "mount '$l5' '$work/ns' && touch '$work/ns.ready' && exec sleep 600" &
nspid=$!
push_cleanup kill "$nspid"  # the namespace, and its mount, end with it
for _ in $(seq 50); do [[ -e $work/ns.ready ]] && break; sleep 0.1; done
check "a target mounted in another mount namespace: refused with exit 5, naming it" \
  refused_with 5 "'$l5' is mounted on $work/ns (in the mount namespace of process $nspid (sleep))" "${SNAP_TO[@]}" "$l5"

# A stick image to run concurrently on.
stick=$work/stick.img
snap_to "$stick"
sleep 1  # a new snapshot id for the next run

# (d, shared) A reader's lock lets readers in and keeps writers out.
exec {reader}<"$stick"
flock -s "$reader"
check "list beside a reader's shared lock" "$REMASTER" list --on "$stick" --quiet
check "profile add is refused while a reader holds the stick (exit 5, names it)" \
  refused_with 5 "$$ (bash)" "$REMASTER" profile add --on "$stick" x
flock -u "$reader"
exec {reader}<&-

# (b) Two concurrent runs onto one stick: one writes, the other is refused
# naming the holder; (d) list is refused while the writer runs. The writer
# is stopped (SIGSTOP) as soon as it holds its lock, so the others meet it
# however fast this machine is; it is continued afterwards.
"${SNAP_TO[@]}" "$stick" --full --quiet >"$work/run1.log" 2>&1 &
writer=$!
# On a failure: continue it, interrupt it (it cleans up as on Ctrl-C), wait.
end_writer() { kill -CONT "$1" && kill -INT "$1" && wait "$1"; }
push_cleanup end_writer "$writer"
locked=0
for _ in $(seq 600); do
  flock -n -s "$stick" true || { locked=1; break; }
  kill -0 "$writer" 2>/dev/null || break
  sleep 0.05
done
kill -STOP "$writer"
check "the writer took its lock on the stick" test "$locked" -eq 1
check "a second run is refused with exit 5, naming the holder" \
  refused_with 5 "process $writer (remaster) holds a lock" "${SNAP_TO[@]}" "$stick" --full --quiet
check "list is refused while the writer runs (exit 5)" \
  refused_with 5 "process $writer (remaster) holds a lock on it to write it" "$REMASTER" list --on "$stick"
check "the writer was still running then" kill -0 "$writer"
kill -CONT "$writer"
other_rc=0
wait "$writer" || other_rc=$?
check "the writer wrote its snapshot (exit 0)" test "$other_rc" -eq 0
check "verify passes afterwards" "$REMASTER" verify --on "$stick" --quiet
check "exactly one snapshot was added" \
  test "$("$REMASTER" list --on "$stick" | grep -c '^  2')" -eq 2
check "it is a full one" grep -q "full snapshot" <<<"$("$REMASTER" list --on "$stick" | sed -n 3p)"

# (c) The stick image attached elsewhere, its data partition mounted there.
sdev=$(losetup --find --show "$stick")
push_cleanup losetup -d "$sdev"
partx -a "$sdev" 2>/dev/null || :
push_cleanup partx -d "$sdev"
for _ in $(seq 50); do [[ -b ${sdev}p3 ]] && break; sleep 0.1; done
ms=$(mktemp -d "$work/mnt.XXXXXX")
mount "${sdev}p3" "$ms"
push_cleanup umount "$ms"
chain="'${sdev}p3' (partition of $sdev, attached to"
check "snapshot --to an image mounted elsewhere: refused (exit 5)" refused_with 5 "$chain" "${SNAP_TO[@]}" "$stick"
check "profile add on it: refused (exit 5)" refused_with 5 "$chain" "$REMASTER" profile add --on "$stick" x
check "remove on it: refused (exit 5)" refused_with 5 "$chain" "$REMASTER" remove --on "$stick" 20000101-000000
check "list while it is mounted read-write elsewhere: refused (exit 5)" \
  refused_with 5 "$chain" "$REMASTER" list --on "$stick"
umount "$ms"
check "the stick's mounted filesystem passes e2fsck afterwards" e2fsck -fn "${sdev}p3"
mount -o ro "${sdev}p3" "$ms"
check "list beside a read-only mount elsewhere" "$REMASTER" list --on "$stick" --quiet
check "verify beside a read-only mount elsewhere" "$REMASTER" verify --on "$stick" --quiet
check "profile add beside a read-only mount elsewhere: refused (exit 5)" \
  refused_with 5 "$chain" "$REMASTER" profile add --on "$stick" x
summary
