# shellcheck shell=bash source-path=SCRIPTDIR
# Shared body of the boot tests of the derived roots (test_boot_arch.sh,
# test_boot_fedora.sh): the Debian test root laid out like another family
# (derive-root.sh) must be recognised by its os-release, planned through that
# family's adapter, made into a stick, and boot to multi-user with / on the
# overlay. An unsupported distribution must be refused before anything is
# written. Source it, then call:
#
#   derived_boot_test DISTRO EXPECTED_ADAPTER_LINE EXPECTED_KERNEL_LINE [CHECKS...]
#
# CHECKS are extra "name|grep -F pattern" pairs looked for in the dry run.
# REMASTER_VM_FIRMWARES (default: the caller's) and REMASTER_VM_TIMEOUT (s,
# default 300) control the boots. Uses tests/root/lib.sh: strict mode, the
# cleanup stack (every mount undone at exit), check and summary.

VM_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../../root/lib.sh
. "$VM_LIB/../../root/lib.sh"
# shellcheck source=boot.sh
. "$VM_LIB/boot.sh"

KERNEL_ARGS="console=ttyS0,115200"
REMASTER_BIN=${REMASTER_BIN:-$BUILD_DIR/remaster}
CACHE=${REMASTER_TEST_CACHE:-/var/cache/remaster-tests}

# args: root. One line per file with times, size and mode, hashed.
root_state() {
	find "$1" -xdev -printf '%P %T@ %C@ %s %m\n' | LC_ALL=C sort | sha256sum
}

# args: source root, dir. Prints a root under dir that is the source seen
# through an overlay (tmpfs upper) whose os-release is Gentoo's; the mounts
# are undone at exit. The source is not written.
make_gentoo_root() {
	local src=$1 dir=$2
	mkdir -p "$dir/rw" "$dir/root"
	mount -t tmpfs -o mode=0755 remaster-test-rw "$dir/rw"
	push_cleanup umount "$dir/rw"
	mkdir "$dir/rw/upper" "$dir/rw/work"
	mount -t overlay -o "lowerdir=$src,upperdir=$dir/rw/upper,workdir=$dir/rw/work" remaster-test-gentoo "$dir/root"
	push_cleanup umount "$dir/root"
	rm -f "$dir/root/etc/os-release" "$dir/root/usr/lib/os-release"
	printf '%s\n' 'NAME=Gentoo' 'ID=gentoo' 'PRETTY_NAME="Gentoo Linux"' >"$dir/root/etc/os-release"
}

# args: log file, fixed strings. True when every string is in the file.
log_has() {
	local log=$1 s
	shift
	for s in "$@"; do
		grep -qF -- "$s" "$log" || { echo "  '$s' not in $log:" >&2; sed 's/^/  | /' "$log" | head -n 40 >&2; return 1; }
	done
}

# args: root image log. The unsupported distribution: exit 3 (bad input), a
# message naming it and the families, and no image or temp file left.
refused_before_writing() {
	local root=$1 image=$2 log=$3 rc=0
	"$REMASTER_BIN" snapshot --root "$root" --to "$image" --kernel-args "$KERNEL_ARGS" --yes >"$log" 2>&1 || rc=$?
	[[ $rc -eq 3 ]] || { echo "  exit status $rc, expected 3" >&2; sed 's/^/  | /' "$log" >&2; return 1; }
	log_has "$log" "'Gentoo Linux' (ID=gentoo)" "is not supported" "debian (" "arch (" "fedora (" || return 1
	if compgen -G "$image*" >/dev/null; then
		echo "  files were written: $(compgen -G "$image*")" >&2
		return 1
	fi
}

# args: root image
make_stick() {
	"$REMASTER_BIN" snapshot --root "$1" --to "$2" --kernel-args "$KERNEL_ARGS" --yes && [[ -s "$2" ]]
}

# args: distro adapter-line kernel-line [name|pattern...]
derived_boot_test() {
	local distro=$1 adapter_line=$2 kernel_line=$3
	shift 3
	need_root
	need_cmds qemu-system-x86_64 findmnt losetup
	[[ -x "$REMASTER_BIN" ]] || die "no $REMASTER_BIN: build first (cmake --build build)"

	local work
	work=$(mktemp -d "${REMASTER_TEST_TMP:-/var/tmp}/remaster-vm-$distro.XXXXXX")
	if [[ -n "${KEEP_WORK:-}" ]]; then push_cleanup echo "kept $work"; else push_cleanup rm -rf --one-file-system "$work"; fi
	push_cleanup release_below "$work"

	local deb root
	deb=$("$VM_LIB/debian-root.sh") || die "building the Debian root failed"
	root=$("$VM_LIB/derive-root.sh" "$distro" "$deb" "$CACHE/derived-$distro-$(basename "$deb")") ||
		die "deriving the $distro root failed"
	echo "root: $root"

	# Plan: the adapter, why, the kernel and the family's tools; nothing written.
	local plan=$work/dry-run.txt rc=0
	"$REMASTER_BIN" snapshot --root "$root" --to "$work/dry.img" --kernel-args "$KERNEL_ARGS" --dry-run \
		>"$plan" 2>&1 || rc=$?
	check "dry run succeeds" test "$rc" -eq 0
	check "dry run names the adapter and why" log_has "$plan" "$adapter_line"
	check "dry run picks the kernel" log_has "$plan" "$kernel_line"
	local pair
	for pair in "$@"; do check "dry run: ${pair%%|*}" log_has "$plan" "${pair#*|}"; done
	check "dry run writes nothing" test ! -e "$work/dry.img"

	# Refusal: the same root claiming to be Gentoo.
	local gentoo
	gentoo=$work/gentoo
	make_gentoo_root "$root" "$gentoo"
	check "unknown distribution refused (exit 3, no image)" \
		refused_before_writing "$gentoo/root" "$work/gentoo.img" "$work/gentoo.log"

	# The stick.
	local image=$work/stick.img before
	before=$(root_state "$root")
	check "stick made" make_stick "$root" "$image"
	check "source root unchanged" test "$(root_state "$root")" == "$before"

	# Boots.
	local fw log line start
	for fw in ${REMASTER_VM_FIRMWARES:-$DEFAULT_FIRMWARES}; do
		if [[ ! -s "$image" ]]; then
			check "$fw boot: no image" false
			continue
		fi
		log=$work/boot-$fw.log
		start=$SECONDS
		if boot_image "$image" "$fw" "$log" "${REMASTER_VM_TIMEOUT:-300}"; then
			line=$(proof_line "$log")
			echo "$fw: $line ($((SECONDS - start)) s)"
			check "$fw boot reaches multi-user" true
			check "$fw: / is the overlay" grep -qF " root=overlay " <<<"$line "
		else
			check "$fw boot reaches multi-user (serial log follows)" false
			tail -n 40 "$log" | tr -d '\r' | sed "s/^/  $fw| /"
			cp "$log" "/tmp/remaster-vm-$distro-$fw.log" 2>/dev/null &&
				echo "  full log: /tmp/remaster-vm-$distro-$fw.log"
		fi
	done
	summary
}
