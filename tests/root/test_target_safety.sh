#!/usr/bin/env bash
# Issue 5: bad targets are refused before a byte is written (all problems at
# once, first MiB unchanged), a good loop device works, SIGINT at five moments
# of `snapshot --to` leaves no mount, loop device or temporary image, and a
# second snapshot cut off half way leaves the first one in the menu, intact.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
need_root
need_cmds losetup mkswap swapon sfdisk mkfs.ext4 partx sha256sum
# shellcheck source=../vm/lib/stick.sh
. "$REPO_DIR/tests/vm/lib/stick.sh"
REMASTER=$BUILD_DIR/remaster
ROOT=$("$REPO_DIR/tests/vm/lib/debian-root.sh")

make_tmpdir work remaster-safety

# args: variable size; a new loop device over a sparse file with random
# first MiB, detached at exit.
new_loop() {
  local f dev
  f=$(mktemp "$work/disk.XXXXXX")
  truncate -s "$2" "$f"
  head -c 1048576 /dev/urandom | dd of="$f" conv=notrunc status=none
  dev=$(losetup --find --show "$f")
  push_cleanup losetup -d "$dev"
  printf -v "$1" '%s' "$dev"
}
first_mib() { head -c 1048576 "$1" | sha256sum; }

# args: device expected-message-part [remaster args...]: refused, nothing written.
refused() {
  local dev=$1 msg=$2 before out rc=0
  shift 2
  before=$([[ -e $dev ]] && first_mib "$dev")
  out=$("$REMASTER" snapshot --root "${SOURCE:-$ROOT}" --to "$dev" "$@" </dev/null 2>&1) || rc=$?
  ((rc != 0)) || { echo "accepted: $out"; return 1; }
  grep -q -- "$msg" <<<"$out" || { echo "message lacks '$msg': $out"; return 1; }
  [[ ! -e $dev ]] || [[ $before == "$(first_mib "$dev")" ]] || { echo "first MiB of $dev changed"; return 1; }
}

# 1. The disk the source root lives on.
new_loop src_dev 1G
mkfs.ext4 -q -E lazy_itable_init=0,lazy_journal_init=0 "$src_dev"
mkdir "$work/src"
mount "$src_dev" "$work/src"
mkdir -p "$work/src/root"
cp -a "$ROOT/etc" "$work/src/root/"
umount "$work/src"
# Read-only from here: the filesystem's own writeback must not look like ours.
mount -o ro "$src_dev" "$work/src"
push_cleanup umount "$work/src"
SOURCE=$work/src/root check "refuses the source root's own disk" refused "$src_dev" "is mounted on $work/src" --yes

# 2. A disk with a mounted partition.
new_loop part_dev 512M
printf 'size=100MiB\n' | sfdisk -q "$part_dev" 2>/dev/null
partx -a "$part_dev" 2>/dev/null || :
mkfs.ext4 -q "${part_dev}p1"
mkdir "$work/part"
mount "${part_dev}p1" "$work/part"
push_cleanup umount "$work/part"
check "refuses a disk with a mounted partition" refused "$part_dev" "is mounted on $work/part" --yes

# 3. Active swap.
new_loop swap_dev 256M
mkswap -q "$swap_dev"
swapon "$swap_dev"
push_cleanup swapoff "$swap_dev"
check "refuses active swap" refused "$swap_dev" "is active swap" --yes

# 4. Too small for the snapshot.
new_loop small_dev 40M
check "refuses a too small disk" refused "$small_dev" "too small" --yes

# 5. No confirmation possible: no --yes and no terminal.
new_loop ok_dev 2G
check "refuses without confirmation" refused "$ok_dev" "without confirmation"

# 6. A device that does not exist.
check "refuses a nonexistent device" refused /dev/remaster-no-such-disk "does not exist" --yes

# A good loop device works.
check "a good loop device becomes a stick" "$REMASTER" snapshot --root "$ROOT" --to "$ok_dev" --yes --quiet
check "the stick's data partition is ext4 labelled REMASTER" \
  bash -c "[[ \$(blkid -p -s LABEL -o value ${ok_dev}p3) == REMASTER ]]"

# SIGINT at five moments of a run.
leftovers() {  # args: pid; prints what that run left behind
  grep -F " /run/remaster/$1/" /proc/self/mountinfo | awk '{print "mount " $5}' || :
  test ! -e "/run/remaster/$1" || echo "/run/remaster/$1"
  losetup -a | grep -F "$work/int" || :
  find "$work" -maxdepth 1 -name '.*.remaster-*' || :
}
for phase in "Scanning" "Partitioning" "Squashing" "Building the initramfs" "Installing GRUB"; do
  log=$work/int.log
  : >"$log"
  # --no-cache: dracut must run, to be interrupted.
  "$REMASTER" snapshot --root "$ROOT" --to "$work/int.img" --yes -v --no-cache 2>"$log" &
  pid=$!
  for _ in $(seq 600); do grep -q "$phase" "$log" && break; sleep 0.1; done
  kill -INT "$pid"
  rc=0
  wait "$pid" || rc=$?
  check "SIGINT while '$phase': exit 130" test "$rc" -eq 130
  check "SIGINT while '$phase': nothing left" test -z "$(leftovers "$pid")"
  check "SIGINT while '$phase': no image" test ! -e "$work/int.img"
done

# A second snapshot cut off half way leaves the first one bootable.
stick=$work/ab.img
"$REMASTER" snapshot --root "$ROOT" --to "$stick" --yes --quiet
first_state() {  # the menu's default and kernel lines, the snapshots, their files' hashes
  with_stick "$stick" "$work/ab" sh -c \
    "grep -E '^set default|linux ' boot/grub/grub.cfg; ls remaster; find remaster -type f -exec sha256sum {} + | sort"
}
before=$(first_state)
sleep 1  # a new snapshot id
"$REMASTER" snapshot --root "$ROOT" --to "$stick" --full --yes -v 2>"$work/ab.log" &
pid=$!
for _ in $(seq 600); do grep -q "Squashing" "$work/ab.log" && break; sleep 0.1; done
kill -INT "$pid"
wait "$pid" || :
check "cut-off second snapshot: the stick is as before" test "$before" = "$(first_state)"
"$REMASTER" snapshot --root "$ROOT" --to "$stick" --yes --quiet
menu_snapshots() { first_state | grep -o 'rd.remaster.dir=/remaster/[0-9-]*' | sort -u | wc -l; }
check "a later run adds the snapshot and keeps the first in the menu" test "$(menu_snapshots)" -eq 2
summary
