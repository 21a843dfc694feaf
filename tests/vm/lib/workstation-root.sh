# shellcheck shell=bash
# A workstation's disks as its /etc describes them (issue 14), for an
# overlay's upper dir over the cached Debian root: /etc/fstab mounting /home
# and a swap partition by UUID, /etc/crypttab naming a LUKS disk by UUID,
# resume set for initramfs-tools, dracut (told to add its resume module) and
# GRUB's defaults. None of those disks exist where the stick boots. Used by
# tests/vm/test_boot_workstation.sh and scripts/bench.sh (boot time against
# the plain root). Source this file.
#
#   write_workstation_disks UPPER

WS_HOME_UUID=2b3c4d5e-0000-4000-8000-00000000a001
WS_SWAP_UUID=2b3c4d5e-0000-4000-8000-00000000a002
WS_LUKS_UUID=2b3c4d5e-0000-4000-8000-00000000a003

# args: upper dir
write_workstation_disks() {
	local u=$1
	mkdir -p "$u/etc/initramfs-tools/conf.d" "$u/etc/dracut.conf.d" "$u/etc/default"
	cat >"$u/etc/fstab" <<FSTAB
# <file system> <mount point> <type> <options> <dump> <pass>
UUID=2b3c4d5e-0000-4000-8000-00000000a000 / ext4 errors=remount-ro 0 1
UUID=$WS_HOME_UUID /home ext4 defaults 0 2
UUID=$WS_SWAP_UUID none swap sw 0 0
FSTAB
	printf 'home_crypt UUID=%s none luks,discard\n' "$WS_LUKS_UUID" >"$u/etc/crypttab"
	printf 'RESUME=UUID=%s\n' "$WS_SWAP_UUID" >"$u/etc/initramfs-tools/conf.d/resume"
	printf 'add_dracutmodules+=" resume "\n' >"$u/etc/dracut.conf.d/90-resume.conf"
	printf 'GRUB_CMDLINE_LINUX_DEFAULT="quiet resume=UUID=%s"\n' "$WS_SWAP_UUID" >"$u/etc/default/grub"
}
