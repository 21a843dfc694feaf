#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# Incremental snapshots: a second `remaster snapshot --to` onto a stick that
# holds a snapshot of the same system writes only a layer of changes, reuses
# the kernel and initramfs, takes at most a tenth of the first run's wall
# time, and the stick then boots the new state by default and the old state
# from the older snapshot's own menu entry (id snapshot-<first id>).
#
# The test root is a private copy of the cached Debian root (lib/debian-root.sh;
# the cache itself is never written) whose remaster-proof line also says what
# the live system sees of the change:
#   new=      present|absent: /root/incremental-new (created by the change)
#   deleted=  present|absent: a file of the root that the change deletes
#   digest=   sha256 over the contents of the 150 files the change appends to
#             (list in /usr/local/share/remaster-test/modified, in that order)
# besides host= (the change rewrites /etc/hostname). The change touches no
# input of the initramfs (/usr/lib, /etc/systemd, ...): the changed files are
# under /usr/share/doc, /root and /etc/hostname.
#
# The default entry (the newest snapshot, stacking both layers) boots through
# the stick's GRUB under SeaBIOS; the older snapshot's entry through GRUB under
# OVMF, on a copy of the image whose grub.cfg says `set default=snapshot-<id>`
# (choosing an entry in a headless GRUB menu would mean typing into it). The
# newest snapshot's check entry (verifies every layer) and ram entry (copies
# every layer) boot its kernel line directly.
#
# Needs root, loop devices, qemu-system-x86_64, ovmf, build/remaster. About
# 5 min under TCG. REMASTER_VM_TIMEOUT (s, default 300) bounds each boot;
# KEEP_WORK=1 keeps the work directory and prints it.

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib/vm.sh
. "$HERE/lib/vm.sh"

KERNEL_ARGS="console=ttyS0,115200"
TIMEOUT=${REMASTER_VM_TIMEOUT:-300}
# Where the test root keeps what remaster-proof reports on (guest paths).
STATE=/usr/local/share/remaster-test
MODIFIED=150
OLD_HOST=remaster-test
NEW_HOST=remaster-incremental

make_work vm-incremental

# args: root. Chooses the files the change will modify and delete (existing
# files of the root, none hard-linked, none with blanks in its name) and
# installs the remaster-proof that reports on them.
prepare_root() {
	local root=$1
	mkdir -p "$root$STATE"
	(cd "$root" && find usr/share/doc -type f -links 1 ! -name '*.gz' ! -name '*[[:space:]]*' -printf '/%p\n') |
		LC_ALL=C sort | head -n "$MODIFIED" >"$root$STATE/modified"
	(cd "$root" && find usr/share/doc -type f -links 1 -name '*.gz' ! -name '*[[:space:]]*' -printf '/%p\n') |
		LC_ALL=C sort | head -n 1 >"$root$STATE/deleted"
	[[ $(wc -l <"$root$STATE/modified") -eq $MODIFIED && -s "$root$STATE/deleted" ]] || return 1
	cat >"$root/usr/local/sbin/remaster-proof-extra" <<'PROOF'
#!/bin/sh
# Test-only (test_boot_incremental.sh): which state of the incremental test
# this system sees, for the proof line.
state=/usr/local/share/remaster-test
new=absent
[ -e /root/incremental-new ] && new=present
deleted=absent
[ -e "$(cat "$state/deleted")" ] && deleted=present
digest=$(while IFS= read -r f; do cat "$f"; done <"$state/modified" | sha256sum | cut -d ' ' -f 1)
echo "new=$new deleted=$deleted digest=$digest"
PROOF
	chmod 755 "$root/usr/local/sbin/remaster-proof-extra"
}

# args: root. The digest remaster-proof prints for that root, from the host.
digest_of() {
	local root=$1 f
	while IFS= read -r f; do cat "$root$f"; done <"$root$STATE/modified" | sha256sum | cut -d ' ' -f 1
}

# args: root. The change between the two snapshots.
change_root() {
	local root=$1 f
	echo "made after the first snapshot" >"$root/root/incremental-new"
	rm -- "$root$(cat "$root$STATE/deleted")"
	echo "$NEW_HOST" >"$root/etc/hostname"
	while IFS= read -r f; do
		echo "changed after the first snapshot" >>"$root$f"
	done <"$root$STATE/modified"
}

# args: log. Runs remaster snapshot onto $IMAGE, stdout and stderr into log;
# prints its wall time in seconds. remaster's status.
timed_snapshot() {
	local log=$1 t0 t1 rc
	t0=$(date +%s.%N)
	"$REMASTER_BIN" snapshot --root "$COPY" --to "$IMAGE" --kernel-args "$KERNEL_ARGS" --yes --timings >"$log" 2>&1
	rc=$?
	t1=$(date +%s.%N)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f\n", b - a }'
	return "$rc"
}

# args: name log. Shows what a failed step or boot left in its log.
show_log() {
	echo "  --- $1: last lines of $2"
	tail -n 30 "$2" | tr -d '\r' | sed 's/^/  | /'
	if grep -aq 'remaster:' "$2"; then
		echo "  --- $1: lines with 'remaster:'"
		grep -a 'remaster:' "$2" | tr -d '\r' | sed 's/^/  | /'
	fi
}

# args: name log field=value... Every field=value is a word of the proof line.
expect_state() {
	local name=$1 log=$2 line p
	shift 2
	line=$(proof_line "$log")
	for p in "$@"; do
		if [[ " $line " != *" $p "* ]]; then
			fail "$name: expected '$p' in: ${line:-no proof line (the boot did not reach multi-user)}"
			show_log "$name" "$log"
			return 1
		fi
	done
	ok "$name: $line"
}

# args: none. The snapshot ids on $IMAGE, oldest first.
snapshot_ids() {
	with_stick "$IMAGE" "$WORK/d" sh -c 'ls remaster' | grep -E '^[0-9]{8}-[0-9]{6}(-[0-9]+)?$' | LC_ALL=C sort
}

# --- the root: a private copy, reporting on the files the change touches ----------
ROOT=$("$HERE/lib/debian-root.sh") || { fail "building the Debian root"; summary; exit; }
COPY=$WORK/root
cp -a --reflink=auto "$ROOT" "$COPY" || { fail "copying the Debian root"; summary; exit; }
prepare_root "$COPY" || { fail "choosing $MODIFIED files to modify and one to delete under /usr/share/doc"; summary; exit; }
DELETED=$(cat "$COPY$STATE/deleted")
OLD_DIGEST=$(digest_of "$COPY")
echo "test root: $COPY; deletes $DELETED, modifies $MODIFIED files from $(head -n 1 "$COPY$STATE/modified")"

# --- 1: the first snapshot, complete ------------------------------------------------
IMAGE=$WORK/stick.img
if first=$(timed_snapshot "$WORK/snapshot1.log"); then
	ok "first snapshot ($first s): $(grep -a 'timings:' "$WORK/snapshot1.log")"
else
	fail "first snapshot"
	show_log snapshot1 "$WORK/snapshot1.log"
	summary
	exit
fi
FIRST_ID=$(snapshot_ids | tail -n 1)
[[ -n "$FIRST_ID" ]] || { fail "no snapshot on the stick after the first run"; summary; exit; }

# --- 2: a small change, then the second snapshot: a layer -----------------------------
change_root "$COPY"
NEW_DIGEST=$(digest_of "$COPY")
expect "the change changes the digest" test "$NEW_DIGEST" != "$OLD_DIGEST"
if second=$(timed_snapshot "$WORK/snapshot2.log"); then
	ok "second snapshot ($second s): $(grep -a 'timings:' "$WORK/snapshot2.log")"
else
	fail "second snapshot"
	show_log snapshot2 "$WORK/snapshot2.log"
	summary
	exit
fi
SECOND_ID=$(snapshot_ids | grep -vxF "$FIRST_ID" | tail -n 1)
[[ -n "$SECOND_ID" ]] || { fail "no second snapshot on the stick"; summary; exit; }
info=$(with_stick "$IMAGE" "$WORK/d" cat "remaster/$SECOND_ID/snapshot.info")
expect "the second snapshot is a layer: parent=$FIRST_ID in its snapshot.info" \
	grep -qx "parent=$FIRST_ID" <<<"$info"
expect "the second snapshot stacks layers=$FIRST_ID $SECOND_ID" \
	grep -qx "layers=$FIRST_ID $SECOND_ID" <<<"$info"
expect "the second run says: Kernel KVER and its initramfs unchanged since $FIRST_ID: reused" \
	grep -aq "Kernel [^ ]* and its initramfs unchanged since $FIRST_ID: reused" "$WORK/snapshot2.log"
grep -a -e 'Writing a layer' -e 'Writing a complete' "$WORK/snapshot2.log" | sed 's/^/  /'
# The times are printed, not asserted (scripts/bench.sh shows speed); what
# the layer holds is: the change, not the system again.
echo "  first snapshot $first s, second (a layer) $second s"
image_bytes() { with_stick "$IMAGE" "$WORK/d" stat -c %s "remaster/$1/filesystem.squashfs"; }
first_bytes=$(image_bytes "$FIRST_ID")
second_bytes=$(image_bytes "$SECOND_ID")
expect "the layer's image is under 1/20 of the base's: $second_bytes of $first_bytes bytes" \
	test "${second_bytes:-0}" -gt 0 -a "${second_bytes:-0}" -lt "$((${first_bytes:-0} / 20))"
if listing=$("$REMASTER_BIN" list --on "$IMAGE" 2>&1); then
	sed 's/^/  /' <<<"$listing"
	expect "remaster list shows $SECOND_ID as a layer on $FIRST_ID" grep -qF "layer on $FIRST_ID" <<<"$listing"
else
	fail "remaster list --on IMAGE: $listing"
fi

# --- 3: the default entry boots the new state ---------------------------------------
log=$WORK/boot-new.log
start=$SECONDS
boot_image "$IMAGE" bios "$log" "$TIMEOUT"
echo "  (bios boot of the default entry: $((SECONDS - start)) s)"
expect_state "default entry (newest snapshot, bios) boots the new state" "$log" \
	root=overlay "host=$NEW_HOST" new=present deleted=absent "digest=$NEW_DIGEST"

# --- 4: the older snapshot's entry boots exactly the old state ------------------------
OLD_IMAGE=$WORK/old.img
cp --sparse=always "$IMAGE" "$OLD_IMAGE"
if stick_mount "$OLD_IMAGE" "$WORK/om" rw; then
	cfg=$WORK/om/boot/grub/grub.cfg
	args=$(stick_grub_entry "$cfg" | sed -n 3p)
	expect "the default entry stacks the first snapshot: $args" \
		grep -qF " rd.remaster.dir=/remaster/$SECOND_ID rd.remaster.layers=/remaster/$FIRST_ID " <<<" $args "
	if stick_grub_entry "$cfg" "snapshot-$FIRST_ID" >"$WORK/old-entry"; then
		ok "the menu has entry snapshot-$FIRST_ID: $(sed -n 3p "$WORK/old-entry")"
		sed -i "s/^set default=.*/set default=snapshot-$FIRST_ID/" "$cfg"
	else
		fail "the menu has no entry snapshot-$FIRST_ID"
		sed 's/^/  | /' "$cfg"
	fi
	stick_umount "$WORK/om"
	log=$WORK/boot-old.log
	start=$SECONDS
	boot_image "$OLD_IMAGE" uefi "$log" "$TIMEOUT"
	echo "  (uefi boot of entry snapshot-$FIRST_ID: $((SECONDS - start)) s)"
	expect_state "entry snapshot-$FIRST_ID (uefi) boots the old state" "$log" \
		root=overlay "host=$OLD_HOST" new=absent deleted=present "digest=$OLD_DIGEST"
else
	fail "mounting a copy of the stick to choose entry snapshot-$FIRST_ID"
fi
rm -f "$OLD_IMAGE"

# --- 5: the layered snapshot's check and RAM entries cover every layer ---------------
# (their kernel lines booted directly, as test_boot_options.sh does)
for entry in check ram; do
	d=$WORK/entry-$entry
	if ! stick_extract "$IMAGE" "$d" "$entry"; then
		fail "the menu has entry $entry"
		continue
	fi
	log=$WORK/boot-$entry.log
	boot_direct "$IMAGE" "$d" "$log" "$(cat "$d/args")" "$TIMEOUT" || :
	expect_state "entry $entry of the layered snapshot boots the new state" "$log" \
		root=overlay "host=$NEW_HOST" new=present deleted=absent "digest=$NEW_DIGEST"
	case $entry in
	check)
		expect "check verified both layers" \
			bash -c "grep -aq 'verified 3 files in /remaster/$SECOND_ID' '$log' &&
				grep -aq 'verified 3 files in /remaster/$FIRST_ID' '$log'"
		;;
	ram)
		expect "ram copied both layers and runs from RAM" \
			grep -aq "the system runs from RAM; the stick can be removed" "$log"
		;;
	esac
done

summary
