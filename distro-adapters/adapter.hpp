// What differs between distribution families lives behind this interface:
// where kernels are and how they are named, what the GRUB tools are called,
// and which package provides a missing tool. The pipeline never asks which
// distribution it runs on; it asks the adapter.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "os_release.hpp"
#include "paths.hpp"  // exists_in, in_root: every adapter looks into the root

namespace remaster {

struct Kernel {
    std::string version;  // "6.1.0-13-amd64": the modules directory name
    std::string image;    // path of the kernel image relative to the root
};

// The distribution's Secure Boot chain, paths relative to the root: shim
// (signed by Microsoft's UEFI CA, trusted by PC firmware), the GRUB image
// the distribution signed for removable media, and shim's MOK manager.
// The signed GRUB loads no modules from disk, so it reads a config at a
// place fixed when it was built: `config`, on the ESP it was loaded from.
struct SignedChain {
    std::string shim;         // installed as EFI/BOOT/BOOTX64.EFI
    std::string grub;         // EFI/BOOT/grubx64.efi: the name shim loads
    std::string mok_manager;  // EFI/BOOT/mmx64.efi: shim runs it to enroll a key
    std::string config;       // where that GRUB reads its grub.cfg on the ESP
};

class Adapter {
public:
    virtual ~Adapter() = default;
    // The family's name, e.g. "Debian".
    virtual std::string family() const = 0;
    // Kernels installed in `root` (absolute path of the source), newest first.
    virtual std::vector<Kernel> kernels(const std::string& root) const = 0;
    // The GRUB tools of this family (Fedora prefixes them with grub2-).
    virtual std::string grub_tool(const std::string& name) const { return "grub-" + name; }
    // Where grub-bios-setup is inside `root` ("" when missing): some
    // families keep it out of PATH.
    virtual std::string grub_bios_setup(const std::string& root) const;
    // How to install what provides `what` ("dracut", "grub-install",
    // "grub-mkimage", "grub-i386-pc", "grub-x86_64-efi", "kernel"): the
    // command a user of this family types.
    virtual std::string install_hint(const std::string& what) const = 0;
    // The root's signed chain, when all its files are there. Families
    // without one (Arch) keep the default.
    virtual std::optional<SignedChain> signed_chain(const std::string& root) const {
        (void)root;
        return std::nullopt;
    }
    // What gives the root a signed chain: the command to type, or why there is none.
    virtual std::string signed_chain_hint() const = 0;
};

// The chain when every file of `c` is in the root; shared by the adapters.
std::optional<SignedChain> chain_if_present(const std::string& root, const SignedChain& c);

// The adapter for an os-release: ID first, then each word of ID_LIKE.
// `why` says which field matched. Throws Error(Exit::bad_input) naming the
// distribution and the supported families when none fits.
struct AdapterChoice {
    std::unique_ptr<Adapter> adapter;
    std::string why;
};
AdapterChoice choose_adapter(const OsRelease& os);

// Shared by the adapters: kernel versions with a modules tree in the root
// (/usr/lib/modules or /lib/modules), newest first.
std::vector<std::string> module_versions(const std::string& root);

std::unique_ptr<Adapter> make_debian_adapter();
std::unique_ptr<Adapter> make_arch_adapter();
std::unique_ptr<Adapter> make_fedora_adapter();

}  // namespace remaster
