// The steps that make the stick bootable, each built from the Commands it
// runs so --dry-run can print exactly what a real run executes:
// formatting, the generic initramfs (dracut with our module, inside the view),
// and GRUB for BIOS and UEFI (the root's own GRUB, inside the view).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "adapter.hpp"
#include "runner.hpp"

namespace remaster {

struct StickPaths {
    std::string disk;             // /dev/sdb or /dev/loop3
    std::string esp;              // its EFI system partition
    std::string data;             // its data partition
    std::string uuid;             // filesystem UUID given to the data partition
    std::string view;             // the view's mount point
    std::string target_in_view;   // where the data partition is mounted, relative to the view
    std::string snapshot_dir;     // "/remaster/<id>" on the data partition
};

// Where the stick's data partition is mounted inside the view while GRUB is
// installed from there.
constexpr const char* kTargetInView = "/run/remaster-target";
// Where dracut writes the initramfs inside the view (copied to the stick from there).
constexpr const char* kInitramfsInView = "/tmp/initrd.img";
// Where our dracut module is copied in the view for dracut to find it.
constexpr const char* kDracutModuleInView = "/usr/lib/dracut/modules.d/90remaster";

// The ESP as FAT32, the data partition as ext4 with the given filesystem UUID.
std::vector<Command> format_commands(const std::string& esp, const std::string& data, const std::string& uuid);
// Is dracut module `name` installed in the view (/usr/lib/dracut/modules.d/NNname)?
bool dracut_has_module(const std::string& view, const std::string& name);
// The generic initramfs of the live system, our module added; omit_resume
// when the root's dracut has the resume module (dracut_has_module), which
// the live system must not carry: it waits for and resumes from the host's swap.
// `network`: also what fetches the system over HTTP (snapshot --netboot):
// these dracut modules (netboot_dracut_modules) and every wired NIC driver.
Command dracut_command(const std::string& view, const std::string& kernel_version, const std::string& out_in_view,
                       bool omit_resume, const std::string& network = "");
// The dracut modules that bring the network up in a netboot initramfs:
// dracut's own DHCP client scripts (network-legacy, with dhclient) where the
// root has them, as they need nothing from the live system's services, else
// whatever dracut's network module picks.
std::string netboot_dracut_modules(const std::string& root);
// GRUB for both firmware kinds, all from the root's own GRUB inside the view,
// each with early.cfg (at /tmp/early.cfg in the view) embedded so it finds
// the data partition by UUID and loads /boot/grub/grub.cfg from it. Building
// the core images ourselves (rather than grub-install) keeps one layout on
// every distribution: Fedora's grub2-install would pick /boot/grub2.
std::vector<Command> grub_commands(const StickPaths& p, const Adapter& a, const std::string& bios_setup);
// The modules compiled into the core images: enough to find the data
// partition by UUID and read grub.cfg and modules from ext4 there.
const std::vector<std::string>& core_modules(const std::string& platform);

// Secure Boot: replaces the unsigned BOOTX64.EFI that grub_commands wrote
// by the root's signed chain (adapter.hpp): shim as BOOTX64.EFI, the signed
// GRUB as grubx64.efi beside it, the MOK manager, and the config the signed
// GRUB reads on the ESP, which finds the data partition and loads the same
// /boot/grub/grub.cfg as the BIOS path. That config is made by
// signed_grub_config and must be at /tmp/esp-grub.cfg in the view.
std::vector<Command> signed_chain_commands(const StickPaths& p, const SignedChain& chain);
// The same into any FAT image or partition `esp` (the ISO's ESP image), the
// chain's files read from the view at `view`.
std::vector<Command> signed_chain_commands(const std::string& esp, const std::string& view, const SignedChain& chain);
// Which UEFI chain a medium gets, in words (--dry-run and the run's log).
std::string uefi_chain_words(const std::optional<SignedChain>& chain);
// The ESP's config for the signed GRUB: early.cfg (filled in) and a
// configfile of the data partition's menu.
std::string signed_grub_config(const std::string& early_cfg);
constexpr const char* kSignedConfigInView = "/tmp/esp-grub.cfg";

// Copies our dracut module into the view as modules.d/90remaster.
void install_dracut_module(const std::string& data_dir, const std::string& view);

// A random RFC 4122 UUID from the kernel, lower case.
std::string new_uuid();

}  // namespace remaster
