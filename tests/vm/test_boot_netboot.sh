#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# Network boot (docs/netboot.md): a signed netboot directory made by
# `remaster snapshot --netboot DIR --sign-key KEY` from the test root, served
# by python3's http.server on 127.0.0.1 (the guest reaches it as 10.0.2.2
# through QEMU's user networking), boots with no disk attached at all:
#   a  QEMU -kernel vmlinuz -initrd initrd.img with an https:// rd.remaster.url
#      (a test CA in the root's ca-certificates.crt, which the initramfs
#      carries): the live system's / is an overlay on the squashfs
#      downloaded into RAM
#   b  a real network boot: the NIC's iPXE ROM (ipxe-qemu) gets a script
#      from QEMU's built-in TFTP server, which chains boot.ipxe over HTTP
#      (BIOS), and the same under UEFI (OVMF)
#   d  GRUB netbooted from the same TFTP server (grub-mknetdir, BIOS and
#      UEFI) sources the directory's grub.cfg over GRUB's http module
#   c  the same directory with one byte of SHA256SUMS changed, with
#      SHA256SUMS.sig missing, with one byte of the squashfs changed, and
#      served over https with a certificate of another CA: refused at boot,
#      the reason on the console; and a guest with too little RAM for the
#      squashfs refuses before downloading it
# The test root is lib/netboot-root.sh's overlay on the cached Debian root
# (curl, openssl, dracut-network added; the cached root is never written)
# with a remaster-proof-extra that adds to the proof line
#   ram=     the filesystem of /run/remaster/ram (tmpfs: the system came into RAM)
#   lower=   the file behind /run/remaster/lower's loop device
# Needs root, apt's package lists (Debian's mirror), qemu-system-x86_64,
# ipxe-qemu, ovmf, grub-mknetdir (grub2-common), python3, openssl,
# build/remaster. REMASTER_VM_TIMEOUT (s,
# default 500) bounds each boot.

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib/vm.sh
. "$HERE/lib/vm.sh"
# shellcheck source=lib/netboot-root.sh
. "$HERE/lib/netboot-root.sh"

TIMEOUT=${REMASTER_VM_TIMEOUT:-500}

make_work netboot
# shellcheck source=lib/http-server.sh
. "$HERE/lib/http-server.sh"
# The HTTP server goes first, then what make_work arranged.
stop_all() {
	http_stop
	_release_work
}
trap stop_all EXIT

# args: log file, kernel command line, then extra QEMU arguments. Boots the
# netboot directory's kernel and initramfs with user networking and no disk,
# until the proof line (the test root powers off) or the timeout. Its status.
boot_net() {
	local log=$1 append=$2
	shift 2
	: >"$log"
	timeout --kill-after=10 "$TIMEOUT" qemu-system-x86_64 -accel tcg -machine q35 -m 2048 -smp 2 \
		-display none -monitor none -serial "file:$log" -no-reboot "$@" \
		${append:+-append "$append"} </dev/null >>"$log.qemu" 2>&1
	grep -aq 'REMASTER-PROOF ' "$log"
}

# args: log file, pattern, seconds, then QEMU arguments. Starts QEMU in the
# background and stops it once the console shows the pattern (a refused boot
# waits in the emergency shell). True when it showed.
boot_until() {
	local log=$1 pattern=$2 limit=$3 pid i
	shift 3
	: >"$log"
	qemu-system-x86_64 -accel tcg -machine q35 -m 2048 -smp 2 -display none -monitor none \
		-serial "file:$log" -no-reboot "$@" </dev/null >>"$log.qemu" 2>&1 &
	pid=$!
	for ((i = 0; i < limit; i += 2)); do
		grep -aq -- "$pattern" "$log" && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 2
	done
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	grep -aq -- "$pattern" "$log"
}

# --- the directory ----------------------------------------------------------
ROOT=$("$HERE/lib/debian-root.sh") || { fail "building the Debian root"; summary; exit; }
DEBS=$(netboot_debs) || { fail "apt-get download ${NETBOOT_PACKAGES[*]}"; summary; exit; }
make_netboot_root "$ROOT" "$DEBS" "$WORK/troot" || { fail "test root overlay"; summary; exit; }
TROOT=$WORK/troot/root
cat >"$TROOT/usr/local/sbin/remaster-proof-extra" <<'PROOF'
#!/bin/sh
# Test-only (test_boot_netboot.sh): where the live system's lower layer is.
ram=$(findmnt -n -o FSTYPE /run/remaster/ram)
lower=$(losetup -n -O BACK-FILE "$(findmnt -n -o SOURCE /run/remaster/lower)" 2>/dev/null)
echo "ram=${ram:-none} lower=${lower:-none}"
PROOF
chmod 755 "$TROOT/usr/local/sbin/remaster-proof-extra"
# https: a CA of the test's own as the root's whole CA bundle, which
# module-setup.sh copies into the initramfs for curl; another CA's
# certificate for the server the guest must not trust.
mkdir -p "$WORK/ca" "$WORK/ca-other" "$TROOT/etc/ssl/certs"
if ! test_ca "$WORK/ca" 10.0.2.2 127.0.0.1 || ! test_ca "$WORK/ca-other" 10.0.2.2 127.0.0.1; then
	fail "test certificates"
fi
cp "$WORK/ca/ca.crt" "$TROOT/etc/ssl/certs/ca-certificates.crt"

SRV=$WORK/srv
mkdir -p "$SRV"
openssl genpkey -algorithm ed25519 -out "$WORK/netboot.key" 2>/dev/null || fail "openssl genpkey"
start=$SECONDS
if "$REMASTER_BIN" snapshot --root "$TROOT" --netboot "$SRV/nb" --sign-key "$WORK/netboot.key" \
	--kernel-args "console=ttyS0,115200" --quiet; then
	ok "netboot directory made with --sign-key ($((SECONDS - start)) s)"
else
	fail "netboot directory made with --sign-key"
	summary
	exit
fi
umount "$TROOT"

# The same directory, tampered with: hard links but for the changed file.
mkdir -p "$SRV/badsum" "$SRV/nosig" "$SRV/badimg"
cp -al "$SRV/nb/." "$SRV/badsum/"
cp -al "$SRV/nb/." "$SRV/nosig/"
cp -al "$SRV/nb/." "$SRV/badimg/"
rm -f "$SRV/badsum/SHA256SUMS" "$SRV/nosig/SHA256SUMS.sig"
changed_copy "$SRV/nb/filesystem.squashfs" "$SRV/badimg/filesystem.squashfs"
expect "badimg: the squashfs differs from the signed one in one byte" \
	test "$(cmp -l "$SRV/nb/filesystem.squashfs" "$SRV/badimg/filesystem.squashfs" 2>/dev/null | wc -l)" -eq 1
# One byte: the first hex digit of the squashfs' SHA-256, changed.
first=$(head -c 1 "$SRV/nb/SHA256SUMS")
{ if [[ $first == 0 ]]; then printf 1; else printf 0; fi; tail -c +2 "$SRV/nb/SHA256SUMS"; } >"$SRV/badsum/SHA256SUMS"
expect "badsum: SHA256SUMS differs from the signed one in one byte" \
	test "$(cmp -l "$SRV/nb/SHA256SUMS" "$SRV/badsum/SHA256SUMS" 2>/dev/null | wc -l)" -eq 1

expect "the HTTP server serves the directory on 127.0.0.1:$PORT" http_start "$SRV" nb/SHA256SUMS "$WORK/http.log"
TLS_PORT=$((PORT + 1)) OTHER_PORT=$((PORT + 2))
expect "the HTTPS server serves it on 127.0.0.1:$TLS_PORT" https_start "$SRV" nb/SHA256SUMS "$WORK/https.log" \
	"$TLS_PORT" "$WORK/ca/server.crt" "$WORK/ca/server.key" "$WORK/ca/ca.crt"
expect "the HTTPS server with another CA's certificate serves it on 127.0.0.1:$OTHER_PORT" https_start "$SRV" \
	nb/SHA256SUMS "$WORK/https-other.log" "$OTHER_PORT" "$WORK/ca-other/server.crt" "$WORK/ca-other/server.key" \
	"$WORK/ca-other/ca.crt"
ARGS="root=remaster ip=dhcp rd.neednet=1 console=ttyS0,115200 noresume rd.luks=0 rd.lvm=0 rd.md=0 rd.dm=0"
NET=(-netdev "user,id=n0" -device "virtio-net-pci,netdev=n0")

# args: name, proof line. / is the overlay on the squashfs in RAM.
expect_ram_root() {
	case " $2 " in
	*" root=overlay "*" ram=tmpfs lower=/run/remaster/ram/filesystem.squashfs "*) ok "$1: / is an overlay on the squashfs downloaded into RAM ($2)" ;;
	*) fail "$1: / is an overlay on the squashfs downloaded into RAM: '${2:-no proof line}'" ;;
	esac
}

# --- a: -kernel, -initrd, rd.remaster.url=https://... ------------------------------
start=$SECONDS
if boot_net "$WORK/a.log" "rd.remaster.url=https://10.0.2.2:$TLS_PORT/nb/ $ARGS" "${NET[@]}" \
	-kernel "$SRV/nb/vmlinuz" -initrd "$SRV/nb/initrd.img"; then
	ok "a: -kernel boot with an https rd.remaster.url reaches the proof line ($((SECONDS - start)) s)"
else
	fail "a: -kernel boot with an https rd.remaster.url reaches the proof line ($((SECONDS - start)) s; console follows)"
	tail -n 30 "$WORK/a.log" | tr -d '\r' | LC_ALL=C sed 's/^/  a| /'
fi
expect_ram_root a "$(proof_line "$WORK/a.log")"
expect "a: the signature was checked" grep -aq "remaster: SHA256SUMS is signed by the key of this initramfs" "$WORK/a.log"
expect "a: the download showed its progress" grep -aq "remaster: downloading the system into RAM: [0-9]*%" "$WORK/a.log"
expect "a: the squashfs came over https" grep -q '"GET /nb/filesystem.squashfs HTTP' "$WORK/https.log"

# --- b: PXE: iPXE from the NIC's ROM, a script over TFTP, boot.ipxe over HTTP -----
mkdir -p "$WORK/tftp"
cat >"$WORK/tftp/start.ipxe" <<IPXE
#!ipxe
set remaster-url http://10.0.2.2:$PORT/nb/
chain \${remaster-url}boot.ipxe
IPXE
start=$SECONDS
if boot_net "$WORK/b.log" "" -netdev "user,id=n0,tftp=$WORK/tftp,bootfile=start.ipxe" \
	-device virtio-net-pci,netdev=n0,bootindex=0 -boot n; then
	ok "b: BIOS PXE boot through iPXE and boot.ipxe reaches the proof line ($((SECONDS - start)) s)"
else
	fail "b: BIOS PXE boot through iPXE and boot.ipxe reaches the proof line ($((SECONDS - start)) s; console follows)"
	tail -n 30 "$WORK/b.log" | tr -d '\r' | LC_ALL=C sed 's/^/  b| /'
fi
expect_ram_root b "$(proof_line "$WORK/b.log")"
expect "b: the kernel got boot.ipxe's arguments with the URL iPXE was given" \
	grep -aEq "ommand line: .*rd\.remaster\.url=http://10\.0\.2\.2:$PORT/nb/ ip=dhcp rd\.neednet=1" "$WORK/b.log"
expect "b: kernel and initramfs came over HTTP" grep -q '"GET /nb/initrd.img HTTP' "$WORK/http.log"

# The same under UEFI: OVMF runs the EFI iPXE of the same ROM.
uefi_drives "$WORK/vars.fd"
start=$SECONDS
if boot_net "$WORK/b-uefi.log" "" -netdev "user,id=n0,tftp=$WORK/tftp,bootfile=start.ipxe" \
	-device virtio-net-pci,netdev=n0,bootindex=0 "${UEFI_DRIVES[@]}"; then
	ok "b: UEFI PXE boot through iPXE and boot.ipxe reaches the proof line ($((SECONDS - start)) s)"
else
	fail "b: UEFI PXE boot through iPXE and boot.ipxe reaches the proof line ($((SECONDS - start)) s; console follows)"
	tail -n 30 "$WORK/b-uefi.log" | tr -d '\r' | LC_ALL=C sed 's/^/  b-uefi| /'
fi
expect_ram_root "b (UEFI)" "$(proof_line "$WORK/b-uefi.log")"

# --- d: GRUB from TFTP, the directory's grub.cfg over HTTP -------------------------
# args: name, GRUB platform, file GRUB's image becomes in the net directory,
# then QEMU's firmware arguments.
grub_netboot() {
	local name=$1 platform=$2 image=$3 net=$WORK/grubnet-$2
	shift 3
	mkdir -p "$net"
	if ! grub-mknetdir --net-directory="$net" --subdir=boot/grub -d "$ROOT/usr/lib/grub/$platform" >/dev/null 2>&1; then
		fail "$name: grub-mknetdir made GRUB's netboot directory for $platform"
		return
	fi
	cat >"$net/boot/grub/grub.cfg" <<GRUB
serial --unit=0 --speed=115200
terminal_input serial console
terminal_output serial console
set remaster_host=10.0.2.2:$PORT
set remaster_path=/nb
source (http,\$remaster_host)\$remaster_path/grub.cfg
GRUB
	start=$SECONDS
	if boot_net "$WORK/$name.log" "" -netdev "user,id=n0,tftp=$net,bootfile=boot/grub/$platform/$image" \
		-device virtio-net-pci,netdev=n0,bootindex=0 "$@"; then
		ok "$name: GRUB netboot with the directory's grub.cfg reaches the proof line ($((SECONDS - start)) s)"
	else
		fail "$name: GRUB netboot with the directory's grub.cfg reaches the proof line ($((SECONDS - start)) s; console follows)"
		tail -n 30 "$WORK/$name.log" | tr -d '\r' | LC_ALL=C sed "s/^/  $name| /"
	fi
	expect_ram_root "$name" "$(proof_line "$WORK/$name.log")"
	expect "$name: GRUB passed the URL of the directory" \
		grep -aEq "ommand line: BOOT_IMAGE=\(http,10\.0\.2\.2:$PORT\)/nb/vmlinuz root=remaster rd\.remaster\.url=http://10\.0\.2\.2:$PORT/nb/ " "$WORK/$name.log"
}
grub_netboot d i386-pc core.0 -boot n
uefi_drives "$WORK/vars-d.fd"
grub_netboot d-uefi x86_64-efi core.efi "${UEFI_DRIVES[@]}"

# --- c: tampered with: refused, the reason on the console --------------------------
start=$SECONDS
if boot_until "$WORK/c1.log" "remaster: rd.remaster.url: the signature SHA256SUMS.sig does not match" "$TIMEOUT" \
	"${NET[@]}" -kernel "$SRV/nb/vmlinuz" -initrd "$SRV/nb/initrd.img" \
	-append "rd.remaster.url=http://10.0.2.2:$PORT/badsum/ $ARGS"; then
	ok "c: one byte of SHA256SUMS changed: refused, the console says the signature does not match ($((SECONDS - start)) s)"
else
	fail "c: one byte of SHA256SUMS changed: refused, the console says the signature does not match (console follows)"
	tail -n 30 "$WORK/c1.log" | tr -d '\r' | LC_ALL=C sed 's/^/  c1| /'
fi
if proof_line "$WORK/c1.log" | grep -q .; then fail "c: no proof line from the changed directory"; else
	ok "c: no proof line from the changed directory"; fi
expect "c: the changed squashfs was never downloaded" \
	bash -c "! grep -q 'GET /badsum/filesystem.squashfs' '$WORK/http.log'"
start=$SECONDS
if boot_until "$WORK/c2.log" "SHA256SUMS.sig cannot be downloaded" "$TIMEOUT" \
	"${NET[@]}" -kernel "$SRV/nb/vmlinuz" -initrd "$SRV/nb/initrd.img" \
	-append "rd.remaster.url=http://10.0.2.2:$PORT/nosig/ $ARGS"; then
	ok "c: no SHA256SUMS.sig: refused as unsigned ($((SECONDS - start)) s)"
else
	fail "c: no SHA256SUMS.sig: refused as unsigned (console follows)"
	tail -n 30 "$WORK/c2.log" | tr -d '\r' | LC_ALL=C sed 's/^/  c2| /'
fi
start=$SECONDS
if boot_until "$WORK/c3.log" "remaster: rd.remaster.url: .*filesystem.squashfs is corrupted or was changed" "$TIMEOUT" \
	"${NET[@]}" -kernel "$SRV/nb/vmlinuz" -initrd "$SRV/nb/initrd.img" \
	-append "rd.remaster.url=http://10.0.2.2:$PORT/badimg/ $ARGS"; then
	ok "c: one byte of the squashfs changed: refused after the download, its SHA-256 named ($((SECONDS - start)) s)"
else
	fail "c: one byte of the squashfs changed: refused after the download (console follows)"
	tail -n 30 "$WORK/c3.log" | tr -d '\r' | LC_ALL=C sed 's/^/  c3| /'
fi
if proof_line "$WORK/c3.log" | grep -q .; then fail "c: no proof line from the changed squashfs"; else
	ok "c: no proof line from the changed squashfs"; fi
start=$SECONDS
if boot_until "$WORK/c5.log" "remaster: rd.remaster.url: cannot download https://10.0.2.2:$OTHER_PORT/nb/SHA256SUMS" \
	"$TIMEOUT" "${NET[@]}" -kernel "$SRV/nb/vmlinuz" -initrd "$SRV/nb/initrd.img" \
	-append "rd.remaster.url=https://10.0.2.2:$OTHER_PORT/nb/ rd.remaster.timeout=5 $ARGS"; then
	ok "c: https with a certificate of another CA: refused, curl's reason on the console ($((SECONDS - start)) s)"
else
	fail "c: https with a certificate of another CA: refused (console follows)"
	tail -n 30 "$WORK/c5.log" | tr -d '\r' | LC_ALL=C sed 's/^/  c5| /'
fi
expect "c: the console names the certificate as the reason" grep -aq "SSL certificate problem" "$WORK/c5.log"
# The guest's connections come from 127.0.0.1 too (QEMU's user networking):
# the one request served is the test's own probe.
expect "c: nothing was served to the guest that did not trust the certificate" \
	test "$(grep -c 'GET /nb/' "$WORK/https-other.log")" -eq 1
# 512 MiB: the squashfs and the 256 MiB margin do not fit in what is available.
start=$SECONDS
if boot_until "$WORK/c4.log" "remaster: rd.remaster.url: not enough memory to download the system" "$TIMEOUT" \
	"${NET[@]}" -kernel "$SRV/nb/vmlinuz" -initrd "$SRV/nb/initrd.img" -m 512 \
	-append "rd.remaster.url=http://10.0.2.2:$PORT/nb/ $ARGS"; then
	ok "c: too little RAM: refused before the download, the sizes named ($((SECONDS - start)) s)"
else
	fail "c: too little RAM: refused before the download (console follows)"
	tail -n 30 "$WORK/c4.log" | tr -d '\r' | LC_ALL=C sed 's/^/  c4| /'
fi

summary
