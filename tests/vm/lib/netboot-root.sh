#!/bin/bash
# The test root for snapshot --netboot (tests/root/test_netboot.sh,
# tests/vm/test_boot_netboot.sh): the cached Debian root (debian-root.sh,
# whose package list stays as it is) seen through an overlay whose upper
# layer holds the files of curl, openssl and dracut-network and what they
# need beyond that root, unpacked from their .debs (kept under $CACHE,
# keyed by their candidate versions). The cached root is never written.
# Source this file.
#
#   dir=$(netboot_debs)                     the .debs, downloaded once
#   make_netboot_root SRC DEBS WORKDIR      mounts the overlay on WORKDIR/root
#                                           (the caller unmounts it)

NETBOOT_PACKAGES=(curl libcurl4 openssl dracut-network iproute2 iputils-arping isc-dhcp-client
	libbpf1 libbsd0 libcap2-bin libelf1 libgssapi-krb5-2 libk5crypto3 libkeyutils1 libkrb5-3
	libkrb5support0 libldap-2.5-0 libmnl0 libnghttp2-14 libpsl5 librtmp1 libsasl2-2
	libsasl2-modules-db libssh2-1 libxtables12 libtirpc3 libtirpc-common
	# pgrep: dracut's network-legacy module needs it
	procps libproc2-0 libncursesw6)

# shellcheck source=debs.sh
. "$(dirname "${BASH_SOURCE[0]}")/debs.sh"

# Prints the directory holding the .debs of NETBOOT_PACKAGES.
netboot_debs() { cached_debs netboot "${NETBOOT_PACKAGES[@]}"; }

# args: source root, debs dir, work dir. Mounts the test root on WORKDIR/root.
make_netboot_root() {
	local src=$1 debs=$2 dir=$3
	mkdir -p "$dir/upper" "$dir/work" "$dir/root"
	unpack_debs "$debs" "$dir/upper" "$src" || return 1
	mount -t overlay -o "lowerdir=$src,upperdir=$dir/upper,workdir=$dir/work" remaster-netboot-root "$dir/root"
}
