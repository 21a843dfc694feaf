// grub.cfg for the stick, made from the templates in grub.d/ by replacing
// @NAME@ placeholders. Entries spell out kernel, initramfs and arguments
// literally, so what boots is what the file says.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace remaster {

struct MenuEntry {
    std::string id;      // [A-Za-z0-9._+-]
    std::string title;
    std::string kernel;  // path on the data partition
    std::string initrd;
    std::string args;    // kernel command line syntax; quoted for GRUB when rendered
};

// Replaces every @KEY@ of `values` in `text` (values are not scanned again);
// throws Error if a placeholder is left unfilled.
std::string fill_template(const std::string& text, const std::map<std::string, std::string>& values);
// One template file of grub.d; a missing or oversized one is Exit::missing.
std::string read_grub_template(const std::string& path);

// Kernel arguments that keep the live system away from the host's disks: no
// resume from the host's swap (kernel, dracut and systemd all honour
// noresume), no LUKS passphrase prompt, no LVM, md or dm assembly in the
// initramfs. The stick needs none of them (docs/kernel-args.md).
extern const char* const kHostDisksOff;

// The kernel arguments of a live entry: how the initramfs finds the stick,
// the snapshot and the layers below it (directories, nearest first), then
// kHostDisksOff, then the user's --kernel-args (which may override them).
std::string live_kernel_args(const std::string& uuid, const std::string& snapshot_dir, const std::string& extra,
                             const std::vector<std::string>& layers_below = {});

struct MenuTemplates {
    std::string grub_cfg, entry, early;
};
MenuTemplates load_menu_templates(const std::string& grub_d_dir);

// The menu, every value quoted for GRUB (grub_script.hpp). Throws
// Error(Exit::bad_input) for kernel arguments that cannot reach the kernel
// literally, Error(Exit::failure) for a bad id or UUID.
std::string render_grub_cfg(const MenuTemplates& t, const std::string& uuid, const std::vector<MenuEntry>& entries,
                            const std::string& default_id, int timeout_s);

}  // namespace remaster
