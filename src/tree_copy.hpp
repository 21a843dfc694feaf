// The copy of `remaster install --from DIR`: a directory tree (a mounted
// system, a chroot) copied onto the new root with what a filesystem holds
// beyond squashfs: every xattr, POSIX ACLs included, and nanosecond times;
// and as the squashfs copy does, hard links, devices, owners, modes, and
// sparse files kept sparse (SEEK_DATA/SEEK_HOLE). Other filesystems mounted
// below the source are not entered: their mount points are copied empty.
// Relative to directory fds throughout, so depth is no limit.
#pragma once

#include <string>
#include <vector>

#include "squash_unpack.hpp"

namespace remaster {

// The bytes and inodes below `source` on its own filesystem, but for what is
// in the directories `emptied` names (top-level names of `source`).
UnpackStats measure_tree(const std::string& source, const std::vector<std::string>& emptied = {});

// Copies the contents of `source` (and its own metadata) onto `dest`, an
// existing directory. The top-level directories `emptied` names (a live
// root's /proc, /tmp...) are copied as themselves, owner, mode and times,
// without their contents. Throws Error on failure; checks for Ctrl-C.
UnpackStats copy_tree(const std::string& source, const std::string& dest, bool quiet,
                      const std::vector<std::string>& emptied = {});

}  // namespace remaster
