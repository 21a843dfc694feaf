#include "iso_boot.hpp"

#include "boot_install.hpp"
#include "medium.hpp"

namespace remaster {

std::string IsoPaths::tree() const { return stage + "/tree"; }
std::string IsoPaths::esp_image() const { return stage + "/efi.img"; }
std::string IsoPaths::tree_in_view() const { return std::string(kTargetInView) + "/tree"; }

std::string iso_hybrid_mbr(const std::string& view) { return view + "/usr/lib/grub/i386-pc/boot_hybrid.img"; }

std::vector<Command> iso_grub_commands(const IsoPaths& p, const Adapter& a, const std::optional<SignedChain>& chain) {
    const std::string grub_dir = p.tree_in_view() + kGrubDir;
    std::vector<Command> cmds;
    auto in_view = [&](std::vector<std::string> argv) {
        Command c{std::move(argv)};
        c.chroot = p.view;
        cmds.push_back(std::move(c));
    };
    // The stick's core modules, and iso9660 to read the ISO's filesystem.
    auto mkimage = [&](const std::string& platform, const std::string& format, const std::string& out) {
        std::vector<std::string> argv = {a.grub_tool("mkimage"), "-O", format, "-o", out, "-p", kGrubDir,
                                         "-c", "/tmp/early.cfg", "iso9660"};
        for (const auto& m : core_modules(platform)) argv.push_back(m);
        in_view(std::move(argv));
    };
    in_view({"cp", "-r", "/usr/lib/grub/i386-pc", "/usr/lib/grub/x86_64-efi", grub_dir + "/"});
    // BIOS: the El Torito no-emulation core; boot_hybrid.img in the MBR
    // (iso_image.cpp) loads the same core when the ISO is a disk.
    mkimage("i386-pc", "i386-pc-eltorito", grub_dir + kIsoBiosCore);
    // UEFI: the removable-media loader in a FAT image, written with mtools.
    mkimage("x86_64-efi", "x86_64-efi", "/tmp/BOOTX64.EFI");
    const std::vector<std::string> mtools_env = {"MTOOLS_SKIP_CHECK=1"};
    cmds.push_back({{"mkfs.fat", "-C", "-n", "REMASTER-EF", p.esp_image(), std::to_string(kEspImageKiB)}});
    cmds.push_back({{"mmd", "-i", p.esp_image(), "::/EFI", "::/EFI/BOOT"}, "", mtools_env});
    cmds.push_back({{"mcopy", "-i", p.esp_image(), p.view + "/tmp/BOOTX64.EFI", "::/EFI/BOOT/BOOTX64.EFI"}, "", mtools_env});
    if (!chain) return cmds;
    // Secure Boot: shim and the signed GRUB replace the unsigned image.
    for (auto& c : signed_chain_commands(p.esp_image(), p.view, *chain)) cmds.push_back(std::move(c));
    // The ISO's menu is at the prefix of Debian's gcdx64 already; a config
    // elsewhere is where a CD-booted GRUB looks too (iso_boot.hpp).
    if (chain->config != std::string(kGrubDir) + "/grub.cfg") {
        const std::string to = p.tree_in_view() + chain->config;
        in_view({"mkdir", "-p", to.substr(0, to.rfind('/'))});
        in_view({"cp", kSignedConfigInView, to});
    }
    return cmds;
}

}  // namespace remaster
