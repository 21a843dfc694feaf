#!/usr/bin/env bash
# The running system as the source: every output path lies below `/`. Here a
# writable overlay copy of the test root stands for `/`, and the outputs are
# written into it: `--to COPY/out/stick.img`, `--to` an image on a separate
# ext4 mounted below the root (which the view composes), `--squashfs
# COPY/x.sqfs`, each over an existing file of that name. None of them may
# contain itself (final or temporary name);
# a disk under /media is left out of the view saying why; the rest of the
# source is unchanged.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
need_root
need_cmds losetup partx unsquashfs mkfs.ext4
# shellcheck source=../vm/lib/stick.sh
. "$REPO_DIR/tests/vm/lib/stick.sh"
REMASTER=$BUILD_DIR/remaster
ROOT=$("$REPO_DIR/tests/vm/lib/debian-root.sh")
make_tmpdir work remaster-srcout
export REMASTER_RUNTIME_DIR=$work/run
push_cleanup stick_release_all

# The copy: the cached root stays read-only below, our writes go to upper.
copy=$work/copy
mkdir -p "$work/upper" "$work/ovwork" "$copy"
mount -t overlay overlay -o "lowerdir=$ROOT,upperdir=$work/upper,workdir=$work/ovwork" "$copy"
push_cleanup umount "$copy"
mkdir -p "$copy/out" "$copy/srv/disk" "$copy/media/usb"

# args: image mountpoint; a small ext4 on a loop device, mounted read-write.
mount_scratch_ext4() {
  truncate -s 1200M "$1"
  mkfs.ext4 -q -F "$1"
  local dev
  dev=$(losetup --find --show "$1")
  push_cleanup losetup -d "$dev"
  mount "$dev" "$2"
  push_cleanup umount "$2"
}
# /srv/disk: a separate filesystem of the system (composed into the view);
# /media/usb: a user's stick (left out).
mount_scratch_ext4 "$work/srv.ext4" "$copy/srv/disk"
echo "server data" >"$copy/srv/disk/keep"
truncate -s 64M "$work/usb.ext4" && mkfs.ext4 -q -F "$work/usb.ext4"
usbdev=$(losetup --find --show "$work/usb.ext4")
push_cleanup losetup -d "$usbdev"
mount "$usbdev" "$copy/media/usb"
push_cleanup umount "$copy/media/usb"
echo "photo" >"$copy/media/usb/photo"

# The source's state outside the directories that receive outputs (the root
# directory's own mtime changes when x.sqfs is renamed into it).
state() {
  find "$copy" -mindepth 1 \( -path "$copy/out" -o -path "$copy/srv/disk" -o -path "$copy/media/usb" \
    -o -path "$copy/x.sqfs" -o -path "$copy/.x.sqfs.*" \) -prune -o -printf '%p %y %m %U %G %s %T@ %l\n' | sort
}
state >"$work/before.state"

# Each output path already holds a file when its run starts (not a stick:
# replaced with --yes), so the scan meets the output's own name.
junk() { head -c 4M /dev/urandom >"$1"; }
junk "$copy/out/stick.img"

# The listing of one stick's squashfs (the newest snapshot's), one path a line.
stick_listing() {  # args: image output-file
  with_stick "$1" "$work/d" bash -c 'unsquashfs -l "$(ls remaster/*/filesystem.squashfs | tail -n 1)"' >"$2"
}
lacks() { ! grep -q -- "$1" "$2"; }

# The dry run says where the image goes and what the view leaves out, and
# no longer refuses an image inside the root.
plan=$("$REMASTER" snapshot --root "$copy" --to "$copy/out/stick.img" --dry-run 2>&1)
check "dry run accepts an image inside the root" grep -q "target:    $copy/out/stick.img (image file" <<<"$plan"
check "dry run: the image is excluded as our output" grep -q "exclude /out/stick.img  (the output being written)" <<<"$plan"
check "dry run: the existing file is excluded in this root" \
  grep -q "^  exclude /out/stick.img  (the output being written)" <<<"$(sed -n '/^Excluded in this root/,$p' <<<"$plan")"
check "dry run: the temporary name too" grep -Eq 'exclude /out/\.stick\.img\.remaster-[0-9]+\.tmp' <<<"$plan"
check "dry run: /srv/disk is composed" grep -q "/srv/disk  (own overlay: part of the system; " <<<"$plan"
check "dry run: and it says what /srv/disk sits on (a loop device backed by its image)" \
  grep -q "/srv/disk  (own overlay: part of the system; ext4 on /dev/loop[0-9]* (loop device /dev/loop[0-9]* backed by $work/srv.ext4))" <<<"$plan"
check "dry run: /media/usb left out, saying why" \
  grep -q "/media/usb  left out: in /media: removable media or another disk mounted by the user" <<<"$plan"
check "dry run: the live entry keeps off the host's disks" grep -q "noresume rd.luks=0 rd.lvm=0 rd.md=0 rd.dm=0" <<<"$plan"
check "dry run: the initramfs omits resume" grep -qE -- "--omit '[^']* resume'" <<<"$plan"
check "dry run: no false advice" bash -c "! grep -q 'lies inside the root' <<<\"\$1\"" _ "$plan"

# (a) The image in a directory of the root itself.
"$REMASTER" snapshot --root "$copy" --to "$copy/out/stick.img" --yes --quiet
stick_listing "$copy/out/stick.img" "$work/a.list"
check "(a) the squashfs holds the root" grep -qx 'squashfs-root/etc/os-release' "$work/a.list"
check "(a) it holds /out, empty of the image" grep -qx 'squashfs-root/out' "$work/a.list"
check "(a) no stick.img in it, final or temporary" lacks 'stick\.img' "$work/a.list"
check "(a) the composed /srv/disk is in it" grep -qx 'squashfs-root/srv/disk/keep' "$work/a.list"
check "(a) the left-out /media/usb is empty in it" lacks 'media/usb/photo' "$work/a.list"
check "(a) no temporary file left beside the image" test -z "$(find "$copy/out" -name '.stick.img.*')"
# From here on it is a file of the root like any other: not worth squashing again.
rm "$copy/out/stick.img"

# (b) The image on the separate filesystem the view composes.
junk "$copy/srv/disk/stick.img"
"$REMASTER" snapshot --root "$copy" --to "$copy/srv/disk/stick.img" --yes --quiet
stick_listing "$copy/srv/disk/stick.img" "$work/b.list"
check "(b) /srv/disk's files are in it" grep -qx 'squashfs-root/srv/disk/keep' "$work/b.list"
check "(b) the image is not in it, final or temporary" lacks 'srv/disk/.*stick\.img' "$work/b.list"
rm "$copy/srv/disk/stick.img"

# (c) --squashfs into the root.
junk "$copy/x.sqfs"
"$REMASTER" snapshot --root "$copy" --squashfs "$copy/x.sqfs" --yes --quiet
unsquashfs -l "$copy/x.sqfs" >"$work/c.list"
check "(c) the squashfs holds the root" grep -qx 'squashfs-root/etc/os-release' "$work/c.list"
check "(c) it does not hold itself, final or temporary" lacks 'x\.sqfs' "$work/c.list"

check "the source is unchanged outside the outputs" diff "$work/before.state" <(state)
check "no loop device left on the images" \
  bash -c "! losetup -a | grep -qF -e '$copy/out/stick.img' -e '$copy/srv/disk/stick.img'"
summary
