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

    std::string install_hint(const std::string& what) const override {
        if (what == "dracut") return "apt install dracut-core";
        if (what == "grub-install") return "apt install grub2-common";
        if (what == "grub-mkimage") return "apt install grub-common";
        if (what == "grub-i386-pc") return "apt install grub-pc-bin";
        if (what == "grub-x86_64-efi") return "apt install grub-efi-amd64-bin";
        if (what == "kernel") return "apt install linux-image-amd64";
        return "apt install " + what;
    }
};

}  // namespace

std::unique_ptr<Adapter> make_debian_adapter() { return std::make_unique<Debian>(); }

}  // namespace remaster
