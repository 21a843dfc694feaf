#include "netboot_config.hpp"

#include "grub_script.hpp"
#include "medium.hpp"
#include "menu.hpp"

namespace remaster {

std::string netboot_kernel_args(const std::string& url, const std::string& extra) {
    // rd.neednet=1: dracut brings the network up although the root is no
    // network root it knows.
    std::string args = "root=remaster rd.remaster.url=" + url + " ip=dhcp rd.neednet=1 " + kHostDisksOff;
    if (!extra.empty()) args += " " + extra;
    return args;
}

std::string ipxe_script(const std::string& os_name, const std::string& snapshot_id, const std::string& extra_args) {
    std::string name = os_name;
    for (auto& c : name)
        if (c == '\n' || c == '\r') c = ' ';
    // initrd=: the kernel's EFI stub finds the initramfs by that name
    // under UEFI; BIOS ignores it.
    return std::string("#!ipxe\n") +
           "# remaster netboot: " + name + ", snapshot " + snapshot_id + " (written by remaster snapshot --netboot).\n"
           "# The kernel and initramfs load relative to this script's URL. The initramfs\n"
           "# fetches the system from ${remaster-url}: set it before chaining here, or\n"
           "# it is http://${next-server}/ (see docs/netboot.md).\n"
           "isset ${remaster-url} || set remaster-url http://${next-server}/\n"
           "echo remaster: booting " + name + " from ${remaster-url}\n"
           "kernel " + SnapshotDir::kKernel + " initrd=" + SnapshotDir::kInitrd + " " +
           netboot_kernel_args("${remaster-url}", extra_args) + "\n"
           "initrd " + SnapshotDir::kInitrd + "\n"
           "boot\n";
}

std::string grub_netboot_cfg(const std::string& os_name, const std::string& snapshot_id, const std::string& extra_args) {
    // The URL is GRUB syntax on purpose (variables); the user's arguments
    // are quoted as on a stick's menu.
    const std::string extra = extra_args.empty() ? "" : " " + grub_kernel_args(extra_args);
    return std::string("# remaster netboot: snapshot ") + snapshot_id + " (written by remaster snapshot --netboot).\n"
           "# Set remaster_host (host[:port]) and remaster_path (the directory's path on\n"
           "# the server, no trailing /) before sourcing this file; remaster_host\n"
           "# defaults to the server GRUB was loaded from (docs/netboot.md).\n"
           "if [ -z \"$remaster_host\" ]; then set remaster_host=\"$net_default_server\"; fi\n"
           // A menu entry sees only exported variables.
           "export remaster_host remaster_path\n"
           "insmod http\n"
           "set timeout=3\n"
           "menuentry '" + grub_title(os_name + " (network)") + "' --id live {\n"
           "\tlinux (http,$remaster_host)$remaster_path/" + SnapshotDir::kKernel + " " +
           netboot_kernel_args("http://$remaster_host$remaster_path/", "") + extra + "\n"
           "\tinitrd (http,$remaster_host)$remaster_path/" + SnapshotDir::kInitrd + "\n"
           "}\n";
}

}  // namespace remaster
