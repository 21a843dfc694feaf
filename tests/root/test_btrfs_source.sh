#!/usr/bin/env bash
# A btrfs workstation as the source (Fedora's and openSUSE's default layout):
# / and /home are subvolumes mounted on their own, a nested subvolume
# (/var/lib/machines, as systemd makes it) sits inside the root one, and
# snapper's snapshots are mounted at /.snapshots. The view composes /home,
# the nested subvolume's files go in with their own contents even though
# their inode numbers are the root subvolume's again (an overlay reports one
# device for both, so hard links are told apart by the source's device),
# hard links stay hard links, and the snapshots are left out.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
need_root
need_cmds losetup mkfs.btrfs btrfs unsquashfs
grep -qw btrfs /proc/filesystems || modprobe btrfs 2>/dev/null || die "this kernel has no btrfs"
REMASTER=$BUILD_DIR/remaster
make_tmpdir work remaster-btrfs

truncate -s 512M "$work/disk.img"
mkfs.btrfs -q -f "$work/disk.img" >/dev/null 2>&1
dev=$(losetup --find --show "$work/disk.img")
push_cleanup losetup -d "$dev"
top=$work/top
mkdir -p "$top"
mount "$dev" "$top"
push_cleanup umount "$top"
btrfs -q subvolume create "$top/@"
btrfs -q subvolume create "$top/@home"
btrfs -q subvolume create "$top/@snapshots"
# The first inode made in each subvolume is 257 in both: the same number
# for two unrelated files, each with a second hard link.
echo "the root subvolume's file" >"$top/@/first"
mkdir -p "$top/@/etc" "$top/@/var/lib"
ln "$top/@/first" "$top/@/etc/first-link"
btrfs -q subvolume create "$top/@/var/lib/machines"
echo "the nested subvolume's file" >"$top/@/var/lib/machines/first"
ln "$top/@/var/lib/machines/first" "$top/@/var/lib/machines/first-link"
echo "UUID=1 / btrfs subvol=@ 0 0" >"$top/@/etc/fstab"
mkdir -p "$top/@home/ann" "$top/@snapshots/1/snapshot/etc"
echo "ann's notes" >"$top/@home/ann/notes"
head -c 4M /dev/urandom >"$top/@snapshots/1/snapshot/etc/old-copy"
check "precondition: both files have the same inode number" \
  test "$(stat -c %i "$top/@/first")" = "$(stat -c %i "$top/@/var/lib/machines/first")"

root=$work/root
mkdir -p "$root"
mount -o subvol=@ "$dev" "$root"
push_cleanup umount "$root"
mkdir -p "$root/home" "$root/.snapshots"
mount -o subvol=@home "$dev" "$root/home"
push_cleanup umount "$root/home"
mount -o subvol=@snapshots "$dev" "$root/.snapshots"
push_cleanup umount "$root/.snapshots"

plan=$("$REMASTER" snapshot --root "$root" --squashfs "$work/out.sqfs" --dry-run 2>&1)
check "dry run composes the /home subvolume" grep -q "/home  (own overlay" <<<"$plan"
check "dry run leaves snapper's snapshots out, saying why" grep -q "/.snapshots  (snapper's snapshots" <<<"$plan"

"$REMASTER" snapshot --root "$root" --squashfs "$work/out.sqfs" --quiet
cat_in() { unsquashfs -cat "$work/out.sqfs" "$1" 2>/dev/null; }
check "the root subvolume's file has its contents" test "$(cat_in etc/first-link)" = "the root subvolume's file"
check "the nested subvolume's file has its own contents, not the root's" \
  test "$(cat_in var/lib/machines/first)" = "the nested subvolume's file"
check "its second link too" test "$(cat_in var/lib/machines/first-link)" = "the nested subvolume's file"
check "the /home subvolume is in the image" test "$(cat_in home/ann/notes)" = "ann's notes"
list=$(unsquashfs -lln "$work/out.sqfs")
check "/.snapshots is an empty directory in the image" bash -c \
  "grep -q 'squashfs-root/.snapshots\$' <<<\"\$1\" && ! grep -q 'squashfs-root/.snapshots/' <<<\"\$1\"" _ "$list"

# Hard links are hard links in the image: mounted, each pair shares an inode.
mkdir -p "$work/sq"
mount -t squashfs -o ro,loop "$work/out.sqfs" "$work/sq"
push_cleanup umount "$work/sq"
ino() { stat -c %i "$work/sq/$1"; }
check "the root subvolume's hard links share an inode" test "$(ino first)" = "$(ino etc/first-link)"
check "the nested subvolume's hard links share an inode" \
  test "$(ino var/lib/machines/first)" = "$(ino var/lib/machines/first-link)"
check "the two files are two inodes" test "$(ino first)" != "$(ino var/lib/machines/first)"
summary
