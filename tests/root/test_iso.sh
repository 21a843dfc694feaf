#!/usr/bin/env bash
# snapshot --iso: the cached Debian test root as a hybrid ISO. Its El Torito
# catalogue has a BIOS entry (GRUB's eltorito core) and an EFI entry (the
# appended partition 2), a GPT makes that ESP a partition and it holds
# EFI/BOOT/BOOTX64.EFI, blkid's UUID of the ISO is the one the menu and the
# kernel command line name, and the files inside match the SHA256SUMS inside.
# Bad inputs (--iso with --to or --squashfs, a block device, a missing
# directory, too little space) are refused by the plan with one message and
# exit code, with nothing written; an output below the root is left out of
# the scan; Ctrl-C leaves no partial ISO, temporary or mount behind.
# `remaster verify --on` the ISO passes, and fails naming the squashfs once
# one byte of it is changed.
# Booting it is tests/vm/test_boot_iso.sh.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
need_root
need_cmds xorriso osirrox mdir sfdisk blkid grub-script-check
REMASTER=$BUILD_DIR/remaster
ROOT=$("$REPO_DIR/tests/vm/lib/debian-root.sh")
make_tmpdir work remaster-iso
iso=$work/out/live.iso
mkdir -p "$work/out"

# args: name, exit code, message pattern, snapshot arguments. The run must
# fail with that code and message and leave $work/out empty.
refused() {
    local name=$1 code=$2 pattern=$3 rc=0 out
    shift 3
    out=$("$REMASTER" snapshot --root "$ROOT" "$@" 2>&1) || rc=$?
    check "$name: exit $code" test "$rc" -eq "$code"
    check "$name: says so" grep -q -- "$pattern" <<<"$out" || echo "$out" | sed 's/^/  | /'
    check "$name: nothing written" test -z "$(ls -A "$work/out")"
}

# --- bad input: refused by the plan ---------------------------------------
refused "--iso with --to" 3 "leave out --to" --iso "$iso" --to "$work/out/stick.img"
refused "--iso with --squashfs" 3 "leave out --squashfs" --iso "$iso" --squashfs "$work/out/x.sqfs"
refused "--iso with --size" 3 "--size is for an image file made with --to" --iso "$iso" --size 2G
# The test root has no signed chain (test_boot_secureboot.sh makes an ISO with one).
refused "--iso --secure-boot require without the chain" 4 \
    "--secure-boot require: the root has no signed boot chain (apt install shim-signed grub-efi-amd64-signed)" \
    --iso "$iso" --secure-boot require
blockdev=$(find /dev -maxdepth 1 -name 'loop[0-9]*' -type b | head -n 1)
refused "--iso on a block device" 3 "is a block device; --iso writes an image file (use --to $blockdev" --iso "$blockdev"
refused "--iso in a missing directory" 3 "The output directory for '$work/out/nope/live.iso' does not exist" \
    --iso "$work/out/nope/live.iso"
mkdir -p "$work/small"
mount -t tmpfs -o size=16m remaster-test-iso-small "$work/small"
push_cleanup umount "$work/small"
rc=0
out=$("$REMASTER" snapshot --root "$ROOT" --iso "$work/small/live.iso" 2>&1) || rc=$?
check "too little space: exit 6" test "$rc" -eq 6
check "too little space: says so" grep -q "Not enough space in '$work/small' for an ISO" <<<"$out"
check "too little space: nothing written" test -z "$(ls -A "$work/small")"

# --- the plan ----------------------------------------------------------------
plan=$("$REMASTER" snapshot --root "$ROOT" --iso "$iso" --dry-run 2>&1)
check "dry run: the El Torito BIOS entry" grep -q "El Torito BIOS: /boot/grub/i386-pc/eltorito.img" <<<"$plan"
check "dry run: the El Torito EFI entry" grep -q "El Torito EFI:  partition 2" <<<"$plan"
check "dry run: the eltorito core command" grep -q "grub-mkimage -O i386-pc-eltorito" <<<"$plan"
check "dry run: the unsigned UEFI image, said once as a warning" \
    bash -c 'grep -q "^UEFI: an unsigned GRUB image: boots only with Secure Boot off" <<<"$1" &&
        test "$(grep -c "the ISO will not boot with Secure Boot on" <<<"$1")" -eq 1' _ "$plan"
check "dry run: nothing written" test -z "$(ls -A "$work/out")"
# An output below the root is left out of its own image, with its temporaries.
inside=$("$REMASTER" snapshot --root "$ROOT" --iso "$ROOT/tmp/live.iso" --dry-run 2>&1)
check "an ISO below the root is excluded" grep -q "exclude /tmp/live.iso " <<<"$inside"
check "... and the squashfs' temporary beside it" grep -q "exclude /tmp/.live.iso.squashfs.remaster-[0-9]*.tmp " <<<"$inside"

# --- Ctrl-C: nothing left behind --------------------------------------------
"$REMASTER" snapshot --root "$ROOT" --iso "$iso" --quiet >"$work/int.log" 2>&1 &
pid=$!
for _ in $(seq 1 120); do
    compgen -G "$work/out/.live.iso.squashfs.remaster-*.tmp" >/dev/null && break
    sleep 0.5
done
sleep 1
kill -INT "$pid"
rc=0
wait "$pid" || rc=$?
check "Ctrl-C: exit 130" test "$rc" -eq 130
check "Ctrl-C: no ISO, no temporaries" test -z "$(ls -A "$work/out")"
check "Ctrl-C: no mounts of that run" bash -c "! findmnt -rn -o TARGET | grep -q '^/run/remaster/$pid/'"

# --- the image ---------------------------------------------------------------
"$REMASTER" snapshot --root "$ROOT" --iso "$iso" --quiet
check "the ISO is written" test -s "$iso"
check "no temporaries left" test "$(ls -A "$work/out")" = live.iso
report=$(xorriso -indev "$iso" -report_el_torito plain -report_system_area plain 2>/dev/null)
check "El Torito: a BIOS entry" grep -Eq "El Torito boot img : +1 +BIOS +y +none" <<<"$report"
check "El Torito: the BIOS entry is GRUB's eltorito core" \
    grep -Eq "El Torito img path : +1 +/boot/grub/i386-pc/eltorito.img" <<<"$report"
check "El Torito: an EFI entry" grep -Eq "El Torito boot img : +2 +UEFI +y +none" <<<"$report"
check "the system area is GRUB's hybrid MBR" grep -q "grub2-mbr" <<<"$report"
esp=$(sfdisk --dump "$iso" | awk '/iso2 .*type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B/ { sub(",", "", $4); print $4 }')
check "GPT partition 2 is the ESP (EFI System)" test -n "$esp"
check "the MBR is protective, with an active partition" \
    bash -c 'grep -Eq "MBR partition +: +1 +0x00 +0xee" <<<"$1" && grep -Eq "MBR partition +: +[0-9] +0x80" <<<"$1"' _ "$report"
check "the ESP holds EFI/BOOT/BOOTX64.EFI" \
    bash -c 'MTOOLS_SKIP_CHECK=1 mdir -b -i "$1@@$(($2 * 512))" ::/EFI/BOOT | grep -q "BOOTX64.EFI"' _ "$iso" "${esp:-0}"
uuid=$(blkid -o value -s UUID "$iso")
check "blkid: an iso9660 UUID of the volume time" grep -Eq '^[0-9]{4}(-[0-9]{2}){6}$' <<<"$uuid"
osirrox -indev "$iso" -extract / "$work/tree" >/dev/null 2>&1
cfg=$work/tree/boot/grub/grub.cfg
check "grub.cfg passes grub-script-check" grub-script-check "$cfg"
check "the menu finds the ISO by its UUID" grep -q "search --no-floppy --fs-uuid --set=root $uuid" "$cfg"
check "the kernel finds it by the same UUID" grep -q "rd.remaster.uuid=$uuid" "$cfg"
for id in live ram check; do check "menu entry $id" grep -q -- "--id $id " "$cfg"; done
check "live boots by default" grep -qx "set default=live" "$cfg"
# loopback.cfg: the same entries for a GRUB that loops the ISO as a file.
lcfg=$work/tree/boot/grub/loopback.cfg
check "loopback.cfg passes grub-script-check" grub-script-check "$lcfg"
for id in live ram check; do check "loopback.cfg entry $id" grep -q -- "--id $id " "$lcfg"; done
check "loopback.cfg tells the kernel the file and its filesystem" \
    grep -q "rd.remaster.uuid=$uuid .* \"rd.remaster.iso=\${iso_path}\" \"rd.remaster.iso.fsuuid=\${remaster_iso_fsuuid}\"" "$lcfg"
check "loopback.cfg leaves GRUB's root the loop device" bash -c '! grep -q -- "--set=root" "$1"' _ "$lcfg"
snap=$(find "$work/tree/remaster" -mindepth 1 -maxdepth 1 -type d)
check "one snapshot in the ISO" test "$(wc -l <<<"$snap")" -eq 1
check "its files match its SHA256SUMS" bash -c 'cd "$1" && sha256sum --quiet -c SHA256SUMS' _ "$snap"
check "SHA256SUMS lists the squashfs, kernel and initramfs" test "$(wc -l <"$snap/SHA256SUMS")" -eq 3
check "snapshot.info is there" test -s "$snap/snapshot.info"

# --- remaster verify --on the ISO (read through libisofs, not mounted) --------
check "verify passes on the ISO" "$REMASTER" verify --on "$iso" --quiet
lba=$(xorriso -indev "$iso" -find /remaster -name filesystem.squashfs -exec report_lba 2>/dev/null |
    awk -F' *, *' '/^File data lba/ { print $2; exit }')
printf 'X' | dd of="$iso" bs=1 seek=$((lba * 2048 + 4096)) conv=notrunc status=none
rc=0
out=$("$REMASTER" verify --on "$iso" 2>&1) || rc=$?
check "one byte changed in the squashfs: verify fails" test "$rc" -eq 1
check "... naming the file" grep -q "is damaged: $(basename "$snap")/filesystem.squashfs: checksum mismatch" <<<"$out"

summary
