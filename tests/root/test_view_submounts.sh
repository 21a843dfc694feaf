#!/usr/bin/env bash
# The view composes the filesystems that belong to the system (a separate
# /home on its own ext4) and leaves out the others (a tmpfs under /mnt, a bind
# mount of a subtree), as mounted below the snapshot root.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
need_root
need_cmds losetup mkfs.ext4 unsquashfs
REMASTER=$BUILD_DIR/remaster
make_tmpdir work remaster-submounts
root=$work/root
mkdir -p "$root"/{etc,home,mnt/usb,srv/bind,data}
echo "UUID=1 / ext4 defaults 0 1" >"$root/etc/fstab"
echo "under the home mount point" >"$root/home/hidden"

truncate -s 64M "$work/home.img"
mkfs.ext4 -q -F "$work/home.img"
dev=$(losetup --find --show "$work/home.img")
push_cleanup losetup -d "$dev"
mount "$dev" "$root/home"
push_cleanup umount "$root/home"
mkdir -p "$root/home/ann"
echo "ann's file" >"$root/home/ann/notes"
chmod 0750 "$root/home/ann"
chown 1000:1000 "$root/home/ann"
mount -t tmpfs remaster-test-usb "$root/mnt/usb"
push_cleanup umount "$root/mnt/usb"
echo "usb stick file" >"$root/mnt/usb/photo"
echo "data" >"$root/data/x"
mount --bind "$root/data" "$root/srv/bind"
push_cleanup umount "$root/srv/bind"

plan=$("$REMASTER" snapshot --root "$root" --squashfs "$work/out.sqfs" --dry-run 2>&1)
check "dry run composes /home" grep -q "/home  (own overlay" <<<"$plan"
check "dry run leaves the tmpfs out" grep -q "/mnt/usb  left out" <<<"$plan"
check "dry run leaves the bind mount out" grep -q "/srv/bind  left out: bind mount" <<<"$plan"

"$REMASTER" snapshot --root "$root" --squashfs "$work/out.sqfs" --quiet
list=$(unsquashfs -lln "$work/out.sqfs")
check "the separate /home is in the image" grep -q "squashfs-root/home/ann/notes" <<<"$list"
check "its owner and mode are kept" grep -qE "^drwxr-x--- 1000/1000 .* squashfs-root/home/ann$" <<<"$list"
check "what the /home mount hides is not" bash -c "! grep -q 'home/hidden' <<<\"\$1\"" _ "$list"
check "the tmpfs contents are left out" bash -c "! grep -q 'mnt/usb/photo' <<<\"\$1\"" _ "$list"
check "the bind-mounted subtree is not shipped twice" bash -c "! grep -q 'srv/bind/x' <<<\"\$1\"" _ "$list"
check "the mount points stay as directories" grep -q "squashfs-root/mnt/usb$" <<<"$list"
check "the source /home is unchanged" test "$(cat "$root/home/ann/notes")" = "ann's file"
summary
