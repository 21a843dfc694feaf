// Which filesystems mounted below the snapshot root belong to the system.
// A separate /home, /boot, /var or a btrfs subvolume is part of the machine and
// goes into the view; pseudo, network, FUSE, removable-media and temporary
// filesystems, and bind mounts of subtrees, do not.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace remaster {

struct MountEntry {
    std::string target;   // mount point as seen by us
    std::string source;   // device or "none"
    std::string fstype;
    std::string fs_root;  // path inside the filesystem ("/" unless a bind mount or subvolume)
    bool pseudo = false;  // libmount's idea of a pseudo filesystem
    bool net = false;     // libmount's idea of a network filesystem
    unsigned long devno = 0;  // mountinfo's major:minor (makedev); an anonymous one for btrfs, tmpfs...
    bool read_only = false;   // mounted "ro" (per mount, not per superblock)
};

struct SkippedMount {
    std::string target;
    std::string reason;
};

struct ViewMounts {
    std::vector<std::string> composed;  // mount points relative to root, parents first ("/home")
    std::vector<SkippedMount> skipped;  // mount points relative to root, with why
    // What "/" (the filesystem holding the root) and each composed mount
    // sit on, in words (source_device.hpp), for the plan.
    std::map<std::string, std::string> sources;
};

// All mounts of this process's namespace, in mount order (libmount, mountinfo);
// or those a mountinfo file lists (/proc/PID/mountinfo: another namespace).
std::vector<MountEntry> read_mount_table(const std::string& mountinfo = "");

// Decides which mounts strictly below `root` are composed into the view.
// `ignore` are absolute mount points of our own (runtime dirs) to pass over.
ViewMounts plan_view_mounts(const std::string& root, const std::vector<MountEntry>& table,
                            const std::vector<std::string>& ignore = {});

// One line of /proc/swaps: what the kernel swaps to now.
struct ActiveSwap {
    std::string name;  // a device node or a file's path, \040-style escapes undone
    std::string type;  // "partition" or "file"
};

// The active swap areas, from /proc/swaps (or a file laid out like it); none
// when it cannot be read. Every caller that asks "is this swapped to?" reads
// it here, so the escapes are undone in one place.
std::vector<ActiveSwap> active_swaps(const std::string& proc_swaps = "/proc/swaps");

// The mount entry whose mount point holds `path` (the longest prefix).
const MountEntry* mount_containing(const std::vector<MountEntry>& table, const std::string& path);

}  // namespace remaster
