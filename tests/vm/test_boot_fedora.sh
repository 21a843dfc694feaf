#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# Boot test: the Debian test root laid out like Fedora 39 (ID=fedora, GRUB
# tools named grub2-* with grub2-bios-setup in /usr/sbin, /boot/grub2, the
# kernel also in its modules tree) goes through the Fedora adapter, becomes a
# stick, and boots to multi-user on the overlay under SeaBIOS. An
# unsupported distribution is refused with exit status 3 and no image. Its
# UEFI image is checked in the dry run (grub2-mkimage -O x86_64-efi); the
# UEFI boot of the same binaries is test_boot_debian's, so it is left out
# here to spare the suite a boot.
#
# Needs root, loop devices, qemu-system-x86_64, OVMF, and the Debian root
# (tests/vm/lib/debian-root.sh, built on first use).
# REMASTER_VM_FIRMWARES="bios uefi" adds the UEFI boot.

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib/derived-boot.sh
. "$HERE/lib/derived-boot.sh"

DEFAULT_FIRMWARES="bios"
derived_boot_test fedora \
	"adapter:   fedora (ID=fedora; Fedora Linux 39 (Server Edition))" \
	"(/boot/vmlinuz-6." \
	"grub2-mkimage for BIOS|grub2-mkimage -O i386-pc " \
	"grub2-mkimage for UEFI|grub2-mkimage -O x86_64-efi " \
	"grub2-bios-setup from /usr/sbin|/usr/sbin/grub2-bios-setup -d "
