// GRUB's environment block (grubenv): exactly 1024 bytes, "# GRUB
// Environment Block\n", NAME=value lines, '#' padding. Every stick has one
// (boot/grub/grubenv, empty); the menu loads next_entry and
// remaster_extra_args from it. boot-test writes a changed block into its
// copy-on-write view of the stick, at the block's place on the disk: GRUB
// reads the file's blocks, so it sees the change; the stick never does.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace remaster {

constexpr size_t kGrubenvSize = 1024;

// The block holding `vars` in order. Throws Error when they do not fit or a
// value holds a newline; backslashes are escaped as GRUB does.
std::string grubenv_block(const std::vector<std::pair<std::string, std::string>>& vars);

// Where the first `length` bytes of the file `path` are on its filesystem's
// device, in bytes from the device's start (FIEMAP, synced first). Throws
// Error unless they are one plain extent: not inline, not delayed, not
// encoded or encrypted, block aligned.
uint64_t file_physical_offset(const std::string& path, uint64_t length);

}  // namespace remaster
