// Debian and derivatives (Ubuntu, Mint, ...): kernels are /boot/vmlinuz-KVER,
// GRUB's tools are grub-*, and dracut may sit beside initramfs-tools
// (dracut-core does not replace it, so the host keeps its own initramfs).
#include "adapter.hpp"
#include "runner.hpp"

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

    // Debian's GRUB config finds /boot/initrd.img-KVER: dracut is told the
    // name (with dracut installed, update-initramfs is its wrapper; without
    // it, initramfs-tools' update-initramfs is the Debian way).
    std::vector<std::string> installed_initramfs(const std::string& root, const Kernel& k,
                                                 bool host_only) const override {
        if (find_program("dracut", root).empty() && !find_program("update-initramfs", root).empty())
            return {"update-initramfs", "-c", "-k", k.version};
        return {"dracut", "--force", "--quiet", host_only ? "--hostonly" : "--no-hostonly",
                "/boot/initrd.img-" + k.version, k.version};
    }

    // update-grub where grub-pc or grub-efi-amd64 installed it; grub-common's
    // grub-mkconfig, which it wraps, otherwise.
    std::vector<std::string> grub_mkconfig(const std::string& root) const override {
        if (!find_program("update-grub", root).empty()) return {"update-grub"};
        return Adapter::grub_mkconfig(root);
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

    // shim-signed, shim-helpers-amd64-signed and grub-efi-amd64-signed.
    // gcdx64 is the image Debian builds for CDs and sticks: its prefix is
    // /boot/grub on the device it was loaded from, and its built-in config
    // sources $prefix/grub.cfg when that directory exists (otherwise it
    // searches every disk for /.disk/info, which another medium might have).
    // grubx64 would look in /EFI/debian instead. fbx64 is left out on
    // purpose: shim runs it when it sits beside BOOTX64.EFI, and it would
    // write boot entries for the stick into the machine's NVRAM.
    std::optional<SignedChain> signed_chain(const std::string& root) const override {
        return chain_if_present(root, {"/usr/lib/shim/shimx64.efi.signed", "/usr/lib/grub/x86_64-efi-signed/gcdx64.efi.signed",
                                       "/usr/lib/shim/mmx64.efi.signed", "/boot/grub/grub.cfg"});
    }
    std::string signed_chain_hint() const override { return "apt install shim-signed grub-efi-amd64-signed"; }
};

}  // namespace

std::unique_ptr<Adapter> make_debian_adapter() { return std::make_unique<Debian>(); }

}  // namespace remaster
