#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# Boot test of the boot options (docs/kernel-args.md): rd.remaster.persist
# and rd.remaster.ram do what they promise on a stick made by `remaster
# snapshot --to` (rd.remaster.check: test_boot_iso.sh boots the check entry
# through GRUB, test_boot_test.sh that of a damaged stick).
#
# The test root is the cached Debian root (lib/debian-root.sh) seen through an
# overlay whose only change is a remaster-proof-extra: besides root, fstab and
# host, the proof line then says what the live system sees of the boot options:
#   marker=   /var/lib/remaster-test/marker at boot (none if absent); with
#             remaster.test.write=WORD on the command line it then writes WORD
#   medium=   source:ro|rw of /run/remaster/medium, or none (unmounted)
#   rw=       file system type of /run/remaster/rw (tmpfs, or ext4 = stick)
#   lowerfile= backing file of the squashfs loop device
# The cached root itself is never written.
#
# The persistence boots go through GRUB: `remaster boot-test --entry
# persist-<profile> --keep-view FILE` boots the menu entry a user would pick,
# in one copy-on-write view kept across the boots, so each boot sees what the
# ones before it wrote. The other boots run the kernel and initramfs of the
# stick's default GRUB entry (lib/stick.sh) with the arguments of the stick's
# own menu entry for the option (ram), or the default entry's arguments plus
# the option, under qemu -snapshot (boot-test --entry ram/check:
# test_boot_iso.sh).
#
# Needs root, loop devices, qemu-system-x86_64, build/remaster. About 12 min
# under TCG. REMASTER_VM_TIMEOUT (s, default 300) bounds each boot;
# REMASTER_TEST_IMAGE=IMG reuses a stick made by an earlier run (KEEP_WORK=1
# keeps the work directory and prints it).

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib/vm.sh
. "$HERE/lib/vm.sh"

KERNEL_ARGS="console=ttyS0,115200"
TIMEOUT=${REMASTER_VM_TIMEOUT:-300}
# What a refused boot does instead of waiting in the emergency shell.
NO_SHELL="rd.shell=0 rd.emergency=poweroff"

make_work options

# args: source root, dir. Prints a root under dir: the source through an
# overlay with the options-aware remaster-proof-extra in its upper layer.
make_test_root() {
	local src=$1 dir=$2
	mkdir -p "$dir/upper/usr/local/sbin" "$dir/work" "$dir/root"
	cat >"$dir/upper/usr/local/sbin/remaster-proof-extra" <<'PROOF'
#!/bin/sh
# Test-only (test_boot_options.sh): what this system sees of the boot
# options, for the proof line.
marker=/var/lib/remaster-test/marker
seen=$(cat "$marker" 2>/dev/null)
[ -n "$seen" ] || seen=none
for arg in $(cat /proc/cmdline); do
	case $arg in
	remaster.test.write=*)
		mkdir -p /var/lib/remaster-test
		echo "${arg#*=}" >"$marker"
		sync
		;;
	esac
done
medium=$(findmnt -n -o SOURCE,OPTIONS /run/remaster/medium | awk '{ split($2, o, ","); print $1 ":" o[1] }')
[ -n "$medium" ] || medium=none
rw=$(findmnt -n -o FSTYPE /run/remaster/rw)
lowerdev=$(findmnt -n -o SOURCE /run/remaster/lower)
lowerfile=$(losetup -n -O BACK-FILE "$lowerdev" 2>/dev/null | tr -d ' ')
echo "marker=$seen medium=$medium rw=${rw:-none} lowerfile=${lowerfile:-none}"
PROOF
	chmod 755 "$dir/upper/usr/local/sbin/remaster-proof-extra"
	proof_stays_on_for_boot_test "$src" "$dir/upper" || return 1
	mount -t overlay -o "lowerdir=$src,upperdir=$dir/upper,workdir=$dir/work" remaster-test-root "$dir/root" || return 1
	echo "$dir/root"
}

# args: log. The proof line without carriage returns, or nothing.
proof() {
	grep -a -m 1 -o 'REMASTER-PROOF .*' "$1" | tr -d '\r'
}

# args: name log. Shows the end of a serial log after a failed check.
show_log() {
	echo "  --- $1: last lines of $2"
	tail -n 25 "$2" | tr -d '\r' | sed 's/^/  | /'
}

# args: entry-id option-args. Prints the kernel arguments of menu entry id,
# or the default entry's followed by option-args when there is no such entry.
# Says on stderr which of the two it was.
entry_args() {
	local args
	if [[ -n "$1" ]] && args=$(stick_grub_entry "$WORK/entry/grub.cfg" "$1" | sed -n 3p) && [[ -n "$args" ]]; then
		echo "  (menu entry '$1' of the stick)" >&2
		echo "$args"
	else
		echo "  (no menu entry '${1:-}': the live entry's arguments + '$2')" >&2
		echo "$(cat "$WORK/entry/args") $2"
	fi
}

# args: name image entry-id option-args [test-args]. Boots with the
# arguments of entry_args plus test-args; prints the proof line (empty: none).
boot() {
	local name=$1 image=$2 log=$WORK/boot-$1.log start=$SECONDS args
	args="$(entry_args "$3" "$4") ${5:-}"
	echo "boot $name: $args" >&2
	boot_direct "$image" "$WORK/entry" "$log" "$args" "$TIMEOUT" || :
	echo "boot $name ($((SECONDS - start)) s): $(proof "$log")" >&2
	proof "$log"
}

# args: name line pattern... Every pattern (a glob) must match the line.
expect_proof() {
	local name=$1 line=$2 p
	shift 2
	for p in "$@"; do
		# shellcheck disable=SC2027,SC2053 # $p unquoted: a glob on purpose
		if [[ " $line " != *" "$p" "* ]]; then
			fail "$name: expected '$p' in: ${line:-no proof line (the boot did not reach multi-user)}"
			show_log "$name" "$WORK/boot-$name.log"
			return 1
		fi
	done
	ok "$name"
}

# args: name pattern. The serial log of boot name contains the fixed string.
expect_console() {
	if grep -aqF -- "$2" "$WORK/boot-$1.log"; then
		ok "$1: console says '$2'"
	else
		fail "$1: console says '$2'"
		show_log "$1" "$WORK/boot-$1.log"
	fi
}

# --- the stick ----------------------------------------------------------------
if [[ -n "${REMASTER_TEST_IMAGE:-}" ]]; then
	IMAGE=$REMASTER_TEST_IMAGE
	echo "reusing the stick $IMAGE"
else
	ROOT=$("$HERE/lib/debian-root.sh") || { fail "building the Debian root"; summary; exit; }
	TROOT=$(make_test_root "$ROOT" "$WORK/troot") || { fail "test root overlay"; summary; exit; }
	IMAGE=$WORK/stick.img
	start=$SECONDS
	if "$REMASTER_BIN" snapshot --root "$TROOT" --to "$IMAGE" --kernel-args "$KERNEL_ARGS" --yes --quiet &&
		[[ -s "$IMAGE" ]]; then
		ok "stick made ($((SECONDS - start)) s)"
	else
		fail "stick made"
		summary
		exit
	fi
	umount "$TROOT"
fi
# The plain live entry is the base (the default entry may be a persistent one).
stick_extract "$IMAGE" "$WORK/entry" live 2>/dev/null || stick_extract "$IMAGE" "$WORK/entry" || { fail "kernel, initramfs and arguments from the stick's grub.cfg"; summary; exit; }
echo "snapshot directory: $(cat "$WORK/entry/snapdir")"
echo "live entry: $(cat "$WORK/entry/args")"

# --- 1, 2: persistence, through GRUB, across boots of one kept view ------------
# boot-test --keep-view: every boot of the copy below sees what the boots
# before it wrote, as reboots of a real stick do; the copy itself is never
# written (the view takes the writes). A second profile is added first, the
# way a user adds one: its own menu entry on the stick.
PIMAGE=$WORK/persist.img
VIEW=$WORK/persist.qcow2
cp --sparse=always "$IMAGE" "$PIMAGE"
if "$REMASTER_BIN" profile add --on "$PIMAGE" work && stick_extract "$PIMAGE" "$WORK/pentry" live 2>/dev/null &&
	stick_grub_entry "$WORK/pentry/grub.cfg" persist-work >/dev/null; then
	ok "remaster profile add --on IMAGE work: the stick's menu has entry persist-work"
else
	fail "remaster profile add --on IMAGE work: no persist-work entry in the stick's menu"
fi
psum=$(sha256sum "$PIMAGE" | cut -d' ' -f1)

# args: name entry [kernel-args]. Boots the menu entry of $PIMAGE through
# GRUB in the kept view; prints the proof line (empty: none).
kept_boot() {
	local name=$1 entry=$2 log=$WORK/boot-$1.log start=$SECONDS
	REMASTER_BOOT_TEST_ACCEL=tcg "$REMASTER_BIN" boot-test --on "$PIMAGE" --keep-view "$VIEW" --entry "$entry" \
		--kernel-args "remaster.test.stay=1${3:+ $3}" --timeout "$TIMEOUT" --log "$log" >"$WORK/boot-$1.out" 2>&1
	echo "boot $name, entry $entry through GRUB ($((SECONDS - start)) s, exit $?): $(proof "$log")" >&2
	proof "$log"
}

# args: name. boot-test said the boot came up.
expect_up() {
	if grep -q "booted in [0-9]* s: " "$WORK/boot-$1.out"; then
		ok "$1: boot-test saw the live system up"
	else
		fail "$1: boot-test saw the live system up: $(cat "$WORK/boot-$1.out")"
	fi
}

line=$(kept_boot persist-write persist-default "remaster.test.write=alpha")
expect_proof persist-write "$line" root=overlay marker=none rw=ext4 "medium=*:rw"
expect_up persist-write
line=$(kept_boot persist-read persist-default)
expect_proof "persistence keeps a change across boots" "$line" root=overlay marker=alpha rw=ext4
line=$(kept_boot persist-off live)
expect_proof "no persistence in the live entry" "$line" root=overlay marker=none rw=tmpfs "medium=*:ro"
# A second profile's own boots (write, then read) are left out to spare the
# suite two boots: its entry is the same template with another
# rd.remaster.persist name, whose own store under remaster/persist/NAME the
# module mounts (unit tier: dracut_lib_test.sh); the entry is checked above.
if grep -q "Booting the kept view $VIEW" "$WORK/boot-persist-read.out"; then
	ok "boot-test --keep-view: the second boot used the view the first one made"
else
	fail "boot-test --keep-view: the second boot used the view the first one made: $(cat "$WORK/boot-persist-read.out")"
fi
if [[ $(sha256sum "$PIMAGE" | cut -d' ' -f1) == "$psum" ]]; then
	ok "boot-test --keep-view never wrote the stick"
else
	fail "boot-test --keep-view never wrote the stick"
fi
# The first profile's change is still its own, in the view's stick.
if qemu-img convert -f qcow2 -O raw "$VIEW" "$WORK/viewed.img" && stick_mount "$WORK/viewed.img" "$WORK/pmnt" ro; then
	got_default=$(cat "$WORK/pmnt/remaster/persist/default/upper/var/lib/remaster-test/marker" 2>/dev/null)
	got_work=$(cat "$WORK/pmnt/remaster/persist/work/upper/var/lib/remaster-test/marker" 2>/dev/null)
	stick_umount "$WORK/pmnt"
	if [[ "$got_default" == alpha && -z "$got_work" ]]; then
		ok "profiles on the stick: persist/default has alpha, persist/work nothing"
	else
		fail "profiles on the stick: persist/default has '$got_default', persist/work has '$got_work'"
	fi
else
	fail "mounting the stick as the boots left it"
fi
rm -f "$WORK/viewed.img" "$VIEW"
line=$(boot persist-badname "$IMAGE" "" "rd.remaster.persist=../x" "$NO_SHELL")
if [[ -z "$line" ]]; then ok "a bad profile name is refused"; else fail "a bad profile name is refused: $line"; fi
expect_console persist-badname "rd.remaster.persist='../x' is not a profile name"

# --- 3: copy to RAM without the memory for it --------------------------------------
# (The ram entry itself is booted from a stick by test_boot_secureboot.sh and
# from the ISO by test_boot_iso.sh, both with the medium released.)
# 512 MiB of RAM: MemAvailable in the initramfs is below the image + 256 MiB.
line=$(REMASTER_VM_MEM=512 boot ram-fallback "$IMAGE" ram "rd.remaster.ram=1")
expect_proof "copy to RAM without the memory for it boots from the stick" "$line" root=overlay "medium=*:ro" "lowerfile=/run/remaster/medium/*"
expect_console ram-fallback "not enough memory to copy the system into RAM"

# The check entry boots through GRUB in test_boot_iso.sh and test_boot_test.sh.
rm -f "$PIMAGE"

summary
