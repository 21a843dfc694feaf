#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# Boot test: the Debian test root as a hybrid ISO (snapshot --iso) boots to
# multi-user through its own GRUB and our dracut module, which finds the
# ISO by its UUID and mounts it as iso9660: as a CD-ROM under SeaBIOS (El
# Torito, GRUB's eltorito core), written raw to a USB stick (xHCI
# usb-storage) under OVMF (the ESP in its GPT), and as a CD-ROM under OVMF
# (the El Torito EFI entry). Three boots, one image; the fourth case, the
# stick under SeaBIOS (boot_hybrid.img in the MBR), was checked by hand.
# REMASTER_VM_TIMEOUT (s, default 300) bounds each boot.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
# shellcheck source=lib/boot.sh
. "$HERE/lib/boot.sh"
# shellcheck source=lib/checks.sh
. "$HERE/lib/checks.sh"
REMASTER_BIN=${REMASTER_BIN:-$SRC/build/remaster}

WORK=$(mktemp -d "${REMASTER_TEST_TMP:-/var/tmp}/remaster-iso.XXXXXX")
cleanup() {
	release_below "$WORK"
	[[ -n "${KEEP_WORK:-}" ]] || rm -rf --one-file-system "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ROOT=$("$HERE/lib/debian-root.sh") || { fail "building the Debian root"; summary; exit 1; }
ISO=$WORK/live.iso
if "$REMASTER_BIN" snapshot --root "$ROOT" --iso "$ISO" --kernel-args "console=ttyS0,115200" --quiet && [[ -s "$ISO" ]]; then
	ok "ISO made"
else
	fail "ISO made"
fi
uuid=$(blkid -o value -s UUID "$ISO")

# args: bus (cdrom or usb), firmware (bios or uefi)
boot_iso() {
	local bus=$1 fw=$2 log=$WORK/boot-$1-$2.log line start=$SECONDS
	[[ -s "$ISO" ]] || { fail "$bus/$fw boot: no ISO"; return; }
	if REMASTER_VM_BUS=$bus boot_image "$ISO" "$fw" "$log" "${REMASTER_VM_TIMEOUT:-300}"; then
		line=$(proof_line "$log")
		echo "$bus/$fw: $line ($((SECONDS - start)) s)"
		ok "$bus/$fw: the ISO boots to multi-user"
		case $line in
		*" root=overlay "*) ok "$bus/$fw: / is the overlay" ;;
		*) fail "$bus/$fw: / is the overlay: $line" ;;
		esac
		# The ISO is the only disk: reaching multi-user means the module
		# found and mounted it by the UUID that GRUB's entry passed.
		# (Not `tr | grep -q` under pipefail: grep ends at the first match
		# and tr, still writing a long log, dies of SIGPIPE.)
		if [[ -n $uuid ]] && grep -aEq "ommand line: .*rd\.remaster\.uuid=$uuid( |\$)" <(tr -d '\r' <"$log"); then
			ok "$bus/$fw: the kernel was given the ISO's own UUID ($uuid)"
		else
			fail "$bus/$fw: the kernel was given the ISO's own UUID ($uuid)"
		fi
	else
		fail "$bus/$fw: the ISO boots to multi-user (serial log follows)"
		tail -n 40 "$log" | tr -d '\r' | sed "s/^/  $bus-$fw| /"
		cp "$log" "/tmp/remaster-vm-iso-$bus-$fw.log" 2>/dev/null && echo "  full log: /tmp/remaster-vm-iso-$bus-$fw.log"
	fi
}

boot_iso cdrom bios
boot_iso usb uefi
boot_iso cdrom uefi
summary
