#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# Boot test: the Debian test root laid out like Arch Linux (ID=arch,
# /boot/vmlinuz-linux tied to its modules tree by pkgbase, GRUB tools in
# /usr/bin) goes through the Arch adapter, becomes a stick, and boots to
# multi-user on the overlay under SeaBIOS. An unsupported distribution is
# refused with exit status 3 and no image.
#
# Needs root, loop devices, qemu-system-x86_64 (and OVMF for uefi), and the
# Debian root (tests/vm/lib/debian-root.sh, built on first use).
# REMASTER_VM_FIRMWARES="bios uefi" adds the UEFI boot.

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib/derived-boot.sh
. "$HERE/lib/derived-boot.sh"

DEFAULT_FIRMWARES="bios"
derived_boot_test arch \
	"adapter:   arch (ID=arch; Arch Linux)" \
	"(/boot/vmlinuz-linux)" \
	"grub-bios-setup from /usr/bin|/usr/bin/grub-bios-setup -d "
