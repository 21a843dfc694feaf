// The ISO's second menu, /boot/grub/loopback.cfg: for a GRUB that boots the
// ISO as a file on another disk (multi-boot sticks: `loopback loop FILE`,
// `set iso_path=FILE`, `configfile (loop)/boot/grub/loopback.cfg`; the
// convention of Debian's, Ubuntu's and Arch's ISOs). Its entries are the
// ISO's own (live, ram, check) with the paths on GRUB's root, the loop
// device, and two more kernel arguments that tell the initramfs where the
// file is: rd.remaster.iso=$iso_path and rd.remaster.iso.fsuuid, the
// filesystem GRUB found the file on (docs/kernel-args.md).
#pragma once

#include <string>
#include <vector>

#include "menu.hpp"

namespace remaster {

class Runner;

struct LoopbackTemplates {
    std::string cfg, entry;  // grub.d/loopback.cfg.in, grub.d/loopback-entry.cfg.in
};
LoopbackTemplates load_loopback_templates(const std::string& grub_d_dir);

// The loopback.cfg for these entries, every value quoted for GRUB
// (grub_script.hpp). Throws as render_grub_cfg does.
std::string render_loopback_cfg(const LoopbackTemplates& t, const std::vector<MenuEntry>& entries,
                                const std::string& default_id, int timeout_s);

// render_loopback_cfg, checked with grub-script-check through `runner`.
std::string checked_loopback_cfg(const LoopbackTemplates& t, const std::vector<MenuEntry>& entries,
                                 const std::string& default_id, Runner& runner);

}  // namespace remaster
