#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# Boot test: the Debian test root as a hybrid ISO (snapshot --iso) boots to
# multi-user through its own GRUB and our dracut module, which finds the
# ISO by its UUID and mounts it as iso9660. One image, six boots, each
# proving what no other does:
#   1 CD-ROM, SeaBIOS, default entry   El Torito BIOS (eltorito core)
#   2 USB stick, OVMF, ram entry       the ESP in its GPT; boot-test --bus usb
#                                      through the real menu; the medium is
#                                      released (unmounted, the squashfs in RAM)
#   3 CD-ROM, OVMF, check entry        the El Torito EFI entry; the initramfs
#                                      verifies the files (boot-test)
#   4 USB stick, SeaBIOS, default      boot_hybrid.img in the MBR
#   5 a file on an ext4 disk           a loader GRUB (grub-mkrescue, CD-ROM,
#                                      SeaBIOS) that only does loopback,
#                                      iso_path and configfile loopback.cfg:
#                                      the module finds the file
#                                      (rd.remaster.iso) and loop-mounts it
#   6 a copy with one byte of the squashfs changed, check entry: boot-test
#     fails and names the file (CD-ROM, SeaBIOS)
# The ISO is made from the cached Debian root through an overlay whose
# proof line says what the live system sees of its medium (medium=,
# lowerfile=, isofile=) and which stays on under boot-test
# (remaster.test.stay), which waits for the up line.
# REMASTER_VM_TIMEOUT (s, default 600) bounds each boot; REMASTER_TEST_ISO=FILE
# reuses an ISO made by an earlier run (KEEP_WORK=1 keeps it), and
# REMASTER_TEST_BOOTS="2 5" runs only those boots.

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib/vm.sh
. "$HERE/lib/vm.sh"
TIMEOUT=${REMASTER_VM_TIMEOUT:-600}
export REMASTER_BOOT_TEST_ACCEL=tcg

make_work iso

# args: source root, dir. Prints a root under dir: the source through an
# overlay whose proof line also says what the live system sees of its medium.
make_test_root() {
	local src=$1 dir=$2
	mkdir -p "$dir/upper/usr/local/sbin" "$dir/work" "$dir/root"
	cat >"$dir/upper/usr/local/sbin/remaster-proof-extra" <<'PROOF'
#!/bin/sh
# Test-only (test_boot_iso.sh): the medium as the live system sees it.
medium=$(findmnt -n -o SOURCE,FSTYPE,OPTIONS /run/remaster/medium | awk '{ split($3, o, ","); print $1 ":" $2 ":" o[1] }')
isofile=$(losetup -n -O BACK-FILE "$(findmnt -n -o SOURCE /run/remaster/medium)" 2>/dev/null | tr -d ' ')
lowerfile=$(losetup -n -O BACK-FILE "$(findmnt -n -o SOURCE /run/remaster/lower)" 2>/dev/null | tr -d ' ')
echo "medium=${medium:-none} isofile=${isofile:-none} lowerfile=${lowerfile:-none}"
PROOF
	chmod 755 "$dir/upper/usr/local/sbin/remaster-proof-extra"
	proof_stays_on_for_boot_test "$src" "$dir/upper" || return 1
	mount -t overlay -o "lowerdir=$src,upperdir=$dir/upper,workdir=$dir/work" remaster-test-root "$dir/root" || return 1
	echo "$dir/root"
}

if [[ -n "${REMASTER_TEST_ISO:-}" ]]; then
	ISO=$REMASTER_TEST_ISO
	echo "reusing the ISO $ISO"
else
	ROOT=$("$HERE/lib/debian-root.sh") || { fail "building the Debian root"; summary; exit 1; }
	TROOT=$(make_test_root "$ROOT" "$WORK/troot") || { fail "test root overlay"; summary; exit 1; }
	ISO=$WORK/live.iso
	start=$SECONDS
	if "$REMASTER_BIN" snapshot --root "$TROOT" --iso "$ISO" --kernel-args "console=ttyS0,115200" --quiet &&
		[[ -s "$ISO" ]]; then
		ok "ISO made ($((SECONDS - start)) s)"
	else
		fail "ISO made"
		summary
		exit 1
	fi
	umount "$TROOT"
fi
uuid=$(blkid -o value -s UUID "$ISO")

# args: boot number. True when REMASTER_TEST_BOOTS is unset or lists it.
wanted() {
	[[ -z "${REMASTER_TEST_BOOTS:-}" || " $REMASTER_TEST_BOOTS " == *" $1 "* ]]
}

# args: name. Shows the end of a boot's console after a failed check.
show_log() {
	echo "  --- $1: last lines of $WORK/$1.log"
	tail -n 30 "$WORK/$1.log" | tr -d '\r' | sed "s/^/  $1| /"
}

# args: name pattern. The boot's console has a line matching the regex.
expect_console() {
	if grep -aEq -- "$2" <(tr -d '\r' <"$WORK/$1.log"); then
		ok "$1: console: $2"
	else
		fail "$1: console: $2"
		show_log "$1"
	fi
}

# args: name line pattern... Every pattern (a glob) is a word of the proof line.
expect_proof() {
	local name=$1 line=$2 p
	shift 2
	for p in "$@"; do
		# shellcheck disable=SC2027,SC2053 # $p unquoted: a glob on purpose
		if [[ " $line " != *" "$p" "* ]]; then
			fail "$name: '$p' in the proof line: ${line:-none (the boot did not reach multi-user)}"
			show_log "$name"
			return 1
		fi
	done
	ok "$name: proof line has $*"
}

# args: name bus firmware. Boots the ISO's default entry without boot-test
# (the proof unit powers off); prints the proof line.
direct_boot() {
	local name=$1 start=$SECONDS
	REMASTER_VM_BUS=$2 boot_image "$ISO" "$3" "$WORK/$name.log" "$TIMEOUT" || :
	echo "boot $name ($((SECONDS - start)) s): $(proof_line "$WORK/$name.log")" >&2
	proof_line "$WORK/$name.log"
}

# args: name iso [boot-test args...]. Runs boot-test on the ISO; its output in
# $WORK/NAME.out, the console in $WORK/NAME.log; sets RC.
boot_test() {
	local name=$1 iso=$2 start=$SECONDS
	shift 2
	"$REMASTER_BIN" boot-test --on "$iso" --timeout "$TIMEOUT" --log "$WORK/$name.log" \
		--kernel-args remaster.test.stay=1 "$@" >"$WORK/$name.out" 2>&1
	RC=$?
	echo "boot $name ($((SECONDS - start)) s, exit $RC):"
	sed 's/^/  > /' "$WORK/$name.out"
}

# --- 1: CD-ROM, SeaBIOS, the default entry ------------------------------------
if wanted 1; then
	line=$(direct_boot cdrom-bios cdrom bios)
	expect_proof cdrom-bios "$line" root=overlay "medium=/dev/sr0:iso9660:ro" lowerfile=/run/remaster/medium/remaster/*/filesystem.squashfs
	# The ISO is the only disk: reaching multi-user means the module found and
	# mounted it by the UUID that GRUB's entry passed.
	expect_console cdrom-bios "ommand line: .*rd\.remaster\.uuid=$uuid( |\$)"
fi

# --- 2: USB stick, OVMF, the ram entry through the menu -------------------------
if wanted 2; then
	sum_before=$(sha256sum "$ISO" | cut -d' ' -f1)
	boot_test usb-uefi-ram "$ISO" --bus usb --firmware uefi --entry ram
	expect "usb-uefi-ram: boot-test --bus usb --entry ram: exit 0" test "$RC" -eq 0
	expect_console usb-uefi-ram 'Command line:.*rd\.remaster\.ram=1'
	expect_console usb-uefi-ram 'the system runs from RAM; the stick can be removed'
	expect_proof usb-uefi-ram "$(proof_line "$WORK/usb-uefi-ram.log")" root=overlay medium=none \
		lowerfile=/run/remaster/ram/filesystem.squashfs
fi

# --- 3: CD-ROM, OVMF, the check entry through the menu ---------------------------
if wanted 3; then
	boot_test cdrom-uefi-check "$ISO" --firmware uefi --entry check
	expect "cdrom-uefi-check: boot-test --entry check: exit 0" test "$RC" -eq 0
	expect_console cdrom-uefi-check 'Command line:.*rd\.remaster\.check=1'
	expect_console cdrom-uefi-check 'remaster: verified [0-9]+ files in /remaster/'
	expect "boot-test did not write the ISO" test "$(sha256sum "$ISO" | cut -d' ' -f1)" = "$sum_before"
fi

# --- 4: USB stick, SeaBIOS (boot_hybrid.img in the MBR) ---------------------------
if wanted 4; then
	line=$(direct_boot usb-bios usb bios)
	expect_proof usb-bios "$line" root=overlay "medium=/dev/sd*:iso9660:ro"
fi

# --- 5: the ISO as a file on an ext4 disk, through GRUB loopback -----------------
if wanted 5; then
	# The disk: an ext4 filesystem (no partition table) made from a directory
	# holding a hard link to the ISO (mkfs.ext4 -d: no mount, no second copy).
	mkdir -p "$WORK/isodisk/isos" "$WORK/loader/boot/grub"
	ln "$ISO" "$WORK/isodisk/isos/live.iso" 2>/dev/null || cp --sparse=always "$ISO" "$WORK/isodisk/isos/live.iso"
	DISK=$WORK/isodisk.img
	truncate -s $(($(stat -c %s "$ISO") + 64 * 1024 * 1024)) "$DISK"
	mkfs.ext4 -q -F -d "$WORK/isodisk" "$DISK" && disk_uuid=$(blkid -o value -s UUID "$DISK")
	# The loader does nothing but what a multi-boot stick's GRUB does. iso_path
	# is exported: configfile reads the file in a context holding only the
	# exported variables (the loopback.cfg convention says so).
	cat >"$WORK/loader/boot/grub/grub.cfg" <<-'CFG'
	serial --unit=0 --speed=115200
	terminal_input serial console
	terminal_output serial console
	insmod ext2
	insmod iso9660
	search --no-floppy --file --set=isodisk /isos/live.iso
	loopback loop ($isodisk)/isos/live.iso
	set iso_path=/isos/live.iso
	export iso_path
	set root=(loop)
	configfile (loop)/boot/grub/loopback.cfg
	CFG
	if grub-mkrescue -d /usr/lib/grub/i386-pc -o "$WORK/loader.iso" "$WORK/loader" >"$WORK/mkrescue.out" 2>&1; then
		start=$SECONDS
		REMASTER_VM_BUS=cdrom REMASTER_VM_DISK2=$DISK boot_image "$WORK/loader.iso" bios "$WORK/loopback.log" "$TIMEOUT" || :
		line=$(proof_line "$WORK/loopback.log")
		echo "boot loopback ($((SECONDS - start)) s): $line"
		expect_proof loopback "$line" root=overlay "medium=/dev/loop*:iso9660:ro" \
			isofile=/run/remaster/isodisk/isos/live.iso
		# GRUB found the file's filesystem (search --file, probe --fs-uuid).
		expect_console loopback "ommand line: .*rd\.remaster\.iso=/isos/live\.iso rd\.remaster\.iso\.fsuuid=$disk_uuid( |\$)"
		expect_console loopback "remaster: found the ISO /isos/live\.iso \(UUID $uuid\)"
	else
		fail "grub-mkrescue made the loader: $(tail -n 3 "$WORK/mkrescue.out")"
	fi
	rm -f "$DISK" "$WORK/isodisk/isos/live.iso"
fi

# --- 6: one byte of the squashfs changed, the check entry fails -------------------
if wanted 6; then
	BAD=$WORK/bad.iso
	cp --sparse=always "$ISO" "$BAD"
	lba=$(xorriso -indev "$BAD" -find /remaster -name filesystem.squashfs -exec report_lba 2>/dev/null |
		awk -F' *, *' '/^File data lba/ { print $2; exit }')
	if [[ -n $lba ]]; then
		printf 'X' | dd of="$BAD" bs=1 seek=$((lba * 2048 + 4096)) conv=notrunc status=none
		boot_test cdrom-bios-checkbad "$BAD" --firmware bios --entry check
		expect "cdrom-bios-checkbad: boot-test --entry check of a changed squashfs: exit 1" test "$RC" -eq 1
		if grep -aEq 'FAILED after [0-9]+ s: .*/remaster/[0-9-]+/filesystem\.squashfs is corrupted' "$WORK/cdrom-bios-checkbad.out"; then
			ok "cdrom-bios-checkbad: the verdict names the squashfs"
		else
			fail "cdrom-bios-checkbad: the verdict names the squashfs"
		fi
	else
		fail "the squashfs's place in the ISO (xorriso report_lba)"
	fi
	rm -f "$BAD"
fi

summary
