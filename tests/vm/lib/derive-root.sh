#!/bin/bash
# derive-root.sh arch|fedora DEBIAN_ROOT OUT
#
# Lays out a copy of the Debian test root (debian-root.sh) the way Arch or
# Fedora would, in what remaster's adapters look at: os-release, kernel
# names, where the GRUB tools are and what they are called. The binaries stay
# Debian's, so the derived root boots like the Debian one; what the test
# proves is that the pipeline finds everything through the adapter.
#
#   arch    ID=arch; /boot/vmlinuz-linux with /usr/lib/modules/KVER/pkgbase =
#           linux (no /boot/vmlinuz-KVER) and the package's copy at
#           /usr/lib/modules/KVER/vmlinuz; mkinitcpio's initramfs name; every
#           GRUB tool in /usr/bin, as the grub package has them.
#   fedora  ID=fedora, VERSION_ID=39; GRUB tools renamed grub2-* with
#           grub2-bios-setup in /usr/sbin (no grub-* name left); /boot/grub2;
#           the kernel also at /usr/lib/modules/KVER/vmlinuz (BLS style);
#           /boot/initramfs-KVER.img.
#
# OUT is a cache entry: a full copy (cp -a --reflink=auto), so the tests
# need no mounts to keep it alive. It is reused while the stamp in it
# matches the inputs (distribution, Debian root and its completion time, this
# script's text), otherwise rebuilt next to OUT under a temporary name and
# renamed into place when complete. Prints OUT.
set -euo pipefail

die() { echo "derive-root: $*" >&2; exit 1; }

[[ $# -eq 3 ]] || die "usage: derive-root.sh arch|fedora DEBIAN_ROOT OUT"
distro=$1
deb=$(readlink -f "$2")
out=$3
case $distro in arch | fedora) ;; *) die "unknown distribution '$distro' (arch or fedora)" ;; esac
[[ -e "$deb/.remaster-test-root-complete" ]] || die "'$deb' is not a complete test root (debian-root.sh)"

self=$(readlink -f "${BASH_SOURCE[0]}")
key=$({
	echo "$distro"
	echo "$deb"
	stat -c %Y "$deb/.remaster-test-root-complete"
	cat "$self"
} | sha256sum | cut -c1-16)
stamp=.remaster-derived-root

if [[ "$(cat "$out/$stamp" 2>/dev/null)" == "$key" ]]; then
	echo "$out"
	exit 0
fi

mkdir -p "$(dirname "$out")"
tmp=$(mktemp -d "$(dirname "$out")/.$(basename "$out").tmp.XXXXXX")
cleanup() { if [[ -n "$tmp" && -d "$tmp" ]]; then rm -rf --one-file-system "$tmp"; fi; }
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "derive-root: copying $deb for $distro" >&2
cp -a --reflink=auto "$deb/." "$tmp/"
cd "$tmp"

kver=$(find usr/lib/modules -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -V | tail -n 1)
[[ -n "$kver" && -f "boot/vmlinuz-$kver" ]] || die "no kernel in '$deb'"

# args: os-release text. /etc/os-release is a relative link, as on both.
set_os_release() {
	printf '%s\n' "$1" >usr/lib/os-release
	rm -f etc/os-release etc/debian_version
	ln -s ../usr/lib/os-release etc/os-release
}

case $distro in
arch)
	set_os_release 'NAME="Arch Linux"
PRETTY_NAME="Arch Linux"
ID=arch
BUILD_ID=rolling
ANSI_COLOR="38;2;23;147;209"
HOME_URL="https://archlinux.org/"
LOGO=archlinux-logo'
	# Kernels are named after their package; the modules tree says which.
	# The package ships the image in the modules tree; a pacman hook copies
	# it to /boot under the package's name.
	mv "boot/vmlinuz-$kver" boot/vmlinuz-linux
	cp -a boot/vmlinuz-linux "usr/lib/modules/$kver/vmlinuz"
	echo linux >"usr/lib/modules/$kver/pkgbase"
	if [[ -e "boot/initrd.img-$kver" ]]; then mv "boot/initrd.img-$kver" boot/initramfs-linux.img; fi
	# Arch's grub package has every tool in /usr/bin.
	for f in usr/sbin/grub-* usr/lib/grub/i386-pc/grub-*; do
		[[ -f "$f" && -x "$f" ]] && mv "$f" usr/bin/
	done
	[[ ! -e "boot/vmlinuz-$kver" && -x usr/bin/grub-bios-setup && -x usr/bin/grub-mkimage ]] ||
		die "arch layout incomplete"
	;;
fedora)
	set_os_release 'NAME="Fedora Linux"
VERSION="39 (Server Edition)"
ID=fedora
VERSION_ID=39
VERSION_CODENAME=""
PLATFORM_ID="platform:f39"
PRETTY_NAME="Fedora Linux 39 (Server Edition)"
ANSI_COLOR="0;38;2;60;110;180"
CPE_NAME="cpe:/o:fedoraproject:fedora:39"
HOME_URL="https://fedoraproject.org/"
VARIANT="Server Edition"
VARIANT_ID=server'
	# GRUB 2 tools carry the grub2- prefix; grub2-bios-setup is in /usr/sbin.
	mv usr/lib/grub/i386-pc/grub-bios-setup usr/sbin/grub2-bios-setup
	# (grub-mkconfig_lib, a sourced library, keeps its name on Fedora too.)
	for f in usr/bin/grub-* usr/sbin/grub-* usr/lib/grub/*/grub-*; do
		[[ -f "$f" && -x "$f" ]] && mv "$f" "$(dirname "$f")/grub2-${f##*/grub-}"
	done
	# /boot/grub2 is Fedora's GRUB directory.
	rmdir boot/grub 2>/dev/null || :
	mkdir -p boot/grub2
	# BLS-style copy of the kernel in the package's modules tree.
	cp -a "boot/vmlinuz-$kver" "usr/lib/modules/$kver/vmlinuz"
	if [[ -e "boot/initrd.img-$kver" ]]; then mv "boot/initrd.img-$kver" "boot/initramfs-$kver.img"; fi
	left=$(find usr/bin usr/sbin usr/lib/grub -name 'grub-*' -type f -perm /111 -print)
	[[ -z "$left" ]] || die "grub-* names left: $left"
	[[ -x usr/sbin/grub2-bios-setup && -x usr/bin/grub2-mkimage ]] || die "fedora layout incomplete"
	;;
esac

echo "$key" >"$stamp"
cd /
rm -rf --one-file-system "$out"
# Rename is atomic on one filesystem: either the complete root or nothing.
mv -T "$tmp" "$out"
tmp=
echo "$out"
