#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# Issue 17, `remaster install` from the host: a stick of the Debian test root
# installed with `remaster install --from stick.img --to disk.img`, then the
# disk booted alone (no stick) under SeaBIOS through the GRUB
# that grub-install and grub-mkimage put there and the config update-grub
# wrote, reaches the proof line with / ext4 on that disk (not an overlay),
# /etc/fstab naming it by UUID, and a machine-id other than the stick's.
#
# Then issue 17's second part, `remaster install` inside the live system:
# the stick (its root has no remaster: snapshot bundles its own) boots with a
# second, blank disk; a test-only unit of the live system makes a file and
# runs `remaster install --to /dev/vdb --yes`. That disk, booted alone with
# SeaBIOS, regenerates its initramfs (dracut -f) and GRUB config
# (update-grub) the distribution's way on its first boot, then shows the
# proof: / ext4 on it, fstab by UUID, the session's file, a machine-id of its
# own; booted again with OVMF, it still comes up after that.
#
# Needs root, loop devices, qemu-system-x86_64, ovmf, mmdebstrap (first run).
# REMASTER_VM_TIMEOUT (s, default 300) bounds each boot; the live boot that
# installs gets REMASTER_VM_INSTALL_TIMEOUT (s, default 1200), the first boot
# of what it installed (which runs dracut -f) REMASTER_VM_REGEN_TIMEOUT (900).

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib/vm.sh
. "$HERE/lib/vm.sh"
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
# Test-only (test_boot_install.sh): where / is, by device and UUID, who we
# are, the live session's file and whether the first boot regenerated.
session=$(cat /root/session-file 2>/dev/null | tr ' ' _)
regen=no
[ -e /var/lib/remaster-test-regenerated ] && regen=yes
echo "rootdev=$(findmnt -n -o SOURCE /) rootuuid=$(findmnt -n -o UUID /) mid=$(cat /etc/machine-id) session=${session:-none} regen=$regen"
PROOF
chmod 755 "$WORK/upper/usr/local/sbin/remaster-proof-extra"

# The live install: a unit that runs only in the live system, before the
# proof unit powers it off. The test root lacks dosfstools and mtools, which
# install needs for the ESP: the host's (the same Debian) go into the overlay.
mkdir -p "$WORK/upper/usr/local/bin"
cp /usr/sbin/mkfs.fat /usr/bin/mtools "$WORK/upper/usr/local/bin/"
ln -s mtools "$WORK/upper/usr/local/bin/mcopy"
ln -s mtools "$WORK/upper/usr/local/bin/mmd"
cat >"$WORK/upper/usr/local/sbin/remaster-test-install" <<'INSTALL'
#!/bin/sh
# Test-only (test_boot_install.sh): a change of this session, then the live
# system as it runs installed onto the second disk.
echo "made in the live session" >/root/session-file
remaster install --to /dev/vdb --yes -q >/run/remaster-test-install.log 2>&1
rc=$?
{
	echo "REMASTER-INSTALL rc=$rc remaster=$(command -v remaster)"
	[ "$rc" -eq 0 ] || tail -n 30 /run/remaster-test-install.log
} >/dev/ttyS0
INSTALL
cat >"$WORK/upper/usr/local/sbin/remaster-test-regen" <<'REGEN'
#!/bin/sh
# Test-only (test_boot_install.sh): the installed system's first boot makes
# its initramfs and GRUB config again with the distribution's own commands.
kver=$(uname -r)
if dracut -f "/boot/initrd.img-$kver" "$kver" >/run/regen.log 2>&1 && update-grub >>/run/regen.log 2>&1; then
	echo "REMASTER-REGEN ok $kver" >/dev/ttyS0
	touch /var/lib/remaster-test-regenerated
else
	{ echo "REMASTER-REGEN failed"; tail -n 20 /run/regen.log; } >/dev/ttyS0
fi
sync
REGEN
chmod 755 "$WORK/upper/usr/local/sbin/remaster-test-install" "$WORK/upper/usr/local/sbin/remaster-test-regen"
# The install runs in the live system only; the regeneration once, in the
# system installed from it.
test_unit "$WORK/upper" remaster-test-install "install the live system onto /dev/vdb" \
	/usr/local/sbin/remaster-test-install ConditionKernelCommandLine=root=remaster
test_unit "$WORK/upper" remaster-test-regen "regenerate the initramfs and GRUB config" \
	/usr/local/sbin/remaster-test-regen ConditionKernelCommandLine=!root=remaster \
	ConditionPathExists=/root/session-file ConditionPathExists=!/var/lib/remaster-test-regenerated
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

# args: disk firmware name. Boots the installed disk alone; checks its proof
# line and leaves it in $line (empty when it did not come up).
boot_installed() {
	local disk=$1 fw=$2 name=$3 log uuid mid start
	line=
	[[ -s $disk ]] || { fail "$name: no disk image"; return; }
	log=$WORK/boot-$name.log
	start=$SECONDS
	if boot_image "$disk" "$fw" "$log" "${REMASTER_VM_TIMEOUT:-300}"; then
		line=$(proof_line "$log")
		echo "$name: $line ($((SECONDS - start)) s)"
		ok "$name: the installed disk boots alone to multi-user"
		uuid=$(sed -n 's/.* rootuuid=\([^ ]*\).*/\1/p' <<<"$line")
		case $line in
		*" root=ext4 "*" rootdev=/dev/vda3 "*) ok "$name: / is ext4 on the disk's root partition" ;;
		*) fail "$name: / is ext4 on the disk's root partition: $line" ;;
		esac
		if [[ -n $uuid && $line == *" fstab=UUID=$uuid"[[:space:]]/[[:space:]]ext4* ]]; then
			ok "$name: fstab names / by its UUID"
		else
			fail "$name: fstab names / by its UUID: $line"
		fi
		mid=$(sed -n 's/.* mid=\([0-9a-f]*\).*/\1/p' <<<"$line")
		if [[ ${#mid} -eq 32 && $mid != "$STICK_MACHINE_ID" ]]; then
			ok "$name: a machine-id of its own"
		else
			fail "$name: a machine-id of its own: $line"
		fi
	else
		fail "$name: the installed disk boots alone to multi-user (serial log follows)"
		show_boot_log "$name" "$log"
	fi
}

# args: name log. The end of a boot's console, and where the whole is kept.
show_boot_log() {
	tail -n 40 "$2" | tr -d '\r' | sed "s/^/  $1| /"
	cp "$2" "/tmp/remaster-vm-install-$1.log" 2>/dev/null && echo "  full log: /tmp/remaster-vm-install-$1.log"
}

# The host-installed disk under SeaBIOS; the live-installed one below boots
# under both firmwares (REMASTER_VM_FIRMWARES="bios uefi" adds OVMF here).
if [[ -z ${REMASTER_TEST_SKIP_HOST_INSTALL:-} ]]; then
	for fw in ${REMASTER_VM_FIRMWARES:-bios}; do
		boot_installed "$DISK" "$fw" "$fw"
	done
fi

# Inside the live system: the stick boots with a blank second disk (vdb; the
# stick, first, is vda) and its test unit installs onto it. The boot writes
# that disk (and the stick, read-only in the live system anyway).
LIVE_DISK=$WORK/live-disk.img
truncate -s 6G "$LIVE_DISK"
log=$WORK/boot-live-install.log
start=$SECONDS
REMASTER_VM_WRITE=1 REMASTER_VM_DISK2=$LIVE_DISK boot_image "$STICK" bios "$log" "${REMASTER_VM_INSTALL_TIMEOUT:-1200}"
installed=$(grep -a -m 1 -o 'REMASTER-INSTALL .*' "$log" | tr -d '\r')
echo "live install: ${installed:-no result line} ($((SECONDS - start)) s)"
if [[ $installed == "REMASTER-INSTALL rc=0 remaster=/usr/local/sbin/remaster" ]]; then
	ok "live system: remaster (bundled) installs it onto /dev/vdb"
else
	fail "live system: remaster (bundled) installs it onto /dev/vdb: ${installed:-no result line}"
	show_boot_log live-install "$log"
fi

# First boot of that disk (BIOS) regenerates, then proves; the second (UEFI)
# boots what the distribution's own commands made.
for fw in bios uefi; do
	if [[ $fw == bios ]]; then
		# dracut -f alone takes minutes under TCG.
		REMASTER_VM_WRITE=1 REMASTER_VM_TIMEOUT=${REMASTER_VM_REGEN_TIMEOUT:-900} boot_installed "$LIVE_DISK" bios live-bios
	else
		boot_installed "$LIVE_DISK" uefi live-uefi
	fi
	[[ -n $line ]] || continue
	case $line in
	*" session=made_in_the_live_session "*) ok "live-$fw: the live session's file is installed" ;;
	*) fail "live-$fw: the live session's file is installed: $line" ;;
	esac
	after=
	[[ $fw == uefi ]] && after=", and it boots after them"
	if [[ $line == *" regen=yes"* ]]; then
		ok "live-$fw: dracut -f and update-grub ran on the installed system$after"
	else
		fail "live-$fw: dracut -f and update-grub ran on the installed system: $line"
		grep -a 'REMASTER-REGEN' "$WORK/boot-live-$fw.log" | tr -d '\r' | sed 's/^/  /'
	fi
done

summary
