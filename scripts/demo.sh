#!/usr/bin/env bash
# The main job on an embedded default: set up this Debian machine, build
# remaster, build (or reuse from cache) a small Debian root, snapshot it onto
# a stick image, boot that stick in QEMU through its own GRUB (SeaBIOS) and
# print the proof line the live system itself writes on its serial console.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh

out=${REMASTER_DEMO_DIR:-/var/tmp/remaster-demo}
mkdir -p "$out"
echo "demo: building or reusing the Debian root (about 2 minutes the first time)"
root=$(tests/vm/lib/debian-root.sh)

echo "demo: remaster snapshot --root $root --to $out/stick.img"
build/remaster snapshot --root "$root" --to "$out/stick.img" --kernel-args "console=ttyS0,115200" --yes

echo "demo: booting the stick in QEMU (software emulation, about a minute)"
# shellcheck source=../tests/vm/lib/boot.sh
. tests/vm/lib/boot.sh
if ! boot_image "$out/stick.img" bios "$out/boot.log" 600; then
  echo "demo: the stick did not boot; the end of its console:" >&2
  tail -n 40 "$out/boot.log" | tr -d '\r' >&2
  exit 1
fi
echo "demo: the live system says:"
proof_line "$out/boot.log"
