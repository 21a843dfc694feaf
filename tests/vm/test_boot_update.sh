#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# A stick that updates itself at boot (issue 18; docs/netboot.md): stick A
# is made with `remaster snapshot --to A --update-url URL --sign-key KEY`
# from the netboot test root marked "A" (a base and a layer on it); the
# root is then marked "B" and
# written as a signed netboot directory (`--netboot DIR --sign-key KEY`),
# served by python3's http.server on 127.0.0.1 (the guest's 10.0.2.2). The
# stick boots through its own GRUB, default entry 'update':
#   good      the server has B, signed with KEY: the live system is B, from
#             RAM (the proof line's mark=B ram=tmpfs)
#   badimg    B's squashfs changed by one byte: A boots, and the console
#             names the failed check (SHA-256)
#   otherkey  B signed by another key: A boots, the console says the
#             signature does not match
#   stopped   no server: A boots, within the update timeout plus a few
#             seconds after the question (printed, not asserted)
#   nonic     a machine without a network card: A boots after the
#             update timeout
#   written   `remaster update --on` the stick from the server (on the
#             host: 127.0.0.1), then the stick boots B from itself
#   live      the entry 'live' boots A without asking the network (its
#             kernel arguments)
# The server's URL is fixed in the stick: a symlink SRV/nb points at the
# directory each case serves.
# Needs root, apt's package lists (Debian's mirror), qemu-system-x86_64,
# python3, openssl, build/remaster. REMASTER_VM_TIMEOUT (s, default 500)
# bounds each boot.

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib/vm.sh
. "$HERE/lib/vm.sh"
# shellcheck source=lib/netboot-root.sh
. "$HERE/lib/netboot-root.sh"

TIMEOUT=${REMASTER_VM_TIMEOUT:-500}

make_work update
# shellcheck source=lib/http-server.sh
. "$HERE/lib/http-server.sh"
# The HTTP server goes first, then what make_work arranged.
stop_all() {
	http_stop
	_release_work
}
trap stop_all EXIT

SRV=$WORK/srv
mkdir -p "$SRV"
start_server() { http_start "$SRV" nb/SHA256SUMS "$WORK/http.log"; }
# args: the directory under SRV that /nb/ serves from now on.
serve() { ln -sfn "$1" "$SRV/nb"; }

# --- stick A and the server's B ----------------------------------------------
ROOT=$("$HERE/lib/debian-root.sh") || { fail "building the Debian root"; summary; exit; }
DEBS=$(netboot_debs) || { fail "apt-get download ${NETBOOT_PACKAGES[*]}"; summary; exit; }
make_netboot_root "$ROOT" "$DEBS" "$WORK/troot" || { fail "test root overlay"; summary; exit; }
TROOT=$WORK/troot/root
cat >"$TROOT/usr/local/sbin/remaster-proof-extra" <<'PROOF'
#!/bin/sh
# Test-only (test_boot_update.sh): which snapshot runs, and from where.
ram=$(findmnt -n -o FSTYPE /run/remaster/ram)
echo "mark=$(cat /etc/remaster-update-mark 2>/dev/null || echo none) ram=${ram:-none}"
PROOF
chmod 755 "$TROOT/usr/local/sbin/remaster-proof-extra"
echo A >"$TROOT/etc/remaster-update-mark"

openssl genpkey -algorithm ed25519 -out "$WORK/update.key" 2>/dev/null || fail "openssl genpkey"
openssl genpkey -algorithm ed25519 -out "$WORK/other.key" 2>/dev/null || fail "openssl genpkey (other key)"
openssl pkey -in "$WORK/update.key" -pubout -out "$WORK/update.pub" || fail "openssl pkey -pubout"
STICK=$WORK/a.img
URL="http://10.0.2.2:$PORT/nb/"
start=$SECONDS
# The public half is enough for a stick: it only checks signatures.
if "$REMASTER_BIN" snapshot --root "$TROOT" --to "$STICK" --update-url "$URL" --sign-key "$WORK/update.pub" \
	--kernel-args "console=ttyS0,115200" --yes --quiet; then
	ok "stick A made with --update-url and the public key ($((SECONDS - start)) s)"
else
	fail "stick A made with --update-url"
	summary
	exit
fi
# A is a layer on a base, so that the update entry also stacks layers: the
# server's B must replace the whole stack (its layers' lower dirs left empty).
sleep 1
echo "a layer of A" >"$TROOT/etc/remaster-update-layer"
if "$REMASTER_BIN" snapshot --root "$TROOT" --to "$STICK" --update-url "$URL" --sign-key "$WORK/update.pub" \
	--kernel-args "console=ttyS0,115200" --yes --quiet; then
	ok "stick A's second snapshot, a layer, made with --update-url"
else
	fail "stick A's second snapshot"
fi
ID_A=$("$REMASTER_BIN" list --on "$STICK" | awk '/^  2/ {print $1; exit}')
cfg=$(with_stick "$STICK" "$WORK/m" cat boot/grub/grub.cfg)
printf '%s\n' "$cfg" >"$WORK/m.cfg"
expect "the menu's default entry is 'update'" grep -Eq "^set default=[\"']?update[\"']?\$" <<<"$cfg"
expect "the update entry asks $URL" grep -q "rd.remaster.update=$URL" <<<"$cfg"
update_args=$(stick_grub_entry "$WORK/m.cfg" update | sed -n 3p)
expect "the update entry stacks A's layers (rd.remaster.layers)" grep -q 'rd.remaster.layers=/remaster/' <<<"$update_args"
expect "snapshot.info pins the key" \
	grep -qx "update_key=$(grep -v -- ----- "$WORK/update.pub" | tr -d '\n')" \
	<<<"$(with_stick "$STICK" "$WORK/m" cat "remaster/$ID_A/snapshot.info")"

sleep 1 # B's snapshot id is a later second than A's
echo B >"$TROOT/etc/remaster-update-mark"
if "$REMASTER_BIN" snapshot --root "$TROOT" --netboot "$SRV/good" --sign-key "$WORK/update.key" \
	--kernel-args "console=ttyS0,115200" --quiet; then
	ok "netboot directory B made, signed with the same key"
else
	fail "netboot directory B"
	summary
	exit
fi
umount "$TROOT"

# B, tampered with: hard links but for the changed file.
mkdir -p "$SRV/badimg" "$SRV/otherkey"
cp -al "$SRV/good/." "$SRV/badimg/"
cp -al "$SRV/good/." "$SRV/otherkey/"
rm -f "$SRV/otherkey/SHA256SUMS.sig"
changed_copy "$SRV/good/filesystem.squashfs" "$SRV/badimg/filesystem.squashfs"
expect "badimg: B's squashfs differs in one byte" \
	test "$(cmp -l "$SRV/good/filesystem.squashfs" "$SRV/badimg/filesystem.squashfs" 2>/dev/null | wc -l)" -eq 1
openssl pkeyutl -sign -inkey "$WORK/other.key" -rawin -in "$SRV/good/SHA256SUMS" -out "$SRV/otherkey/SHA256SUMS.sig" ||
	fail "otherkey: sign B's SHA256SUMS with another key"

serve good
start_server || fail "the HTTP server serves on 127.0.0.1:$PORT"

# args: case name, log. Boots the stick through its GRUB (default entry).
boot_case() {
	local start=$SECONDS
	if boot_image "$STICK" bios "$2" "$TIMEOUT"; then
		echo "$1: boot took $((SECONDS - start)) s"
		return 0
	fi
	fail "$1: the boot reaches the proof line"
	tail -n 30 "$2" | tr -d '\r' | sed 's/^/    /'
	return 1
}
# args: case name, log, what the proof line must hold.
expect_proof() {
	local line
	line=$(proof_line "$2")
	case " $line " in
	*" $3 "*) ok "$1: $3 ($line)" ;;
	*) fail "$1: the proof line holds '$3': '${line:-none}'" ;;
	esac
}
# args: case name, log, text the console must show.
expect_console() {
	# Not grep -q: its early exit would fail tr under pipefail.
	if tr -d '\r' <"$2" | grep -aF -- "$3" >/dev/null; then
		ok "$1: the console says '$3'"
	else
		fail "$1: the console says '$3'"
		tr -d '\r' <"$2" | grep -a 'remaster:' | tail -n 8 | sed 's/^/    /'
	fi
}

# --- good: the newer B from the server ----------------------------------------
if boot_case good "$WORK/good.log"; then
	expect_proof good "$WORK/good.log" "mark=B ram=tmpfs"
	expect_console good "$WORK/good.log" "update: booting the snapshot"
fi

# --- badimg: one byte of B's squashfs changed ---------------------------------
serve badimg
if boot_case badimg "$WORK/badimg.log"; then
	expect_proof badimg "$WORK/badimg.log" "mark=A ram=none"
	expect_console badimg "$WORK/badimg.log" "is corrupted or was changed (SHA-256"
	expect_console badimg "$WORK/badimg.log" "booting this stick's snapshot $ID_A"
fi

# --- otherkey: B signed with a key the stick does not pin ---------------------
serve otherkey
if boot_case otherkey "$WORK/otherkey.log"; then
	expect_proof otherkey "$WORK/otherkey.log" "mark=A ram=none"
	expect_console otherkey "$WORK/otherkey.log" "the signature SHA256SUMS.sig does not match SHA256SUMS and the key of this initramfs"
fi

# --- stopped: no server at all ------------------------------------------------
http_stop
if boot_case stopped "$WORK/stopped.log"; then
	expect_proof stopped "$WORK/stopped.log" "mark=A ram=none"
	expect_console stopped "$WORK/stopped.log" "update: cannot download ${URL}SHA256SUMS"
	# How long the question took, from the console's timestamps (shown, not asserted).
	tr -d '\r' <"$WORK/stopped.log" | grep -a 'remaster: update:' | head -n 3 | sed 's/^/    /'
fi

# --- nonic: a machine without any network ----------------------------------------
if REMASTER_VM_NIC=none boot_case nonic "$WORK/nonic.log"; then
	expect_proof nonic "$WORK/nonic.log" "mark=A ram=none"
	expect_console nonic "$WORK/nonic.log" "update: no network within 20s; booting this stick's snapshot $ID_A"
fi

# --- written: remaster update puts B onto the stick ---------------------------
# On the host the server is 127.0.0.1; the stick then boots B from itself
# (its update entry finds the server's B no newer) with the server's
# initramfs, which the update wrote beside B.
serve good
start_server || fail "the HTTP server serves on 127.0.0.1:$PORT again"
if "$REMASTER_BIN" update --on "$STICK" --from "http://127.0.0.1:$PORT/nb/" --yes >"$WORK/update.out" 2>&1; then
	ok "written: remaster update --on the stick: $(tail -n 1 "$WORK/update.out")"
	if boot_case written "$WORK/written.log"; then
		expect_proof written "$WORK/written.log" "mark=B ram=none"
		expect_console written "$WORK/written.log" "is not newer than this stick's; booting this stick's snapshot"
	fi
else
	fail "written: remaster update --on the stick: $(tail -n 5 "$WORK/update.out")"
fi

# The other entries boot the stick's own snapshot without asking anyone.
live=$(stick_grub_entry "$WORK/m.cfg" live 2>/dev/null)
expect "live: the entry 'live' does not ask the server" \
	bash -c "grep -q 'rd.remaster.dir=/remaster/$ID_A' <<<'$live' && ! grep -q 'rd.remaster.update\|rd.neednet' <<<'$live'"

summary
