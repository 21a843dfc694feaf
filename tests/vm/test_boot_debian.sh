#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# Boot test: a Debian bookworm root made into a stick boots to multi-user
# from squashfs + overlay under SeaBIOS, through the stick's GRUB and
# the systemd-based dracut initramfs with our module, and the source root is
# left untouched. Made by remaster, the stick also carries --kernel-args that
# are GRUB syntax (; $prefix # }{), and the booted kernel's /proc/cmdline
# must hold them literally (issue 12).
#
# Needs root, loop devices, qemu-system-x86_64, ovmf, mmdebstrap (first run).
# REMASTER_STICK_MAKER=remaster|script picks who builds the stick: the C++
# program (default when build/remaster knows --to) or the reference script.
# REMASTER_VM_TIMEOUT (s, default 300) bounds each boot.
# REMASTER_VM_FIRMWARES="bios uefi" adds the OVMF boot. By default the suite
# leaves it to the tests that boot sticks under OVMF anyway (incremental,
# after_interrupt, workstation, install, iso, secureboot): GRUB's quoting of
# the arguments is the same script for both firmwares.

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib/vm.sh
. "$HERE/lib/vm.sh"

KERNEL_ARGS="console=ttyS0,115200"
# shellcheck disable=SC2016  # literally $prefix: GRUB must not expand it
SPECIAL_ARGS='remaster.t1=a;b remaster.t2=$prefix remaster.t3=#x remaster.t4=}{'
if [[ -z "${REMASTER_STICK_MAKER:-}" ]]; then
	if [[ -x "$REMASTER_BIN" ]] && "$REMASTER_BIN" snapshot --help 2>&1 | grep -q -- '--to'; then
		REMASTER_STICK_MAKER=remaster
	else
		REMASTER_STICK_MAKER=script
	fi
fi

WORK=$(mktemp -d "${REMASTER_TEST_TMP:-/var/tmp}/remaster-vm.XXXXXX")
# Safety net behind the stick maker's own cleanup: nothing that refers to our
# work directory may survive the test, whatever failed.
cleanup() {
	release_below "$WORK"
	[[ -n "${KEEP_WORK:-}" ]] || rm -rf --one-file-system "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# args: root image
make_stick() {
	case $REMASTER_STICK_MAKER in
	remaster) "$REMASTER_BIN" snapshot --root "$1" --to "$2" --kernel-args "$KERNEL_ARGS $SPECIAL_ARGS" --yes ;;
	script) "$HERE/lib/make-stick.sh" "$1" "$2" "$KERNEL_ARGS" >/dev/null ;;
	*) echo "REMASTER_STICK_MAKER must be remaster or script" >&2; return 2 ;;
	esac
}

# args: root. One line per file with mtime, ctime, size and mode, hashed.
root_state() {
	find "$1" -xdev -printf '%P %T@ %C@ %s %m\n' | LC_ALL=C sort | sha256sum
}

ROOT=$("$HERE/lib/debian-root.sh") || { fail "building the Debian root"; summary; exit 1; }
before=$(root_state "$ROOT")
SOURCE_ROOT=$ROOT
if [[ $REMASTER_STICK_MAKER == remaster ]]; then
	# The root through an overlay whose remaster-proof-extra reports the
	# remaster.t* words of /proc/cmdline, as the kernel got them.
	mkdir -p "$WORK/upper/usr/local/sbin" "$WORK/ow" "$WORK/root"
	cat >"$WORK/upper/usr/local/sbin/remaster-proof-extra" <<'PROOF'
#!/bin/sh
# Test-only (test_boot_debian.sh): the remaster.t* kernel arguments, joined by |.
set -f
kargs=
for arg in $(cat /proc/cmdline); do
	case $arg in remaster.t*) kargs="$kargs${kargs:+|}$arg" ;; esac
done
echo "kargs=${kargs:-none}"
PROOF
	chmod 755 "$WORK/upper/usr/local/sbin/remaster-proof-extra"
	mount -t overlay -o "lowerdir=$ROOT,upperdir=$WORK/upper,workdir=$WORK/ow" remaster-test-root "$WORK/root" ||
		{ fail "overlay of the Debian root"; summary; exit 1; }
	ROOT=$WORK/root
fi

IMAGE=$WORK/stick.img
echo "making the stick with: $REMASTER_STICK_MAKER"
if make_stick "$ROOT" "$IMAGE" && [[ -s "$IMAGE" ]]; then
	ok "stick made ($REMASTER_STICK_MAKER)"
else
	fail "stick made ($REMASTER_STICK_MAKER)"
fi

if [[ "$(root_state "$SOURCE_ROOT")" == "$before" ]]; then
	ok "source root unchanged"
else
	fail "source root unchanged: files under $SOURCE_ROOT were created, changed or touched"
fi

for fw in ${REMASTER_VM_FIRMWARES:-bios}; do
	[[ -s "$IMAGE" ]] || { fail "$fw boot: no image"; continue; }
	log=$WORK/boot-$fw.log
	start=$SECONDS
	if boot_image "$IMAGE" "$fw" "$log" "${REMASTER_VM_TIMEOUT:-300}"; then
		line=$(proof_line "$log")
		echo "$fw: $line ($((SECONDS - start)) s)"
		ok "$fw boot reaches multi-user"
		case $line in
		*" root=overlay "*) ok "$fw: / is the overlay" ;;
		*) fail "$fw: / is the overlay: $line" ;;
		esac
		case $line in
		*" fstab=none "* | *" fstab=overlay / overlay "*) ok "$fw: live fstab scrubbed" ;;
		*) fail "$fw: live fstab scrubbed: $line" ;;
		esac
		case $line in
		*" host=remaster-test"*) ok "$fw: hostname kept" ;;
		*) fail "$fw: hostname kept: $line" ;;
		esac
		if [[ $REMASTER_STICK_MAKER == remaster ]]; then
			case $line in
			*" kargs=${SPECIAL_ARGS// /|}"*) ok "$fw: GRUB syntax in --kernel-args reaches /proc/cmdline literally" ;;
			*) fail "$fw: GRUB syntax in --kernel-args reaches /proc/cmdline literally: $line" ;;
			esac
		fi
	else
		fail "$fw boot reaches multi-user (serial log follows)"
		tail -n 40 "$log" | tr -d '\r' | sed "s/^/  $fw| /"
		cp "$log" "/tmp/remaster-vm-$fw.log" 2>/dev/null && echo "  full log: /tmp/remaster-vm-$fw.log"
	fi
done

summary
