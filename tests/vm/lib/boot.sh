#!/bin/bash
# Boot a stick image in QEMU through its own GRUB (no -kernel) and look for
# the REMASTER-PROOF line that the test root's remaster-proof.service prints
# on the serial console before powering off. Source this file.
#
#   boot_image IMAGE bios|uefi|uefi-secure LOGFILE [TIMEOUT]
#
# TCG only (KVM hangs guests on these machines). The image is opened with
# -snapshot: a boot never changes the stick. REMASTER_VM_BUS=virtio (default),
# usb, nvme or sata attaches the stick as a virtio disk, a USB stick on
# xHCI, an NVMe drive or a SATA disk on q35's AHCI controller; cdrom
# attaches an ISO image as a CD-ROM (AHCI) and boots from it.
# uefi-secure is OVMF with Microsoft's keys and Secure Boot enforcing, as
# `remaster boot-test --firmware uefi-secure` runs it (src/qemu.cpp).
# REMASTER_VM_DISK2=IMAGE adds a second disk (virtio, raw), not booted from.
# REMASTER_VM_WRITE=1 drops -snapshot: the boot writes its disks (an install
# onto DISK2, a system that changes itself before the next boot).
# The guest has QEMU's default NIC on user networking (the host is
# 10.0.2.2); REMASTER_VM_NIC=none boots it without any network.

source "$(dirname "${BASH_SOURCE[0]}")/guest.sh"

OVMF_CODE=${OVMF_CODE:-/usr/share/OVMF/OVMF_CODE_4M.fd}
OVMF_VARS=${OVMF_VARS:-/usr/share/OVMF/OVMF_VARS_4M.fd}

# args: file. Copies OVMF's variable store there (the firmware writes its
# variables: each guest gets a private copy) and sets UEFI_DRIVES to QEMU's
# two pflash arguments, the firmware and that copy. cp's status.
uefi_drives() {
	UEFI_DRIVES=(-drive "if=pflash,format=raw,unit=0,readonly=on,file=$OVMF_CODE"
		-drive "if=pflash,format=raw,unit=1,file=$1")
	cp "$OVMF_VARS" "$1"
}

# args: image bios|uefi logfile [timeout seconds]
boot_image() {
	local image=$1 firmware=$2 log=$3 timeout=${4:-300}
	local vars="" rc
	local qemu=(qemu-system-x86_64 -accel tcg -machine q35 -m 2048 -smp 2
		-display none -monitor none -serial "file:$log" -no-reboot)
	[[ "${REMASTER_VM_WRITE:-0}" == 1 ]] || qemu+=(-snapshot)

	case ${REMASTER_VM_BUS:-virtio} in
	virtio) qemu+=(-drive "file=$image,format=raw,if=virtio") ;;
	usb) qemu+=(-device "qemu-xhci,id=xhci"
		-drive "file=$image,format=raw,if=none,id=stick"
		-device "usb-storage,bus=xhci.0,drive=stick,bootindex=0") ;;
	cdrom) qemu+=(-drive "file=$image,format=raw,media=cdrom,if=none,id=cd"
		-device "ide-cd,drive=cd,bootindex=0") ;;
	nvme) qemu+=(-drive "file=$image,format=raw,if=none,id=stick"
		-device "nvme,serial=remaster-test,drive=stick,bootindex=0") ;;
	# q35's own AHCI controller (ICH9), as a SATA disk.
	sata) qemu+=(-drive "file=$image,format=raw,if=none,id=stick"
		-device "ide-hd,drive=stick,bus=ide.0,bootindex=0") ;;
	*)
		echo "boot_image: REMASTER_VM_BUS must be virtio, usb, cdrom, nvme or sata" >&2
		return 2
		;;
	esac

	[[ -z "${REMASTER_VM_DISK2:-}" ]] || qemu+=(-drive "file=$REMASTER_VM_DISK2,format=raw,if=virtio")
	[[ "${REMASTER_VM_NIC:-}" != none ]] || qemu+=(-nic none)

	case $firmware in
	bios) ;;
	uefi)
		vars=$(mktemp --suffix=.OVMF_VARS.fd)
		uefi_drives "$vars"
		qemu+=("${UEFI_DRIVES[@]}")
		;;
	uefi-secure)
		# SMM and a secure pflash, or OVMF's secure build refuses to run.
		vars=$(mktemp --suffix=.OVMF_VARS.fd)
		cp "${OVMF_SECURE_VARS:-/usr/share/OVMF/OVMF_VARS_4M.ms.fd}" "$vars"
		qemu[4]=q35,smm=on
		qemu+=(-global "driver=cfi.pflash01,property=secure,value=on"
			-drive "if=pflash,format=raw,unit=0,readonly=on,file=${OVMF_SECURE_CODE:-/usr/share/OVMF/OVMF_CODE_4M.ms.fd}"
			-drive "if=pflash,format=raw,unit=1,file=$vars")
		;;
	*)
		echo "boot_image: firmware must be bios, uefi or uefi-secure, not '$firmware'" >&2
		return 2
		;;
	esac

	run_guest "$log" "$timeout" "${qemu[@]}"
	rc=$?
	[[ -z "$vars" ]] || rm -f "$vars"
	if [[ $rc -eq 124 || $rc -eq 137 ]]; then
		echo "boot_image: $firmware boot of $image timed out after ${timeout}s" >&2
	fi
	grep -aq 'REMASTER-PROOF ' "$log"
}

# args: logfile. Prints the first proof line, without carriage returns.
# The line is written twice (ttyS0 and the console); a kernel message can
# land in the middle of one copy ("REMASTER-PROOF r[   88.45] SVM: ..."), so
# the first copy without a kernel timestamp in it is taken, else the first.
proof_line() {
	local lines
	lines=$(grep -a -o 'REMASTER-PROOF .*' "$1" | tr -d '\r')
	grep -v -m 1 '\[ *[0-9][0-9]*\.[0-9]*\]' <<<"$lines" || head -n 1 <<<"$lines"
}

# args: dir. Safety net behind each mount's own cleanup: nothing mounted or
# attached below dir survives, whatever failed.
release_below() {
	local dir=$1 m l back
	findmnt -rn -o TARGET | grep -F "$dir/" | sort -r | while read -r m; do
		umount -l "$m" || echo "cleanup: cannot unmount '$m'" >&2
	done
	losetup -nl -O NAME,BACK-FILE | while read -r l back; do
		case $back in "$dir"/*) losetup -d "$l" || echo "cleanup: cannot detach '$l'" >&2 ;; esac
	done
}
