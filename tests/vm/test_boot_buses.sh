#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# Boot test: the live initramfs holds only what finds and mounts the medium
# (src/boot_install.cpp kLiveDrivers, dracut --drivers), so the one stick
# must still boot wherever a stick may sit: attached as a virtio disk, a
# USB stick on xHCI, an NVMe drive or a SATA disk on AHCI, each under
# SeaBIOS and OVMF, through its own GRUB, to multi-user. The proof line
# says from which bus the medium was mounted (the kernel's device path of
# the disk under /run/remaster/medium).
# The suite boots USB, NVMe and SATA here; the same small initramfs boots
# from a virtio disk in test_boot_debian (SeaBIOS) and test_boot_after_interrupt
# and test_boot_incremental (OVMF). REMASTER_TEST_BUSES="virtio usb nvme sata"
# runs the whole matrix (it passed so, 8 boots, when the small initramfs
# came), REMASTER_VM_FIRMWARES ("bios uefi") narrows it.
# REMASTER_VM_TIMEOUT (s, default 600) bounds each boot; KEEP_WORK=1 keeps
# the stick and the logs.

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib/vm.sh
. "$HERE/lib/vm.sh"
TIMEOUT=${REMASTER_VM_TIMEOUT:-600}

make_work buses

ROOT=$("$HERE/lib/debian-root.sh") || { fail "building the Debian root"; summary; exit 1; }
mkdir -p "$WORK/upper/usr/local/sbin" "$WORK/ow" "$WORK/root"
cat >"$WORK/upper/usr/local/sbin/remaster-proof-extra" <<'PROOF'
#!/bin/sh
# Test-only (test_boot_buses.sh): the medium's device and the bus it hangs on.
dev=$(findmnt -n -o SOURCE /run/remaster/medium)
path=$(readlink -f "/sys/class/block/${dev#/dev/}")
case $path in
*/usb[0-9]*) bus=usb ;;
*/nvme/*) bus=nvme ;;
*/ata[0-9]*) bus=sata ;;
*/virtio[0-9]*) bus=virtio ;;
*) bus=unknown ;;
esac
echo "medium=${dev:-none} bus=$bus"
PROOF
chmod 755 "$WORK/upper/usr/local/sbin/remaster-proof-extra"
mount -t overlay -o "lowerdir=$ROOT,upperdir=$WORK/upper,workdir=$WORK/ow" remaster-test-root "$WORK/root" ||
	{ fail "overlay of the Debian root"; summary; exit 1; }

IMAGE=$WORK/stick.img
start=$SECONDS
if "$REMASTER_BIN" snapshot --root "$WORK/root" --to "$IMAGE" --kernel-args "console=ttyS0,115200" --yes --quiet &&
	[[ -s "$IMAGE" ]]; then
	ok "stick made ($((SECONDS - start)) s)"
else
	fail "stick made"
	summary
	exit 1
fi
umount "$WORK/root"

# The initramfs is the small one: no Fibre Channel or RAID HBA drivers, no
# filesystems beyond the medium's, no device-mapper.
mkdir -p "$WORK/m"
# shellcheck disable=SC2016 # $1 is bash -c's own argument
with_stick "$IMAGE" "$WORK/m" bash -c 'cp remaster/[0-9]*/initrd.img "$1"' _ "$WORK/initrd.img"
listing=$(lsinitrd "$WORK/initrd.img" 2>/dev/null)
for mod in usb-storage xhci-pci nvme ahci virtio_blk ext4 squashfs overlay isofs; do
	expect "the initramfs holds $mod" grep -q "/$mod\.ko" <<<"$listing"
done
for mod in qla2xxx lpfc megaraid_sas xfs btrfs dm-mod; do
	expect "the initramfs leaves out $mod" bash -c "! grep -q '/$mod\.ko' <<<\"\$1\"" _ "$listing"
done
echo "initramfs: $(stat -c %s "$WORK/initrd.img") bytes"

for bus in ${REMASTER_TEST_BUSES:-usb nvme sata}; do
	for fw in ${REMASTER_VM_FIRMWARES:-bios uefi}; do
		name=$bus-$fw
		start=$SECONDS
		REMASTER_VM_BUS=$bus boot_image "$IMAGE" "$fw" "$WORK/$name.log" "$TIMEOUT" || :
		line=$(proof_line "$WORK/$name.log")
		echo "boot $name ($((SECONDS - start)) s): ${line:-no proof line}"
		if [[ " $line " == *" root=overlay "* && " $line " == *" bus=$bus "* ]]; then
			ok "$name: multi-user on the overlay, the medium found on $bus"
		else
			fail "$name: multi-user on the overlay, the medium found on $bus: ${line:-none}"
			tail -n 20 "$WORK/$name.log" | tr -d '\r' | sed "s/^/  $name| /"
		fi
	done
done

summary
