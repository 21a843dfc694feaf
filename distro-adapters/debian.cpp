// Debian and derivatives (Ubuntu, Mint, ...): kernels are /boot/vmlinuz-KVER,
// GRUB's tools are grub-*, and dracut may sit beside initramfs-tools
// (dracut-core does not replace it, so the host keeps its own initramfs).
#include "adapter.hpp"

namespace remaster {
namespace {

class Debian : public Adapter {
public:
    std::string family() const override { return "debian"; }

    std::vector<Kernel> kernels(const std::string& root) const override {
        std::vector<Kernel> out;
        for (const auto& v : module_versions(root))
            if (exists_in(root, "/boot/vmlinuz-" + v)) out.push_back({v, "/boot/vmlinuz-" + v});
        return out;
    }

    // grub-pc-bin keeps grub-bios-setup beside the i386-pc modules.
    std::string grub_bios_setup(const std::string& root) const override {
        const std::string in_path = Adapter::grub_bios_setup(root);
        if (!in_path.empty()) return in_path;
        const std::string lib = "/usr/lib/grub/i386-pc/grub-bios-setup";
        return exists_in(root, lib) ? lib : "";
    }

    std::string install_hint(const std::string& what) const override {
        if (what == "dracut") return "apt install dracut-core";
        if (what == "grub-mkimage") return "apt install grub-common";
        if (what == "grub-bios-setup") return "apt install grub-pc-bin";
        if (what == "grub-i386-pc") return "apt install grub-pc-bin";
        if (what == "grub-x86_64-efi") return "apt install grub-efi-amd64-bin";
        if (what == "kernel") return "apt install linux-image-amd64";
        return "apt install " + what;
    }
};

}  // namespace

std::unique_ptr<Adapter> make_debian_adapter() { return std::make_unique<Debian>(); }

}  // namespace remaster
