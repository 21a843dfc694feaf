// Fedora and the RHEL family (RHEL, Rocky, AlmaLinux, CentOS Stream): the
// GRUB tools are grub2-*, grub2-bios-setup sits in /usr/sbin, and the
// platform modules are in /usr/lib/grub/{i386-pc,x86_64-efi} like everywhere
// else. Kernels are /boot/vmlinuz-KVER with /boot/initramfs-KVER.img beside
// them (we build our own initramfs and leave those alone); hosts using Boot
// Loader Specification entries may keep the kernel only in the package's
// modules tree, /usr/lib/modules/KVER/vmlinuz.
//
// SELinux labels travel in the security.selinux xattrs, which the squashfs
// writer keeps; nothing here is specific to them.
#include "adapter.hpp"

namespace remaster {
namespace {

class Fedora : public Adapter {
public:
    std::string family() const override { return "fedora"; }

    std::vector<Kernel> kernels(const std::string& root) const override {
        std::vector<Kernel> out;
        for (const auto& v : module_versions(root))
            for (const std::string& image :
                 {"/boot/vmlinuz-" + v, "/usr/lib/modules/" + v + "/vmlinuz", "/lib/modules/" + v + "/vmlinuz"})
                if (exists_in(root, image)) {
                    out.push_back({v, image});
                    break;
                }
        return out;
    }

    std::string grub_tool(const std::string& name) const override { return "grub2-" + name; }
    std::string grub_dir() const override { return "/boot/grub2"; }

    std::string install_hint(const std::string& what) const override {
        if (what == "dracut") return "dnf install dracut";
        if (what == "grub-mkimage" || what == "grub-bios-setup") return "dnf install grub2-tools";
        if (what == "grub-i386-pc") return "dnf install grub2-pc-modules";
        if (what == "grub-x86_64-efi") return "dnf install grub2-efi-x64-modules";
        if (what == "kernel") return "dnf install kernel";
        return "dnf install " + what;
    }

    // shim-x64 and grub2-efi-x64 install into the ESP at /boot/efi. Fedora's
    // GRUB reads grub.cfg from the directory it was loaded from, as
    // Fedora's own install media have it (EFI/BOOT/grub.cfg).
    std::optional<SignedChain> signed_chain(const std::string& root) const override {
        return chain_if_present(root, {"/boot/efi/EFI/fedora/shimx64.efi", "/boot/efi/EFI/fedora/grubx64.efi",
                                       "/boot/efi/EFI/fedora/mmx64.efi", "/EFI/BOOT/grub.cfg"});
    }
    std::string signed_chain_hint() const override { return "dnf install shim-x64 grub2-efi-x64"; }
};

}  // namespace

std::unique_ptr<Adapter> make_fedora_adapter() { return std::make_unique<Fedora>(); }

}  // namespace remaster
