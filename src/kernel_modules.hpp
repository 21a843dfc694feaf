// Checks with libkmod that a kernel of the root can do what the live boot
// needs (squashfs, overlay, loop, ext4, vfat): each either built in or
// present as a module in that kernel's modules tree.
#pragma once

#include <string>
#include <vector>

namespace remaster {

// The modules of `wanted` that kernel `version` in `root` lacks.
std::vector<std::string> missing_kernel_modules(const std::string& root, const std::string& version,
                                                const std::vector<std::string>& wanted);

// What the live boot needs from the kernel.
const std::vector<std::string>& live_boot_modules();

}  // namespace remaster
