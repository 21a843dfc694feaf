#!/usr/bin/env bash
# snapshot --netboot DIR: the netboot test root (tests/vm/lib/netboot-root.sh:
# the cached Debian root plus curl, openssl and dracut-network, through an
# overlay) as a netboot directory. Its files: the kernel, an initramfs with
# dracut's network scripts, curl, openssl and (with --sign-key) the public
# key appended, the squashfs, SHA256SUMS that match, a signature that
# verifies with the key's public half, snapshot.info saying medium=netboot,
# boot.ipxe and grub.cfg with the kernel arguments. A second run replaces it
# atomically: a reader polling the directory meanwhile always finds a
# complete one, and no stage is left. Refused by the plan, with nothing
# written: a directory that is not an earlier netboot directory (exit 3),
# one of another root (exit 3), --netboot with --iso, --sign-key without
# --netboot or with a key that is not Ed25519, a root without curl and
# openssl (exit 4, naming the packages). --dry-run lists the files.
# Booting it is tests/vm/test_boot_netboot.sh.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=../vm/lib/netboot-root.sh
. "$REPO_DIR/tests/vm/lib/netboot-root.sh"
need_root
need_cmds openssl cpio zstd sha256sum
REMASTER=$BUILD_DIR/remaster
BASE=$("$REPO_DIR/tests/vm/lib/debian-root.sh")
DEBS=$(netboot_debs)
make_tmpdir work remaster-netboot
make_netboot_root "$BASE" "$DEBS" "$work/troot"
push_cleanup umount "$work/troot/root"
ROOT=$work/troot/root
out=$work/out
mkdir -p "$out"
openssl genpkey -algorithm ed25519 -out "$work/key.pem" 2>/dev/null
openssl genpkey -algorithm rsa -pkeyopt rsa_keygen_bits:1024 -out "$work/rsa.pem" 2>/dev/null

# args: name, exit code, message pattern, snapshot arguments. The run must
# fail with that code and message and leave $out as it was.
refused() {
    local name=$1 code=$2 pattern=$3 rc=0 msg before
    shift 3
    before=$(ls -A "$out")
    msg=$("$REMASTER" snapshot "$@" 2>&1) || rc=$?
    check "$name: exit $code" test "$rc" -eq "$code"
    check "$name: says so" grep -q -- "$pattern" <<<"$msg" || echo "$msg" | sed 's/^/  | /'
    check "$name: nothing written" test "$(ls -A "$out")" = "$before"
}

# --- refused by the plan -----------------------------------------------------
mkdir -p "$out/data"
echo precious >"$out/data/file"
refused "an existing directory that is no netboot dir" 3 \
    "--netboot: '$out/data' exists and is not a netboot directory made by remaster" --root "$ROOT" --netboot "$out/data"
check "its contents are untouched" grep -qx precious "$out/data/file"
mkdir -p "$out/other"
printf 'medium=netboot\nroot=/somewhere/else\n' >"$out/other/snapshot.info"
refused "another system's netboot dir" 3 "is the netboot directory of another system (root /somewhere/else" \
    --root "$ROOT" --netboot "$out/other"
refused "--netboot with --iso" 3 "leave out --to, --iso and --squashfs" --root "$ROOT" --netboot "$out/nb" --iso "$out/x.iso"
refused "--sign-key without --netboot" 3 "--sign-key signs a netboot directory (--netboot DIR) or pins the key of --update-url" \
    --root "$ROOT" --squashfs "$out/x.sqfs" --sign-key "$work/key.pem"
refused "--sign-key with an RSA key" 3 "is not an Ed25519 key" --root "$ROOT" --netboot "$out/nb" --sign-key "$work/rsa.pem"
refused "a root without curl and openssl" 4 "'curl' is missing in the root (apt install curl)" --root "$BASE" --netboot "$out/nb"
msg=$("$REMASTER" snapshot --root "$BASE" --netboot "$out/nb" 2>&1 || true)
check "... and names openssl and dracut-network too" \
    grep -q "'openssl' is missing in the root (apt install openssl).*" <<<"$msg"
check "... and names dracut-network" grep -q "apt install dracut-network" <<<"$msg"

# --- --update-url: a stick that asks the server first (plan only here;
# tests/vm/test_boot_update.sh boots one) ----------------------------------------
openssl pkey -in "$work/key.pem" -pubout -out "$work/key.pub" 2>/dev/null
refused "--update-url without --sign-key" 3 "--update-url needs --sign-key KEY.*openssl genpkey -algorithm ed25519" \
    --root "$ROOT" --to "$out/s.img" --update-url http://10.0.0.1/live/ --dry-run
refused "--update-url that is not http(s)" 3 "--update-url 'ftp://10.0.0.1/live/' is not an http:// or https:// URL" \
    --root "$ROOT" --to "$out/s.img" --update-url ftp://10.0.0.1/live/ --sign-key "$work/key.pub" --dry-run
refused "--update-url with a quote" 3 "has a character a boot entry cannot carry" \
    --root "$ROOT" --to "$out/s.img" --update-url "http://10.0.0.1/li've/" --sign-key "$work/key.pub" --dry-run
refused "--update-url without a stick" 3 "--update-url is for a stick (--to)" \
    --root "$ROOT" --iso "$out/x.iso" --update-url http://10.0.0.1/live/ --sign-key "$work/key.pub" --dry-run
refused "--update-url with an RSA key" 3 "is not an Ed25519 key" \
    --root "$ROOT" --to "$out/s.img" --update-url http://10.0.0.1/live/ --sign-key "$work/rsa.pem" --dry-run
refused "--update-url from a root without curl" 4 "'curl' is missing in the root (apt install curl)" \
    --root "$BASE" --to "$out/s.img" --update-url http://10.0.0.1/live/ --sign-key "$work/key.pub" --dry-run
plan=$("$REMASTER" snapshot --root "$ROOT" --to "$out/s.img" --update-url http://10.0.0.1/live --sign-key "$work/key.pub" --dry-run 2>&1)
check "--update-url: the dry run says the default entry 'update' asks the URL (with its /)" \
    grep -q "updates:   the default entry 'update' asks http://10.0.0.1/live/ for a newer snapshot" <<<"$plan"
json=$("$REMASTER" snapshot --root "$ROOT" --to "$out/s.img" --update-url http://10.0.0.1/live --sign-key "$work/key.pem" --dry-run --json 2>/dev/null)
check "--update-url: the JSON plan has stick.update_url (a private key will do too)" \
    python3 -c 'import json, sys; assert json.load(sys.stdin)["stick"]["update_url"] == "http://10.0.0.1/live/"' <<<"$json"
check "--update-url: the dry run wrote nothing" test ! -e "$out/s.img"

# --- the plan ----------------------------------------------------------------
plan=$("$REMASTER" snapshot --root "$ROOT" --netboot "$out/nb" --sign-key "$work/key.pem" --dry-run 2>&1)
for f in filesystem.squashfs vmlinuz initrd.img SHA256SUMS SHA256SUMS.sig snapshot.info boot.ipxe grub.cfg; do
    check "dry run lists $f" grep -q "^  $f  " <<<"$plan"
done
check "dry run: written beside DIR and renamed" grep -q "(written as $out/.nb.remaster-new, then renamed into place)" <<<"$plan"
check "dry run: dracut with the network modules" grep -q "dracut .*--add 'remaster network-legacy network'" <<<"$plan"
check "dry run: the boot entry" grep -q "Boot entry: kernel vmlinuz root=remaster rd.remaster.url=URL ip=dhcp rd.neednet=1" <<<"$plan"
check "dry run: nothing written" test ! -e "$out/nb"
plan=$("$REMASTER" snapshot --root "$ROOT" --netboot "$out/nb" --dry-run 2>&1)
check "dry run unsigned: says so" grep -q "Unsigned: the boot checks only the SHA-256" <<<"$plan"

# --- the directory -----------------------------------------------------------
start=$SECONDS
log=$("$REMASTER" snapshot --root "$ROOT" --netboot "$out/nb" --sign-key "$work/key.pem" \
    --kernel-args "console=ttyS0,115200" 2>&1)
echo "first run: $((SECONDS - start)) s"
nb=$out/nb
for f in filesystem.squashfs vmlinuz initrd.img SHA256SUMS SHA256SUMS.sig snapshot.info boot.ipxe grub.cfg; do
    check "$f written" test -s "$nb/$f"
done
check "no stage left" test ! -e "$out/.nb.remaster-new"
check "SHA256SUMS matches the files" bash -c "cd '$nb' && sha256sum --quiet -c SHA256SUMS"
check "SHA256SUMS lists the squashfs, kernel, initramfs and snapshot.info" \
    test "$(cut -d' ' -f3 "$nb/SHA256SUMS" | sort | tr '\n' ' ')" = "filesystem.squashfs initrd.img snapshot.info vmlinuz "
openssl pkey -in "$work/key.pem" -pubout -out "$work/pub.pem"
check "the signature verifies with the public key" openssl pkeyutl -verify -pubin -inkey "$work/pub.pem" -rawin \
    -in "$nb/SHA256SUMS" -sigfile "$nb/SHA256SUMS.sig"
check "snapshot.info: medium=netboot, signed, this root" \
    bash -c "grep -qx medium=netboot '$nb/snapshot.info' && grep -qx signed=yes '$nb/snapshot.info' && grep -qx 'root=$ROOT' '$nb/snapshot.info'"
check "snapshot.info: its id and the system's identity (what a stick compares to update)" \
    bash -c "grep -qx \"id=\$(sed -n 's/^layers=//p' '$nb/snapshot.info')\" '$nb/snapshot.info' && grep -qE '^system=[0-9a-f]{16}\$' '$nb/snapshot.info'"
check "boot.ipxe: relative kernel and initrd with the URL and DHCP" \
    grep -q "^kernel vmlinuz initrd=initrd.img root=remaster rd.remaster.url=\${remaster-url} ip=dhcp rd.neednet=1 .* console=ttyS0,115200$" "$nb/boot.ipxe"
check "grub.cfg: over http" grep -q "linux (http,\$remaster_host)\$remaster_path/vmlinuz root=remaster rd.remaster.url=http://" "$nb/grub.cfg"
check "grub.cfg: grub-script-check accepts it" grub-script-check "$nb/grub.cfg"
check "the run did not warn about an unsigned directory" bash -c "! grep -q 'is unsigned' <<<\"\$1\"" _ "$log"
# The initramfs: the network scripts, curl, openssl; the key in the archive appended last.
mkdir -p "$work/initrd"
(cd "$work/initrd" && "$ROOT/usr/lib/dracut/skipcpio" "$nb/initrd.img" | zstd -dc 2>/dev/null | cpio -id --quiet 2>/dev/null) || true
for f in usr/bin/curl usr/bin/openssl usr/sbin/dhclient usr/lib/remaster-lib.sh; do
    check "initramfs holds $f" test -e "$work/initrd/$f"
done
check "initramfs: the public key appended (an uncompressed newc archive at its end)" \
    bash -c "tail -c 4096 '$nb/initrd.img' | grep -aq 'etc/remaster/netboot.pub' && tail -c 4096 '$nb/initrd.img' | grep -aq 'BEGIN PUBLIC KEY'"
check "initramfs: the appended key is the signing key's public half" \
    bash -c "tail -c 4096 '$nb/initrd.img' | tr -d '\0' | grep -aq \"\$(sed -n 2p '$work/pub.pem')\""

# --- replaced atomically -------------------------------------------------------
first_id=$(sed -n 's/^layers=//p' "$nb/snapshot.info")
inode=$(stat -c %i "$nb")
# A reader that looks at the directory all along: every look finds the
# complete file set (old or new), never a half-written one.
(
    while [[ ! -e $work/stop ]]; do
        for f in filesystem.squashfs vmlinuz initrd.img SHA256SUMS snapshot.info boot.ipxe; do
            [[ -e $nb/$f ]] || echo "missing $f" >>"$work/reader.log"
        done
    done
) &
reader=$!
sleep 1.1  # a snapshot id per second
start=$SECONDS
"$REMASTER" snapshot --root "$ROOT" --netboot "$out/nb" --quiet
echo "second run: $((SECONDS - start)) s"
touch "$work/stop"
wait "$reader"
check "replaced: the reader always found a complete directory" test ! -s "$work/reader.log"
check "replaced: a new directory" test "$(stat -c %i "$nb")" != "$inode"
check "replaced: a new snapshot" test "$(sed -n 's/^layers=//p' "$nb/snapshot.info")" != "$first_id"
check "replaced: unsigned now, and no old signature left" \
    bash -c "grep -qx signed=no '$nb/snapshot.info' && test ! -e '$nb/SHA256SUMS.sig'"
check "replaced: the old directory and the stage are gone" test -z "$(find "$out" -mindepth 1 -maxdepth 1 ! -name data ! -name other ! -name nb)"

summary
