// Is this process running in a live system booted from a remaster stick,
// and where is what it was booted from? `remaster install` without --from
// asks. The answer comes from the kernel command line (root=remaster,
// rd.remaster.dir, rd.remaster.layers: docs/kernel-args.md) and from the
// mounts the initramfs left under /run/remaster (dracut-module/remaster-lib.sh):
// the medium on /run/remaster/medium, the RAM copies of the layers on
// /run/remaster/ram (rd.remaster.ram), which unmounts the medium.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "error.hpp"
#include "system_mounts.hpp"

namespace remaster {

struct LiveBoot {
    std::string snapshot;             // the booted snapshot's id (rd.remaster.dir)
    std::vector<std::string> layers;  // ids of the snapshots below it, nearest first (rd.remaster.layers)
};

// The boot a kernel command line describes; none unless it says root=remaster
// with an rd.remaster.dir. The last value of an argument wins, as in dracut.
std::optional<LiveBoot> parse_live_boot(const std::string& cmdline);

// This machine's: /proc/cmdline read.
std::optional<LiveBoot> running_live_boot();

// The live root's top-level directories whose contents are never installed:
// the kernel's and the session's (each copied as an empty directory).
const std::vector<std::string>& live_only_dirs();

// The squashfs images the live system was booted from, base first: the RAM
// copies when /run/remaster/ram (under `run_dir`) is mounted, else the files
// on the medium mounted on run_dir/medium. A problem when neither is there.
std::vector<std::string> live_layer_images(const LiveBoot& boot, const std::vector<MountEntry>& mounts,
                                           Problems& problems, const std::string& run_dir = "/run/remaster");

}  // namespace remaster
