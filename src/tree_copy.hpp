// The copy of `remaster install --from DIR`: a directory tree (a mounted
// system, a chroot) copied onto the new root with what a filesystem holds
// beyond squashfs: every xattr, POSIX ACLs included, and nanosecond times;
// and as the squashfs copy does, hard links, devices, owners, modes, and
// sparse files kept sparse (SEEK_DATA/SEEK_HOLE). Other filesystems mounted
// below the source are not entered: their mount points are copied empty.
// Relative to directory fds throughout, so depth is no limit.
#pragma once

#include <string>

#include "squash_unpack.hpp"

namespace remaster {

// The bytes and inodes below `source` on its own filesystem.
UnpackStats measure_tree(const std::string& source);

// Copies the contents of `source` (and its own metadata) onto `dest`, an
// existing directory. Throws Error on failure; checks for Ctrl-C.
UnpackStats copy_tree(const std::string& source, const std::string& dest, bool quiet);

}  // namespace remaster
