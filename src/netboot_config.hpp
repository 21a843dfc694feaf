// The boot configs of a netboot directory (snapshot --netboot): an iPXE
// script and a GRUB config that load the kernel and initramfs over HTTP and
// tell the initramfs where the system is (rd.remaster.url). Pure text, so
// that tests can read what a client gets.
#pragma once

#include <string>

namespace remaster {

// The kernel arguments of a netboot: the directory's URL (the initramfs
// fetches SHA256SUMS and the squashfs from it), DHCP by dracut's network
// module, the host's disks left alone, then the user's --kernel-args.
std::string netboot_kernel_args(const std::string& url, const std::string& extra);

// boot.ipxe. iPXE loads `kernel` and `initrd` relative to the script's own
// URL; the URL for the initramfs is ${remaster-url}, set by whatever chains
// to the script, else http://${next-server}/ (docs/netboot.md).
std::string ipxe_script(const std::string& os_name, const std::string& snapshot_id, const std::string& extra_args);

// grub.cfg for GRUB booted from the network: the files come over GRUB's
// http module from $remaster_host (default: the server GRUB came from)
// below $remaster_path (default: the server's root); both can be set
// before the config is sourced.
std::string grub_netboot_cfg(const std::string& os_name, const std::string& snapshot_id, const std::string& extra_args);

}  // namespace remaster
