#include "boot_install.hpp"

#include <dirent.h>
#include <sys/stat.h>

#include <fstream>

#include "error.hpp"
#include "file_copy.hpp"
#include "mount.hpp"

namespace remaster {

std::vector<Command> format_commands(const StickPaths& p) {
    return {
        // FAT32 with 512-byte clusters: a 64 MiB ESP is then valid FAT32,
        // which some firmware insists on.
        {{"mkfs.fat", "-F", "32", "-s", "1", "-n", "REMASTER-EF", p.esp}},
        // No reserved blocks: nobody runs as root from the data partition.
        {{"mkfs.ext4", "-F", "-q", "-m", "0", "-L", "REMASTER", "-U", p.uuid, p.data}},
    };
}

Command dracut_command(const std::string& view, const std::string& kver, const std::string& out_in_view) {
    Command c{{"dracut", "--no-hostonly", "--no-hostonly-cmdline", "--force", "--quiet", "--add", "remaster",
               "--kver", kver, out_in_view}};
    c.chroot = view;
    return c;
}

const std::vector<std::string>& efi_core_modules() {
    static const std::vector<std::string> m = {
        "part_gpt", "part_msdos", "fat", "ext2", "normal", "search", "search_fs_uuid", "configfile", "linux",
        "echo", "test", "true", "sleep", "serial", "terminal", "terminfo", "efi_gop", "efi_uga", "all_video",
        "gfxterm", "ls", "cat", "halt", "reboot", "chain", "boot", "minicmd", "loadenv"};
    return m;
}

std::vector<Command> grub_commands(const StickPaths& p, const Adapter& a) {
    const std::string boot_dir = p.target_in_view + "/boot";
    std::vector<Command> cmds;
    // BIOS: core.img into the BIOS boot partition, modules to /boot/grub/i386-pc.
    Command bios{{a.grub_tool("install"), "--target=i386-pc", "--boot-directory=" + boot_dir,
                  "--modules=part_gpt ext2 search_fs_uuid", "--no-floppy", p.disk}};
    bios.chroot = p.view;
    cmds.push_back(bios);
    // UEFI: a removable-media loader (EFI/BOOT/BOOTX64.EFI) with early.cfg
    // embedded; grub-mkimage needs no mounted ESP, unlike grub-install.
    Command efi{{a.grub_tool("mkimage"), "-O", "x86_64-efi", "-o", "/tmp/BOOTX64.EFI", "-p", "/boot/grub", "-c",
                 "/tmp/early.cfg"}};
    for (const auto& m : efi_core_modules()) efi.argv.push_back(m);
    efi.chroot = p.view;
    cmds.push_back(efi);
    // mtools writes the FAT filesystem without mounting it.
    Command mmd{{"mmd", "-i", p.esp, "::/EFI", "::/EFI/BOOT"}};
    mmd.env = {"MTOOLS_SKIP_CHECK=1"};
    Command mcopy{{"mcopy", "-o", "-i", p.esp, p.view + "/tmp/BOOTX64.EFI", "::/EFI/BOOT/BOOTX64.EFI"}};
    mcopy.env = {"MTOOLS_SKIP_CHECK=1"};
    cmds.push_back(mmd);
    cmds.push_back(mcopy);
    return cmds;
}

void install_dracut_module(const std::string& data_dir, const std::string& view) {
    const std::string from = data_dir + "/dracut-module";
    const std::string to = view + "/usr/lib/dracut/modules.d/90remaster";
    make_dirs(to, 0755);
    DIR* d = ::opendir(from.c_str());
    if (!d) throw_errno("read '" + from + "'", errno);
    while (dirent* e = ::readdir(d)) {
        const std::string name = e->d_name;
        if (name.size() < 4 || name.compare(name.size() - 3, 3, ".sh") != 0) continue;
        copy_file(from + "/" + name, to + "/" + name);
        ::chmod((to + "/" + name).c_str(), 0755);
    }
    ::closedir(d);
}

std::string new_uuid() {
    std::ifstream f("/proc/sys/kernel/random/uuid");
    std::string uuid;
    if (!(f >> uuid) || uuid.size() != 36) throw Error(Exit::failure, "Failed to generate a UUID (/proc not mounted?)");
    return uuid;
}

}  // namespace remaster
