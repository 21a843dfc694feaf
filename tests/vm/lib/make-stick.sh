#!/bin/bash
# make-stick.sh ROOTDIR IMAGE [KERNEL_ARGS...]
#
# Reference implementation, with shell tools, of what `remaster snapshot`
# does: it proves the stick layout before the C++ lands and is its spec
# (docs/boot.md lists the same commands). Steps:
#   view     overlay lower=ROOTDIR upper=tmpfs, so ROOTDIR is never written
#   scrub    live /etc/fstab into the view
#   squash   mksquashfs of the view, without /proc /sys /dev /run /tmp contents
#   adapt    dracut -N --add remaster inside a chroot of the view
#   install  GPT image: BIOS boot + ESP + ext4 data; GRUB for BIOS and UEFI
# An EXIT trap undoes every mount and loop device, also on failure or Ctrl-C;
# IMAGE is built under a temporary name and renamed when complete.
set -euo pipefail

die() { echo "make-stick: $*" >&2; exit 1; }
log() { echo "make-stick: $*" >&2; }

[[ $# -ge 2 ]] || die "usage: make-stick.sh ROOTDIR IMAGE [KERNEL_ARGS...]"
ROOT=$(readlink -f "$1")
IMAGE=$2
shift 2
USER_ARGS="$*"
[[ -x "$ROOT/usr/bin/dracut" ]] || die "'$ROOT' has no dracut"

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC=$(cd "$HERE/../../.." && pwd)
SNAPSHOT=${REMASTER_SNAPSHOT_ID:-$(date -u +%Y%m%d-%H%M%S)}

# --- cleanup stack: every acquired resource pushes its undo command --------
UNDO=()
push_undo() { UNDO+=("$*"); }
cleanup() {
	local rc=$? i
	for ((i = ${#UNDO[@]} - 1; i >= 0; i--)); do
		eval "${UNDO[i]}" || log "cleanup failed: ${UNDO[i]}"
	done
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

WORK=$(mktemp -d /tmp/make-stick.XXXXXX)
push_undo "rm -rf --one-file-system '$WORK'"
mkdir "$WORK/rw" "$WORK/view"

# args: mount arguments..., last one the mount point
mnt() {
	mount "$@"
	push_undo "umount '${*: -1}'"
}

# --- view: an overlay of ROOTDIR; all writes land in a tmpfs ---------------
mnt -t tmpfs -o mode=0755 remaster-rw "$WORK/rw"
mkdir "$WORK/rw/upper" "$WORK/rw/work"
VIEW=$WORK/view
mnt -t overlay -o "lowerdir=$ROOT,upperdir=$WORK/rw/upper,workdir=$WORK/rw/work" remaster-view "$VIEW"

# --- scrub: the live fstab. / is the overlay the initramfs mounted; nothing
# else may be mounted from the source machine's disks.
cat >"$VIEW/etc/fstab" <<'FSTAB'
# Live system made by remaster: / is an overlay (squashfs + tmpfs) mounted by
# the initramfs, see /run/remaster. No other filesystems are mounted from here.
FSTAB

# --- squash -----------------------------------------------------------------
KVER=$(find "$VIEW/lib/modules" -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -V | tail -n 1)
[[ -n "$KVER" && -f "$VIEW/boot/vmlinuz-$KVER" ]] || die "no kernel in '$ROOT'"
log "squashing the view (kernel $KVER)"
mksquashfs "$VIEW" "$WORK/filesystem.squashfs" -noappend -no-progress -quiet \
	-comp zstd -wildcards -e 'proc/*' 'sys/*' 'dev/*' 'run/*' 'tmp/*' >&2

# --- adapt: generic initramfs with our module, built by the root's dracut ---
for d in proc sys dev; do
	mnt --bind "/$d" "$VIEW/$d"
done
mkdir -p "$VIEW/usr/lib/dracut/modules.d/90remaster"
cp -r "$SRC/dracut-module/." "$VIEW/usr/lib/dracut/modules.d/90remaster/"
log "building the initramfs"
chroot "$VIEW" dracut --no-hostonly --no-hostonly-cmdline --force --quiet \
	--add remaster --kver "$KVER" /tmp/initrd.img >&2

# --- install: the image -----------------------------------------------------
sq=$(stat -c %s "$WORK/filesystem.squashfs")
kern=$(stat -c %s "$VIEW/boot/vmlinuz-$KVER")
ird=$(stat -c %s "$VIEW/tmp/initrd.img")
MiB=$((1024 * 1024))
size_mib=$(((sq + kern + ird) / MiB + 200))
TMPIMG="$IMAGE.tmp.$$"
push_undo "rm -f '$TMPIMG'"
truncate -s "${size_mib}M" "$TMPIMG"

# p1 BIOS boot (core.img), p2 ESP, p3 data (ext4: kernel, initrd, squashfs,
# /boot/grub). The data partition is found by its filesystem UUID.
sfdisk --quiet --label gpt "$TMPIMG" <<'PARTS'
start=1MiB, size=1MiB, type=21686148-6449-6E6F-744E-656564454649, name="bios"
size=64MiB, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name="efi"
type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name="remaster"
PARTS

# --partscan lets the loop device have partitions at all; some kernels
# then still do not read the table, so add them with BLKPG (partx), which
# fails harmlessly when the kernel already did.
LOOP=$(losetup --find --show --partscan "$TMPIMG")
push_undo "losetup -d '$LOOP'"
partx --add "$LOOP" 2>/dev/null || :
push_undo "partx --delete '$LOOP' || :"
for p in 1 2 3; do
	for _ in $(seq 50); do [[ -b "${LOOP}p$p" ]] && break; sleep 0.1; done
	[[ -b "${LOOP}p$p" ]] || die "${LOOP}p$p did not appear"
done

mkfs.ext4 -q -F -L REMASTER -m 0 "${LOOP}p3"
UUID=$(blkid -p -s UUID -o value "${LOOP}p3")
mkfs.vfat -F 32 -n REMASTEREFI "${LOOP}p2" >/dev/null

TARGET=$VIEW/run/remaster-target
mkdir -p "$TARGET"
mnt -t ext4 "${LOOP}p3" "$TARGET"
DIR=/remaster/$SNAPSHOT
mkdir -p "$TARGET$DIR" "$TARGET/boot/grub"
cp "$WORK/filesystem.squashfs" "$TARGET$DIR/filesystem.squashfs"
cp "$VIEW/boot/vmlinuz-$KVER" "$TARGET$DIR/vmlinuz"
cp "$VIEW/tmp/initrd.img" "$TARGET$DIR/initrd.img"

# BIOS: the root's own GRUB, run in the view so its modules match the
# root's grub-pc-bin. core.img goes to the BIOS boot partition; it finds
# /boot/grub on p3 by filesystem UUID (grub-install writes that search).
log "installing GRUB for BIOS"
chroot "$VIEW" grub-install --target=i386-pc --boot-directory=/run/remaster-target/boot \
	--modules="part_gpt ext2 search_fs_uuid" --no-floppy "$LOOP" >&2

# UEFI: no ESP mount possible here, so build the removable-media loader with
# grub-mkimage (as archiso does) and embed early.cfg, then copy with mtools.
fill() { # args: template; then NAME=VALUE pairs
	local t
	t=$(<"$1")
	shift
	local kv
	for kv in "$@"; do t=${t//@${kv%%=*}@/"${kv#*=}"}; done
	printf '%s\n' "$t"
}
fill "$SRC/grub.d/early.cfg.in" "UUID=$UUID" >"$VIEW/tmp/early.cfg"
EFI_MODULES="part_gpt part_msdos fat ext2 normal search search_fs_uuid configfile
 linux echo test true sleep serial terminal terminfo efi_gop efi_uga all_video
 gfxterm ls cat halt reboot chain boot minicmd loadenv"
log "building BOOTX64.EFI"
# shellcheck disable=SC2086 # the module list is split on purpose
chroot "$VIEW" grub-mkimage -O x86_64-efi -o /tmp/BOOTX64.EFI -p /boot/grub \
	-c /tmp/early.cfg $EFI_MODULES
mkdir -p "$TARGET/boot/grub/x86_64-efi"
cp "$VIEW/usr/lib/grub/x86_64-efi/"*.mod "$VIEW/usr/lib/grub/x86_64-efi/"*.lst "$TARGET/boot/grub/x86_64-efi/"
mmd -i "${LOOP}p2" ::/EFI ::/EFI/BOOT
mcopy -i "${LOOP}p2" "$VIEW/tmp/BOOTX64.EFI" ::/EFI/BOOT/BOOTX64.EFI

# grub.cfg from the templates; everything spelled out, no GRUB variables.
ARGS="root=remaster rd.remaster.uuid=$UUID rd.remaster.dir=$DIR${USER_ARGS:+ $USER_ARGS}"
entry=$(fill "$SRC/grub.d/entry.cfg.in" "TITLE=remaster live $SNAPSHOT" "ID=remaster-$SNAPSHOT" \
	"UUID=$UUID" "KERNEL=$DIR/vmlinuz" "INITRD=$DIR/initrd.img" "ARGS=$ARGS")
fill "$SRC/grub.d/grub.cfg.in" "TIMEOUT=${REMASTER_GRUB_TIMEOUT:-3}" "DEFAULT=remaster-$SNAPSHOT" \
	"ENTRIES=$entry" >"$TARGET/boot/grub/grub.cfg"

sync -f "$TARGET"
# Unmount and detach now (the trap would too) so the image is complete
# before it gets its final name.
cleanup_now() {
	local i
	for ((i = ${#UNDO[@]} - 1; i >= 0; i--)); do
		case ${UNDO[i]} in "rm -f '$TMPIMG'") continue ;; esac
		eval "${UNDO[i]}"
		unset 'UNDO[i]'
	done
	UNDO=("${UNDO[@]}")
}
cleanup_now
mv -f "$TMPIMG" "$IMAGE"
UNDO=()
log "wrote $IMAGE (data partition UUID $UUID, $DIR)"
echo "$UUID"
