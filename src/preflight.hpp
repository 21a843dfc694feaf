// The checks and decisions of `snapshot --to`, made before anything is
// written: which adapter and kernel, which tools are missing where, whether
// the target is a device or an image file and whether it is safe to wipe.
// Every problem is collected, so the user sees all of them at once.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "adapter.hpp"
#include "error.hpp"
#include "file_lock.hpp"
#include "options.hpp"
#include "system_mounts.hpp"

namespace remaster {

struct StickPlan {
    std::string target;  // absolute
    bool image_file = false;
    uint64_t image_size = 0;  // --size, or 0 for automatic
    std::shared_ptr<Adapter> adapter;
    std::string adapter_why;
    std::string os_name;
    std::string os_id;  // os-release ID
    Kernel kernel;  // the default entry's: the newest, or --kernel KVER
    std::vector<Kernel> other_kernels;  // the older ones, newest first, each with its own entry (--kernel all)
    std::string grub_bios_setup;  // path inside the root
    std::optional<SignedChain> signed_chain;  // the UEFI path through shim (--secure-boot)
    std::string snapshot_id;  // directory name on the stick
    std::string existing_uuid;  // the target already is a remaster stick: add to it (unless --replace)
    std::string kernel_args;
    // The target's lock, taken by the plan and held until the run ends (see
    // target_claim in preflight.cpp); empty for a new image file.
    std::shared_ptr<FileLock> lock;
    std::string contents;     // what the target holds now, in words (target_contents.hpp)
    bool overwrites = false;  // an existing file that is not a remaster stick: replaced only when confirmed
};

// Fills `problems` (a refused target as unsafe_target, things to install as
// missing) instead of throwing.
StickPlan plan_stick(const Options& opt, const std::string& root, const std::vector<MountEntry>& mounts,
                     Problems& problems);

// The same for --iso, which has no target: the system, its newest kernel
// (an ISO holds one), the tools, and GRUB's El Torito and hybrid MBR images.
StickPlan plan_iso_system(const Options& opt, const std::string& root, Problems& problems);

// The same for --netboot: the system, its newest kernel, dracut with its
// network module, and curl and openssl in the root (the initramfs fetches
// and checks with them).
StickPlan plan_netboot_system(const Options& opt, const std::string& root, Problems& problems);

// Read-only, partition-instead-of-disk and fixed-disk problems of a target
// block device. (What uses it, holders included: device_uses().)
std::vector<std::string> target_guard_problems(const std::string& device, bool allow_fixed_disk);

// Asks on the terminal before wiping a device or replacing an existing file,
// saying what it holds now; refuses (unsafe_target) without a terminal.
void confirm_wipe(const std::string& target, bool yes);

}  // namespace remaster
