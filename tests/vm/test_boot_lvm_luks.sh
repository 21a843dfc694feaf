#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# Issue 14, a workstation's disks as the source: / on an LVM logical volume
# and /home on LUKS (unlocked and mounted, as on the running machine) on
# another logical volume. This VM's kernel has no device-mapper, so the
# test runs inside a QEMU guest whose Debian kernel has it: a stick of the
# Debian test root plus lvm2 and cryptsetup (unpacked from their .debs into
# an overlay; the cached root is never written) boots with a second, blank
# disk. A test-only unit of the live system builds the workstation on that
# disk (PV, VG ws, LVs root and home, LUKS2 on home, ext4 on both), mounts
# it as /mnt/ws and /mnt/ws/home, and runs the remaster the stick carries
# (bundled: the root has none):
#   - snapshot --root /mnt/ws --squashfs ... --dry-run lists / as on the LVM
#     logical volume ws/root and /home as LUKS2, unlocked, on ws/home, and
#     /home as part of the view;
#   - the real run's squashfs holds the files of both (the LUKS /home's
#     file in backup mode) and the root's crypttab commented out.
# The unit's verdict is on the proof line (ws=...). Needs root, loop
# devices, qemu-system-x86_64, apt's package lists (first run).
# REMASTER_VM_TIMEOUT (s, default 600) bounds the boot.

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib/vm.sh
. "$HERE/lib/vm.sh"
# shellcheck source=lib/debs.sh
. "$HERE/lib/debs.sh"

TIMEOUT=${REMASTER_VM_TIMEOUT:-600}
# lvm2 and cryptsetup with what they need beyond the test root.
PACKAGES=(lvm2 dmeventd liblvm2cmd2.03 libdevmapper-event1.02.1 libaio1 libedit2 libbsd0 cryptsetup-bin libpopt0)

make_work lvm-luks
ROOT=$("$HERE/lib/debian-root.sh") || { fail "building the Debian root"; summary; exit 1; }
DEBS=$(cached_debs lvm-luks "${PACKAGES[@]}") || { fail "apt-get download ${PACKAGES[*]}"; summary; exit 1; }
UPPER=$WORK/upper
mkdir -p "$UPPER/usr/local/sbin" "$WORK/ow" "$WORK/root"
unpack_debs "$DEBS" "$UPPER" "$ROOT" || { fail "unpack ${PACKAGES[*]}"; summary; exit 1; }

cat >"$UPPER/usr/local/sbin/remaster-test-workstation" <<'WS'
#!/bin/sh
# Test-only (test_boot_lvm_luks.sh): a workstation's disks on /dev/vdb, then
# remaster run on it as on a running machine. The verdict goes to
# /run/remaster-test-ws for the proof line; the steps to the console.
log=/run/remaster-test-ws.log
exec >"$log" 2>&1
set -x
verdict() { echo "$1" >/run/remaster-test-ws; { echo "REMASTER-WS $1"; tail -n 25 "$log"; } >/dev/ttyS0; exit 0; }
lvmc='--config=activation{udev_sync=0 udev_rules=0}'
modprobe dm-mod && modprobe dm-crypt || verdict "no-dm"
pvcreate -ff -y "$lvmc" /dev/vdb && vgcreate "$lvmc" ws /dev/vdb &&
	lvcreate "$lvmc" -y -n root -L 160M ws && lvcreate "$lvmc" -y -n home -L 64M ws || verdict "lvm-failed"
printf 'remaster-test-passphrase' >/run/ws.key
cryptsetup luksFormat -q --type luks2 --pbkdf pbkdf2 --pbkdf-force-iterations 1000 --key-file /run/ws.key /dev/ws/home &&
	cryptsetup open --key-file /run/ws.key /dev/ws/home home || verdict "luks-failed"
mkfs.ext4 -q /dev/ws/root && mkfs.ext4 -q /dev/mapper/home || verdict "mkfs-failed"
mkdir -p /mnt/ws && mount /dev/ws/root /mnt/ws || verdict "mount-root-failed"
# A small system on the LVM root: its /etc (with the host-like crypttab).
cp -a /etc /mnt/ws/ && mkdir -p /mnt/ws/home /mnt/ws/root || verdict "populate-failed"
echo "home UUID=$(blkid -s UUID -o value /dev/ws/home) none luks" >/mnt/ws/etc/crypttab
mount /dev/mapper/home /mnt/ws/home && mkdir -p /mnt/ws/home/user &&
	echo "only on the LUKS home" >/mnt/ws/home/user/notes.txt || verdict "mount-home-failed"
remaster snapshot --root /mnt/ws --squashfs /root/ws.sqfs --dry-run >/run/ws-plan.txt 2>&1 || verdict "dry-run-failed"
cat /run/ws-plan.txt
lvm=no luks=no home=no
grep -q '^  /  (overlay of /mnt/ws; ext4 on /dev/mapper/ws-root (LVM logical volume ws/root, on disk /dev/vdb))' /run/ws-plan.txt && lvm=yes
grep -q '^  /home  (own overlay: part of the system; ext4 on /dev/mapper/home (LUKS2, unlocked as /dev/mapper/home, on LVM logical volume ws/home, on disk /dev/vdb))' /run/ws-plan.txt && luks=yes
remaster snapshot --root /mnt/ws --squashfs /root/ws.sqfs -q || verdict "lvm=$lvm luks=$luks snapshot-failed"
mkdir -p /run/ws-sq && mount -o loop,ro /root/ws.sqfs /run/ws-sq || verdict "lvm=$lvm luks=$luks mount-sqfs-failed"
grep -qx "only on the LUKS home" /run/ws-sq/home/user/notes.txt && home=yes
crypttab=no
grep -q 'commented out for the live system: home UUID=' /run/ws-sq/etc/crypttab &&
	! grep -q '^home ' /run/ws-sq/etc/crypttab && crypttab=commented
umount /run/ws-sq
verdict "lvm=$lvm luks=$luks home=$home crypttab=$crypttab"
WS
cat >"$UPPER/usr/local/sbin/remaster-proof-extra" <<'PROOF'
#!/bin/sh
# Test-only (test_boot_lvm_luks.sh): the workstation unit's verdict.
echo "ws=$(tr ' ' , </run/remaster-test-ws 2>/dev/null || echo none)"
PROOF
chmod 755 "$UPPER/usr/local/sbin/remaster-test-workstation" "$UPPER/usr/local/sbin/remaster-proof-extra"
test_unit "$UPPER" remaster-test-workstation "snapshot a workstation on LVM and LUKS" \
	/usr/local/sbin/remaster-test-workstation ConditionKernelCommandLine=root=remaster
mount -t overlay -o "lowerdir=$ROOT,upperdir=$UPPER,workdir=$WORK/ow" remaster-test-root "$WORK/root" ||
	{ fail "overlay of the Debian root"; summary; exit 1; }

STICK=$WORK/stick.img
if "$REMASTER_BIN" snapshot --root "$WORK/root" --to "$STICK" --kernel-args console=ttyS0,115200 --yes -q; then
	ok "stick of the test root with lvm2 and cryptsetup made"
else
	fail "stick made"
	summary
	exit 1
fi
umount "$WORK/root"

truncate -s 512M "$WORK/disk.img"
start=$SECONDS
if REMASTER_VM_DISK2=$WORK/disk.img boot_image "$STICK" bios "$WORK/boot.log" "$TIMEOUT"; then
	ok "the live system booted with the blank second disk ($((SECONDS - start)) s)"
else
	fail "the live system booted with the blank second disk"
	tail -n 40 "$WORK/boot.log" | tr -d '\r' | sed 's/^/    /'
fi
line=$(proof_line "$WORK/boot.log")
ws=$(sed -n 's/.* ws=\([^ ]*\).*/\1/p' <<<"$line")
echo "workstation unit: ${ws:-none}"
[[ $ws == lvm=yes,* ]] || tr -d '\r' <"$WORK/boot.log" | sed -n '/REMASTER-WS/,$p' | head -n 40 | sed 's/^/    /'
expect "--dry-run lists / on the LVM logical volume ws/root" test "${ws%%,*}" = lvm=yes
expect "--dry-run lists /home on LUKS2, unlocked, on the logical volume ws/home" grep -q ',luks=yes' <<<"$ws"
expect "the squashfs holds the LUKS /home's file (backup mode)" grep -q ',home=yes' <<<"$ws"
expect "the squashfs's crypttab is commented out, not deleted" grep -q ',crypttab=commented' <<<"$ws"

summary
