#!/bin/bash
# older-kernel.sh: prints a cached directory holding a real, older Debian
# kernel (bullseye's linux-image-amd64) laid out as a merged-/usr root has
# it: boot/vmlinuz-KVER and usr/lib/modules/KVER (with modules.dep). A
# kernel copied under a second version name would not boot (its modules
# directory no longer matches `uname -r`), so the workstation test takes a
# real one. Built once (mmdebstrap --variant=extract, ~30 s), keyed by the
# suite and this script's text, renamed into place when complete.
set -euo pipefail

SUITE=bullseye
CACHE=${REMASTER_TEST_CACHE:-/var/cache/remaster-tests}
self=$(readlink -f "${BASH_SOURCE[0]}")
key=$({ echo "$SUITE"; cat "$self"; } | sha256sum | cut -c1-16)
out="$CACHE/older-kernel-$key"
if [[ -e "$out/.complete" ]]; then
	echo "$out"
	exit 0
fi

mkdir -p "$CACHE"
tmp=$(mktemp -d "$CACHE/.older-kernel-$key.tmp.XXXXXX")
cleanup() { if [[ -n "$tmp" && -d "$tmp" ]]; then rm -rf --one-file-system "$tmp"; fi; }
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "older-kernel: extracting $SUITE's kernel (~30 s)" >&2
mmdebstrap --variant=extract --include=linux-image-amd64 "$SUITE" "$tmp/x" >&2
kver=$(find "$tmp/x/lib/modules" -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -V | tail -n 1)
[[ -n "$kver" && -f "$tmp/x/boot/vmlinuz-$kver" ]] || { echo "older-kernel: no kernel extracted" >&2; exit 1; }
mkdir -p "$tmp/k/boot" "$tmp/k/usr/lib/modules"
cp -a "$tmp/x/boot/vmlinuz-$kver" "$tmp/x/boot/System.map-$kver" "$tmp/x/boot/config-$kver" "$tmp/k/boot/"
cp -a "$tmp/x/lib/modules/$kver" "$tmp/k/usr/lib/modules/"
# Small enough for a test stick: no sound, graphics, media, wireless,
# Ethernet (virtio_net stays) or other hardware a QEMU guest lacks.
m="$tmp/k/usr/lib/modules/$kver/kernel"
rm -rf "$m/sound" "$m/net/wireless" "$m/net/mac80211" "$m/net/bluetooth"
for d in gpu media infiniband staging iio hwmon isdn bluetooth net/wireless net/ethernet; do
	rm -rf "${m:?}/drivers/$d"
done
# The package's postinst would run depmod; extracting runs nothing.
depmod -b "$tmp/k/usr" "$kver"  # reads BASE/lib/modules/KVER
echo "$kver" >"$tmp/k/.kernel-version"
touch "$tmp/k/.complete"
rm -rf "$out"
mv "$tmp/k" "$out"
echo "$out"
