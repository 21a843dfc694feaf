#!/bin/bash
# Build (or reuse from cache) a Debian bookworm root for the VM boot tests.
#
# Usage: debian-root.sh            prints the path of the cached root on stdout
#
# The cache key is a hash of the suite, the package list and this script's own
# text, so changing any of them builds a fresh root. The root is built into a
# temporary directory next to the cache entry and renamed into place only when
# complete: an interrupted build never leaves a directory that looks valid.
#
# The root is a normal installed Debian (not a live system): dracut instead of
# initramfs-tools, GRUB binaries for both firmwares, and a test-only unit
# remaster-proof.service that prints one line on the serial console once the
# system reached multi-user and then powers off. The tests grep that line.
set -euo pipefail

SUITE=bookworm
PACKAGES=(
	linux-image-amd64 dracut systemd-sysv udev
	grub-pc-bin grub-efi-amd64-bin grub-common e2fsprogs
	# grub-install lives here, not in grub-common
	grub2-common
	util-linux mount kmod
)
CACHE=${REMASTER_TEST_CACHE:-/var/cache/remaster-tests}

self=$(readlink -f "${BASH_SOURCE[0]}")
key=$( { echo "$SUITE"; printf '%s\n' "${PACKAGES[@]}"; cat "$self"; } | sha256sum | cut -c1-16)
root="$CACHE/debian-root-$key"

if [[ -e "$root/.remaster-test-root-complete" ]]; then
	echo "$root"
	exit 0
fi

mkdir -p "$CACHE"
tmp=$(mktemp -d "$CACHE/.debian-root-$key.tmp.XXXXXX")
# Remove the half-built root on any failure or interrupt; the final rename
# disarms this by emptying $tmp.
cleanup() { if [[ -n "$tmp" && -d "$tmp" ]]; then rm -rf --one-file-system "$tmp"; fi; }
trap cleanup EXIT
trap 'exit 130' INT TERM

# initramfs-tools must not come in: dracut provides linux-initramfs-tool and the
# two conflict. Recommends are skipped to keep the root small and predictable.
pkgs=$(IFS=,; echo "${PACKAGES[*]}")
echo "debian-root: building $SUITE root in $tmp (this takes ~2 min)" >&2
mmdebstrap --variant=apt --include="$pkgs" \
	--aptopt='APT::Install-Recommends "false"' \
	"$SUITE" "$tmp" >&2

if [[ -e "$tmp/usr/sbin/update-initramfs" ]] && dpkg --root="$tmp" -s initramfs-tools >/dev/null 2>&1; then
	echo "debian-root: initramfs-tools got installed; dracut is required" >&2
	exit 1
fi

echo remaster-test >"$tmp/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\tremaster-test\n' >"$tmp/etc/hosts"
# A plain installed-system fstab, so the test can tell whether the live image
# scrubbed it.
printf '# /etc/fstab of the test root\nUUID=00000000-0000-0000-0000-000000000000 / ext4 errors=remount-ro 0 1\n' >"$tmp/etc/fstab"
# No root password and no getty on the serial line are needed: the proof unit
# powers the machine off by itself.

cat >"$tmp/usr/local/sbin/remaster-proof" <<'PROOF'
#!/bin/sh
# Test-only: report how this system was booted, then power off. A test that
# wants more in the line installs /usr/local/sbin/remaster-proof-extra: what
# it prints (more field=value words) is appended.
fstype=$(findmnt -n -o FSTYPE /)
fstab=$(grep -v -e '^[[:space:]]*#' -e '^[[:space:]]*$' /etc/fstab 2>/dev/null | head -n 1)
[ -n "$fstab" ] || fstab=none
line="REMASTER-PROOF root=$fstype fstab=$fstab host=$(hostname)"
extra=/usr/local/sbin/remaster-proof-extra
[ -x "$extra" ] && line="$line $("$extra")"
for tty in /dev/ttyS0 /dev/console; do
	echo "$line" >"$tty" 2>/dev/null || :
done
echo "$line"
systemctl --no-block poweroff
PROOF
chmod 755 "$tmp/usr/local/sbin/remaster-proof"

cat >"$tmp/etc/systemd/system/remaster-proof.service" <<'UNIT'
[Unit]
Description=remaster test: report the boot and power off
After=multi-user.target

[Service]
Type=oneshot
ExecStart=/usr/local/sbin/remaster-proof
StandardOutput=journal+console

[Install]
WantedBy=multi-user.target
UNIT
mkdir -p "$tmp/etc/systemd/system/multi-user.target.wants"
ln -sf ../remaster-proof.service "$tmp/etc/systemd/system/multi-user.target.wants/remaster-proof.service"

touch "$tmp/.remaster-test-root-complete"
# Rename is atomic on one filesystem: either the complete root or nothing.
mv -T "$tmp" "$root"
tmp=
echo "$root"
