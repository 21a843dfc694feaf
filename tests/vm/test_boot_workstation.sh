#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# A workstation's root, as issue 14 describes it, made into a stick in the
# default (backup) mode and booted with `remaster boot-test`:
#   - /etc/fstab mounts /home and a swap partition by UUID, /etc/crypttab
#     names a LUKS disk by UUID, resume is set for initramfs-tools, dracut
#     (which is also told to add its resume module) and GRUB's defaults;
#   - a second, older real kernel (bullseye's, lib/older-kernel.sh).
# None of those disks exist in the guest. The stick must boot without waiting
# for them (no start job, no device timeout, no passphrase prompt), with no
# cryptsetup unit, no swap and no resume, and the older kernel's own menu
# entry, chosen through GRUB (boot-test --entry), must boot that kernel. The
# default entry boots with BIOS, the older kernel's with UEFI (OVMF), so
# boot-test's grubenv choice is shown through both GRUBs.
#
# The root is the cached Debian root (lib/debian-root.sh) under an overlay
# whose upper dir holds the workstation's files. Its remaster-proof.service
# is masked (it powers off, racing boot-test's up line); ws-proof.service
# prints a WS-PROOF line instead and leaves the power to boot-test.
#
# Needs root, loop devices, qemu-system-x86_64, qemu-img, qemu-io,
# mmdebstrap (for the older kernel), build/remaster. REMASTER_VM_TIMEOUT (s,
# default 600) bounds each boot.

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib/vm.sh
. "$HERE/lib/vm.sh"
# shellcheck source=lib/workstation-root.sh
. "$HERE/lib/workstation-root.sh"
TIMEOUT=${REMASTER_VM_TIMEOUT:-600}
export REMASTER_BOOT_TEST_ACCEL=tcg

make_work workstation

# args: dir, older kernel dir. The workstation's files, as an overlay upper dir.
write_upper() {
	local u=$1 k=$2
	mkdir -p "$u/etc/systemd/system/multi-user.target.wants" "$u/usr/local/sbin"
	write_workstation_disks "$u"
	ln -s /dev/null "$u/etc/systemd/system/remaster-proof.service"
	cat >"$u/usr/local/sbin/ws-proof" <<'PROOF'
#!/bin/sh
crypt=$(systemctl list-units --all --no-legend 'systemd-cryptsetup@*' | wc -l)
swaps=$(tail -n +2 /proc/swaps | wc -l)
failed=$(systemctl list-units --failed --no-legend --plain | awk '{print $1}' | paste -sd, -)
resume=$(tr ' ' '\n' </proc/cmdline | grep -c '^resume=')
line="WS-PROOF kernel=$(uname -r) crypt=$crypt swaps=$swaps resume=$resume failed=${failed:-none}"
for tty in /dev/ttyS0 /dev/console; do echo "$line" >"$tty" 2>/dev/null || :; done
PROOF
	chmod 755 "$u/usr/local/sbin/ws-proof"
	cat >"$u/etc/systemd/system/ws-proof.service" <<'UNIT'
[Unit]
Description=workstation test: report the live system's disks
After=local-fs.target swap.target cryptsetup.target

[Service]
Type=oneshot
ExecStart=/usr/local/sbin/ws-proof

[Install]
WantedBy=multi-user.target
UNIT
	ln -s ../ws-proof.service "$u/etc/systemd/system/multi-user.target.wants/ws-proof.service"
	# The older kernel, as its package would install it.
	mkdir -p "$u/boot" "$u/usr/lib/modules"
	cp -a "$k/boot/." "$u/boot/"
	cp -a "$k/usr/lib/modules/." "$u/usr/lib/modules/"
}

# args: name firmware [boot-test args...]. Output in $WORK/NAME.out, console
# in $WORK/NAME.log; sets RC and SECS (boot-test's own measure).
boot_test() {
	local name=$1 firmware=$2
	shift 2
	"$REMASTER_BIN" boot-test --on "$IMAGE" --firmware "$firmware" --timeout "$TIMEOUT" \
		--log "$WORK/$name.log" "$@" >"$WORK/$name.out" 2>&1
	RC=$?
	SECS=$(grep -oE 'booted in [0-9]+ s' "$WORK/$name.out" | grep -oE '[0-9]+')
	echo "boot $name (exit $RC):"
	sed 's/^/  > /' "$WORK/$name.out"
}

# args: description file regex. The file has a line matching it.
expect_in() {
	if grep -aqE -- "$3" "$2"; then ok "$1"; else fail "$1: no '$3' in $2"; fi
}
# args: description file regex. No line matches.
expect_not_in() {
	if grep -aqE -- "$3" "$2"; then fail "$1: $(grep -aE -m 2 -- "$3" "$2")"; else ok "$1"; fi
}

# The console signs of waiting for the host's disks or asking for a key.
WAITS='A start job is running|Timed out waiting for device|Dependency failed for|[Pp]assphrase|Please enter|resume: .*(wait|Waiting)|Could not boot|dracut-initqueue.*timeout|Warning: /dev/disk/by-uuid/.* does not exist'

# --- the root and its stick -------------------------------------------------------
ROOT=$("$HERE/lib/debian-root.sh") || { fail "building the Debian root"; summary; exit; }
OLDK=$("$HERE/lib/older-kernel.sh") || { fail "extracting the older kernel"; summary; exit; }
OLD_KVER=$(cat "$OLDK/.kernel-version")
NEW_KVER=$(find "$ROOT/usr/lib/modules" -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -V | tail -n 1)
mkdir -p "$WORK/upper" "$WORK/ovl" "$WORK/root"
write_upper "$WORK/upper" "$OLDK"
if ! mount -t overlay -o "lowerdir=$ROOT,upperdir=$WORK/upper,workdir=$WORK/ovl" remaster-ws "$WORK/root"; then
	fail "the workstation root's overlay"
	summary
	exit
fi
IMAGE=$WORK/stick.img
start=$SECONDS
"$REMASTER_BIN" snapshot --root "$WORK/root" --to "$IMAGE" --dry-run >"$WORK/plan.out" 2>&1
expect_in "--dry-run lists the older kernel" "$WORK/plan.out" "$OLD_KVER"
expect_in "--dry-run says crypttab is commented out" "$WORK/plan.out" 'crypttab'
if "$REMASTER_BIN" snapshot --root "$WORK/root" --to "$IMAGE" --yes --quiet >"$WORK/snap.out" 2>&1; then
	ok "stick made ($((SECONDS - start)) s)"
else
	fail "stick made: $(tail -n 5 "$WORK/snap.out")"
	umount "$WORK/root"
	summary
	exit
fi
umount "$WORK/root"
expect "the source's crypttab is unchanged" grep -q "^home_crypt UUID=$WS_LUKS_UUID" "$WORK/upper/etc/crypttab"

# The older kernel's menu entry: the one whose title names its version.
OLD_ID=
if stick_mount "$IMAGE" "$WORK/mnt" ro; then
	OLD_ID=$(grep -E "^menuentry .*$OLD_KVER" "$WORK/mnt/boot/grub/grub.cfg" | grep -oE -m 1 -- "--id '?[A-Za-z0-9._-]+" |
		sed -E "s/--id '?//")
	cp "$WORK/mnt/boot/grub/grub.cfg" "$WORK/grub.cfg"
	stick_umount "$WORK/mnt"
else
	fail "mounting the stick"
fi

# --- 1: the default entry -----------------------------------------------------------
boot_test default bios
DEFAULT_SECS=$SECS
expect "the workstation's stick boots: exit 0" test "$RC" -eq 0
expect_in "its live system is up" "$WORK/default.out" 'remaster: live system up'
expect_in "the default entry boots the newest kernel" "$WORK/default.log" "WS-PROOF kernel=$NEW_KVER "
expect_in "no cryptsetup unit, no swap, no resume= in the live system" "$WORK/default.log" 'WS-PROOF .* crypt=0 swaps=0 resume=0 '
expect_in "noresume and rd.luks=0 on the kernel's command line" "$WORK/default.log" 'Command line:.* noresume .*rd\.luks=0'
expect_not_in "no wait for the host's disks, no passphrase prompt" "$WORK/default.log" "$WAITS"

# --- 2: the older kernel's entry, through GRUB --------------------------------------
if [[ -n $OLD_ID ]]; then
	boot_test older uefi --entry "$OLD_ID"
	expect "the older kernel's entry ($OLD_ID) boots under UEFI: exit 0" test "$RC" -eq 0
	expect_in "it runs the older kernel $OLD_KVER" "$WORK/older.log" "WS-PROOF kernel=$OLD_KVER "
	expect_in "no cryptsetup unit, no swap, no resume= with it either" "$WORK/older.log" 'WS-PROOF .* crypt=0 swaps=0 resume=0 '
	expect_not_in "no wait, no passphrase prompt with it either" "$WORK/older.log" "$WAITS"
else
	fail "no menu entry names the older kernel $OLD_KVER"
fi
echo "boot times (boot-test, TCG): default entry ${DEFAULT_SECS:-?} s, older kernel ${SECS:-?} s"

summary
