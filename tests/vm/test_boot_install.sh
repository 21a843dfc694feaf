#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# Issue 17, `remaster install` from the host: a stick of the Debian test root
# installed with `remaster install --from stick.img --to disk.img`, then the
# disk booted alone (no stick) under SeaBIOS and under OVMF through the GRUB
# that grub-install and grub-mkimage put there and the config update-grub
# wrote, reaches the proof line with / ext4 on that disk (not an overlay),
# /etc/fstab naming it by UUID, and a machine-id other than the stick's.
#
# Needs root, loop devices, qemu-system-x86_64, ovmf, mmdebstrap (first run).
# REMASTER_VM_TIMEOUT (s, default 300) bounds each boot.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
# shellcheck source=lib/boot.sh
. "$HERE/lib/boot.sh"
# shellcheck source=lib/stick.sh
. "$HERE/lib/stick.sh"
# shellcheck source=lib/checks.sh
. "$HERE/lib/checks.sh"
REMASTER_BIN=${REMASTER_BIN:-$SRC/build/remaster}
# The stick's identity: the installed system must not share it.
STICK_MACHINE_ID=0123456789abcdef0123456789abcdef

make_work install
ROOT=$("$HERE/lib/debian-root.sh") || { fail "building the Debian root"; summary; exit 1; }

# The test root through an overlay: a machine-id, GRUB's console on the
# serial line for update-grub (so the boot shows), and a proof extra that
# reports the root's device and UUID and the machine-id.
mkdir -p "$WORK/upper/usr/local/sbin" "$WORK/upper/etc/default" "$WORK/ow" "$WORK/root"
echo "$STICK_MACHINE_ID" >"$WORK/upper/etc/machine-id"
cat >"$WORK/upper/etc/default/grub" <<'GRUB'
# Test-only (test_boot_install.sh): the installed system's console is the serial line.
GRUB_DEFAULT=0
GRUB_TIMEOUT=1
GRUB_DISTRIBUTOR=Debian
GRUB_CMDLINE_LINUX_DEFAULT=""
GRUB_CMDLINE_LINUX="console=ttyS0,115200"
GRUB_TERMINAL="serial console"
GRUB_SERIAL_COMMAND="serial --unit=0 --speed=115200"
GRUB
cat >"$WORK/upper/usr/local/sbin/remaster-proof-extra" <<'PROOF'
#!/bin/sh
# Test-only (test_boot_install.sh): where / is, by device and UUID, and who we are.
echo "rootdev=$(findmnt -n -o SOURCE /) rootuuid=$(findmnt -n -o UUID /) mid=$(cat /etc/machine-id)"
PROOF
chmod 755 "$WORK/upper/usr/local/sbin/remaster-proof-extra"
mount -t overlay -o "lowerdir=$ROOT,upperdir=$WORK/upper,workdir=$WORK/ow" remaster-test-root "$WORK/root" ||
	{ fail "overlay of the Debian root"; summary; exit 1; }

STICK=$WORK/stick.img
DISK=$WORK/disk.img
if "$REMASTER_BIN" snapshot --root "$WORK/root" --to "$STICK" --kernel-args console=ttyS0,115200 --yes -q; then
	ok "stick made"
else
	fail "stick made"
fi
umount "$WORK/root"

start=$SECONDS
if "$REMASTER_BIN" install --from "$STICK" --to "$DISK" --yes -q && [[ -s $DISK ]]; then
	ok "install --from stick.img --to disk.img ($((SECONDS - start)) s)"
else
	fail "install --from stick.img --to disk.img"
fi
leftover() { ! losetup -nl -O BACK-FILE | grep -qF "$WORK/" && ! findmnt -rn -o TARGET | grep -qF /run/remaster/; }
expect "install released its loop devices and mounts" leftover

for fw in ${REMASTER_VM_FIRMWARES:-bios uefi}; do
	[[ -s $DISK ]] || { fail "$fw boot: no disk image"; continue; }
	log=$WORK/boot-$fw.log
	start=$SECONDS
	if boot_image "$DISK" "$fw" "$log" "${REMASTER_VM_TIMEOUT:-300}"; then
		line=$(proof_line "$log")
		echo "$fw: $line ($((SECONDS - start)) s)"
		ok "$fw: the installed disk boots alone to multi-user"
		uuid=$(sed -n 's/.* rootuuid=\([^ ]*\).*/\1/p' <<<"$line")
		case $line in
		*" root=ext4 "*" rootdev=/dev/vda3 "*) ok "$fw: / is ext4 on the disk's root partition" ;;
		*) fail "$fw: / is ext4 on the disk's root partition: $line" ;;
		esac
		if [[ -n $uuid && $line == *" fstab=UUID=$uuid"[[:space:]]/[[:space:]]ext4* ]]; then
			ok "$fw: fstab names / by its UUID"
		else
			fail "$fw: fstab names / by its UUID: $line"
		fi
		mid=$(sed -n 's/.* mid=\([0-9a-f]*\).*/\1/p' <<<"$line")
		if [[ ${#mid} -eq 32 && $mid != "$STICK_MACHINE_ID" ]]; then
			ok "$fw: a machine-id of its own"
		else
			fail "$fw: a machine-id of its own: $line"
		fi
	else
		fail "$fw: the installed disk boots alone to multi-user (serial log follows)"
		tail -n 40 "$log" | tr -d '\r' | sed "s/^/  $fw| /"
		cp "$log" "/tmp/remaster-vm-install-$fw.log" 2>/dev/null && echo "  full log: /tmp/remaster-vm-install-$fw.log"
	fi
done

summary
