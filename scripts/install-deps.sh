#!/usr/bin/env bash
# Installs everything remaster needs to build, run and test on a fresh Debian
# (bookworm or newer) machine. Idempotent; run as root.
set -euo pipefail

packages=(
  # build
  cmake ninja-build g++ pkg-config
  libmount-dev libsquashfs-dev libkmod-dev libfdisk-dev libblkid-dev libssl-dev libcli11-dev catch2 libisofs-dev libzstd-dev zlib1g-dev
  libcurl4-openssl-dev  # remaster update: HTTP(S) downloads
  # run time: making the stick
  dracut-core grub-common grub-pc-bin grub-efi-amd64-bin e2fsprogs dosfstools mtools util-linux fdisk
  # tests: awkward trees, comparison, the peer, VM boots
  python3 attr acl libcap2-bin squashfs-tools squashfs-tools-ng bc time openssh-client
  zstd  # lsinitrd reads the zstd initramfs (tests/root/test_kernels.sh)
  btrfs-progs  # a btrfs workstation as the source (tests/root/test_btrfs_source.sh)
  mmdebstrap qemu-system-x86 qemu-utils ovmf shellcheck
  groff-base man-db  # renders remaster(8) (tests/unit/manpage_test.sh)
  build-essential dpkg-dev debhelper lintian  # the Debian package (tests/root/test_package.sh)
  xorriso  # reads back the El Torito catalogue of --iso images (tests/root/test_iso.sh)
  zsh  # loads completions/_remaster in a real zsh (tests/unit/zsh_completion_test.sh)
  # netboot: QEMU's PXE ROMs (iPXE), the key and the initramfs's archives (test_boot_netboot.sh, test_netboot.sh)
  ipxe-qemu openssl cpio curl
  # fuzzing the parsers
  clang libclang-rt-14-dev
)

if [[ $(id -u) -ne 0 ]]; then
  echo "install-deps: run as root (apt-get install)" >&2
  exit 1
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
