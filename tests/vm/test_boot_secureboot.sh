#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# Secure Boot (docs/boot.md): a stick made from a Debian root that has
# Debian's signed chain boots under OVMF with Microsoft's keys and Secure
# Boot enforcing (`remaster boot-test --firmware uefi-secure`), and the live
# system sees Secure Boot on; the same stick with an unsigned grubx64.efi
# does not boot there, which proves the firmware enforces. The ISO of the
# same root (snapshot --iso) carries the same chain in its ESP image and
# boots as a CD-ROM under the same firmware.
#
# The test root is the cached Debian root (lib/debian-root.sh, whose package
# list stays as it is) seen through an overlay whose upper layer holds the
# files of shim-signed, shim-helpers-amd64-signed and grub-efi-amd64-signed,
# unpacked from their .debs (kept under REMASTER_TEST_CACHE keyed by their versions: lib/debs.sh), and
# a remaster-proof-extra that adds to the proof line
#   sb=        the SecureBoot EFI variable's value (1: on), or none
#   lockdown=  the kernel's lockdown mode, [bracketed] in securityfs
#   rw=        file system type of /run/remaster/rw (tmpfs, or ext4: persistence)
# The cached root itself is never written.
#
# Five boots: the stick's default, ram and persist-default entries, the
# unsigned GRUB (refused), the ISO as a CD-ROM. Needs root, loop devices,
# apt's package lists (Debian's mirror), mtools, qemu-system-x86_64,
# OVMF_CODE_4M.ms.fd, build/remaster. REMASTER_VM_TIMEOUT (s, default 400)
# bounds each boot.

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib/vm.sh
. "$HERE/lib/vm.sh"

TIMEOUT=${REMASTER_VM_TIMEOUT:-400}
PACKAGES=(shim-signed shim-helpers-amd64-signed grub-efi-amd64-signed)
export MTOOLS_SKIP_CHECK=1

make_work secureboot

# shellcheck source=lib/debs.sh
. "$HERE/lib/debs.sh"
# Prints the directory holding the .debs of PACKAGES, downloaded once per
# set of candidate versions.
signed_debs() { cached_debs secureboot "${PACKAGES[@]}"; }

# args: source root, debs dir, dir. Prints the test root under dir.
make_test_root() {
	local src=$1 debs=$2 dir=$3
	mkdir -p "$dir/upper/usr/local/sbin" "$dir/work" "$dir/root"
	unpack_debs "$debs" "$dir/upper" "$src" || return 1
	cat >"$dir/upper/usr/local/sbin/remaster-proof-extra" <<'PROOF'
#!/bin/sh
# Test-only (test_boot_secureboot.sh): Secure Boot as the live system sees it.
# An EFI variable file is 4 bytes of attributes, then the value.
var=$(ls /sys/firmware/efi/efivars/SecureBoot-* 2>/dev/null | head -n 1)
sb=none
[ -n "$var" ] && sb=$(od -An -t u1 -j 4 -N 1 "$var" | tr -d ' ')
lockdown=$(sed 's/.*\[\(.*\)\].*/\1/' /sys/kernel/security/lockdown 2>/dev/null)
rw=$(findmnt -n -o FSTYPE /run/remaster/rw)
echo "sb=$sb lockdown=${lockdown:-none} rw=${rw:-none}"
PROOF
	chmod 755 "$dir/upper/usr/local/sbin/remaster-proof-extra"
	proof_stays_on_for_boot_test "$src" "$dir/upper" || return 1
	mount -t overlay -o "lowerdir=$src,upperdir=$dir/upper,workdir=$dir/work" remaster-test-root "$dir/root" || return 1
	echo "$dir/root"
}

# args: name image [entry]. boot-test under Secure Boot; its output in
# $WORK/boot-NAME.out, the console in $WORK/boot-NAME.log. Its status.
secure_boot() {
	local name=$1 image=$2 entry=${3:-} start=$SECONDS rc
	REMASTER_BOOT_TEST_ACCEL=tcg "$REMASTER_BIN" boot-test --on "$image" --firmware uefi-secure ${entry:+--entry "$entry"} \
		--kernel-args "remaster.test.stay=1" --timeout "${4:-$TIMEOUT}" --log "$WORK/boot-$name.log" \
		>"$WORK/boot-$name.out" 2>&1
	rc=$?
	echo "boot $name ($((SECONDS - start)) s, exit $rc): $(proof_line "$WORK/boot-$name.log")"
	return $rc
}

# args: name, proof line. Secure Boot on and the kernel locked down.
expect_secure() {
	case " $2 " in
	*" sb=1 "*) ok "$1: the live system sees Secure Boot on ($2)" ;;
	*) fail "$1: the live system sees Secure Boot on: '${2:-no proof line}'" ;;
	esac
	case " $2 " in
	*" lockdown=integrity "* | *" lockdown=confidentiality "*) ok "$1: the kernel is locked down" ;;
	*) fail "$1: the kernel is locked down: '${2:-no proof line}'" ;;
	esac
}

# args: what, image. The file at ::PATH of the image's ESP on stdout.
esp_file() {
	local offset
	offset=$(partx -g -o START -n 2 "$2" | tr -d ' ') || return 1
	mtype -i "$2@@$((offset * 512))" "::$1"
}

# --- the stick ----------------------------------------------------------------
ROOT=$("$HERE/lib/debian-root.sh") || { fail "building the Debian root"; summary; exit; }
DEBS=$(signed_debs) || { fail "apt-get download ${PACKAGES[*]}"; summary; exit; }
TROOT=$(make_test_root "$ROOT" "$DEBS" "$WORK/troot") || { fail "test root overlay"; summary; exit; }
IMAGE=$WORK/stick.img

plan=$("$REMASTER_BIN" snapshot --root "$TROOT" --to "$IMAGE" --secure-boot require --dry-run 2>&1)
expect "--dry-run names the signed chain" grep -q "UEFI: boots with Secure Boot on: shim /usr/lib/shim/shimx64.efi.signed" <<<"$plan"
start=$SECONDS
if "$REMASTER_BIN" snapshot --root "$TROOT" --to "$IMAGE" --secure-boot require --yes --quiet && [[ -s "$IMAGE" ]]; then
	ok "stick made with --secure-boot require ($((SECONDS - start)) s)"
else
	fail "stick made with --secure-boot require"
	summary
	exit
fi

# The ISO of the same root, with the same chain (boot 5).
ISO=$WORK/live.iso
plan=$("$REMASTER_BIN" snapshot --root "$TROOT" --iso "$ISO" --secure-boot require --dry-run 2>&1)
expect "ISO --dry-run names the signed chain" grep -q "UEFI: boots with Secure Boot on: shim /usr/lib/shim/shimx64.efi.signed" <<<"$plan"
start=$SECONDS
if "$REMASTER_BIN" snapshot --root "$TROOT" --iso "$ISO" --secure-boot require --kernel-args "console=ttyS0,115200" \
	--quiet && [[ -s "$ISO" ]]; then
	ok "ISO made with --secure-boot require ($((SECONDS - start)) s)"
else
	fail "ISO made with --secure-boot require"
fi
umount "$TROOT"
iso_uuid=$(blkid -o value -s UUID "$ISO")

# The ESP: shim as the removable-media loader, Debian's CD/stick GRUB beside
# it, the MOK manager, no fallback, and the config where gcdx64 looks.
same() { cmp -s <(esp_file "$1" "$IMAGE") "$WORK/troot/upper/$2"; }
expect "ESP: EFI/BOOT/BOOTX64.EFI is the signed shim" same /EFI/BOOT/BOOTX64.EFI usr/lib/shim/shimx64.efi.signed
expect "ESP: EFI/BOOT/grubx64.efi is gcdx64.efi.signed" same /EFI/BOOT/grubx64.efi usr/lib/grub/x86_64-efi-signed/gcdx64.efi.signed
expect "ESP: EFI/BOOT/mmx64.efi is the MOK manager" same /EFI/BOOT/mmx64.efi usr/lib/shim/mmx64.efi.signed
if esp_file /EFI/BOOT/fbx64.efi "$IMAGE" >/dev/null 2>&1; then fail "ESP: no fbx64.efi"; else ok "ESP: no fbx64.efi"; fi
expect "ESP: /boot/grub/grub.cfg finds the data partition by UUID" \
	grep -q -- "--fs-uuid --set=root" <(esp_file /boot/grub/grub.cfg "$IMAGE")

# The ISO's ESP image (its GPT partition 2) holds the same files, and the
# config that a stick-booted gcdx64 reads finds the ISO by its own UUID.
iso_same() { cmp -s <(esp_file "$1" "$ISO") "$WORK/troot/upper/$2"; }
expect "ISO ESP: EFI/BOOT/BOOTX64.EFI is the signed shim" iso_same /EFI/BOOT/BOOTX64.EFI usr/lib/shim/shimx64.efi.signed
expect "ISO ESP: EFI/BOOT/grubx64.efi is gcdx64.efi.signed" iso_same /EFI/BOOT/grubx64.efi usr/lib/grub/x86_64-efi-signed/gcdx64.efi.signed
expect "ISO ESP: EFI/BOOT/mmx64.efi is the MOK manager" iso_same /EFI/BOOT/mmx64.efi usr/lib/shim/mmx64.efi.signed
expect "ISO ESP: /boot/grub/grub.cfg finds the ISO by its UUID ($iso_uuid)" \
	grep -q -- "--fs-uuid --set=root ${iso_uuid:-no-uuid}\$" <(esp_file /boot/grub/grub.cfg "$ISO")

expect "remaster list: the snapshot boots with Secure Boot on" \
	grep -q "boots with Secure Boot on" <("$REMASTER_BIN" list --on "$IMAGE" 2>&1)

# --- 1-3: the default, ram and persistence entries boot with Secure Boot enforcing
for entry in "" ram persist-default; do
	name=${entry:-default}
	secure_boot "$name" "$IMAGE" "$entry"
	rc=$?
	line=$(proof_line "$WORK/boot-$name.log")
	if [[ $rc -eq 0 ]]; then ok "$name entry: boot-test saw the live system up"; else
		fail "$name entry: boot-test saw the live system up: $(cat "$WORK/boot-$name.out")"; fi
	expect_secure "$name entry" "$line"
done
# boot-test runs in a copy-on-write view: the stick itself is not written.
case " $(proof_line "$WORK/boot-persist-default.log") " in
*" rw=ext4 "*) ok "persist-default entry: the changes go to the stick (rw=ext4)" ;;
*) fail "persist-default entry: the changes go to the stick: '$(proof_line "$WORK/boot-persist-default.log")'" ;;
esac

# --- 4: an unsigned grubx64.efi is refused by shim -----------------------------
NEG=$WORK/unsigned.img
cp --sparse=always "$IMAGE" "$NEG"
offset=$(partx -g -o START -n 2 "$NEG" | tr -d ' ')
if grub-mkimage -O x86_64-efi -d "$ROOT/usr/lib/grub/x86_64-efi" -p /boot/grub -o "$WORK/unsigned.efi" \
	normal search search_fs_uuid configfile part_gpt fat ext2 &&
	mcopy -o -i "$NEG@@$((offset * 512))" "$WORK/unsigned.efi" ::/EFI/BOOT/grubx64.efi; then
	ok "the copy's grubx64.efi replaced by an unsigned GRUB"
else
	fail "the copy's grubx64.efi replaced by an unsigned GRUB"
fi
# shim refuses it with a dialog that waits for a key, its line unfinished:
# boot-test sees the refusal in it and says so at once.
if secure_boot unsigned "$NEG" "" 150; then
	fail "the unsigned GRUB does not boot under Secure Boot: $(cat "$WORK/boot-unsigned.out")"
else
	ok "the unsigned GRUB does not boot under Secure Boot"
fi
# LC_ALL=C: shim's box is drawn in code page 437, no UTF-8 (`.` would not
# match its bytes).
if LC_ALL=C grep -aqiE "FAILED after [0-9]+ s: .*(security violation|access denied)" "$WORK/boot-unsigned.out"; then
	ok "boot-test names the firmware's or shim's refusal as the reason"
else
	fail "boot-test names the firmware's or shim's refusal as the reason: $(cat -v "$WORK/boot-unsigned.out")"
fi
if proof_line "$WORK/boot-unsigned.log" | grep -q .; then fail "no proof line from the unsigned GRUB's stick"; else
	ok "no proof line from the unsigned GRUB's stick"; fi
expect "shim refused the unsigned GRUB: 'Verification failed: (0x1A) Security Violation'" \
	grep -a -q "Verification failed: (0x1A) Security Violation" "$WORK/boot-unsigned.log"
rm -f "$NEG"

# --- 5: the ISO as a CD-ROM: El Torito's EFI entry, shim, gcdx64 -------------
# No boot-test here (it takes sticks): qemu through lib/boot.sh, the proof
# service powers off (no remaster.test.stay on the ISO's command line).
start=$SECONDS
if [[ -s $ISO ]] && REMASTER_VM_BUS=cdrom boot_image "$ISO" uefi-secure "$WORK/boot-iso.log" "$TIMEOUT"; then
	line=$(proof_line "$WORK/boot-iso.log")
	echo "boot iso ($((SECONDS - start)) s): $line"
	ok "ISO as a CD-ROM: boots to the proof line under Secure Boot"
	expect_secure "ISO as a CD-ROM" "$line"
	# The ISO is the only disk: the module found it by the UUID GRUB passed.
	expect "ISO as a CD-ROM: the kernel was given the ISO's UUID" \
		grep -aEq "ommand line: .*rd\.remaster\.uuid=${iso_uuid:-no-uuid}( |\$)" <(tr -d '\r' <"$WORK/boot-iso.log")
else
	fail "ISO as a CD-ROM: boots to the proof line under Secure Boot (console follows)"
	tail -n 40 "$WORK/boot-iso.log" 2>/dev/null | tr -d '\r' | LC_ALL=C sed 's/^/  iso| /'
fi
rm -f "$ISO"

summary
