// "Is this device in use?" as one walk over the holders graph, as
// libstorage-ng's Devicegraph answers it: from the target (a whole disk, or
// an image file) to its partitions, the dm/md/LVM devices built on them
// (sysfs holders/), the loop devices backed by any of them (a loop on a loop
// on the target), and so on recursively; then every mount and active swap
// on any device reached is a use. Each use names the chain that leads to it,
// because "/dev/loop7 is mounted" means nothing to someone who asked about
// /dev/sdb until it says "(backed by /dev/sdb2)".
#pragma once

#include <sys/stat.h>

#include <functional>
#include <string>
#include <vector>

#include "system_mounts.hpp"

namespace remaster {

// What the walk reads from the system; tests hand it a fake sysfs tree,
// mount table, swap list and stat.
struct DeviceSystem {
    std::string sys = "/sys";        // sysfs root: reads sys/class/block/*
    std::vector<MountEntry> mounts;  // the mount table
    std::vector<std::string> swaps;  // active swap areas (/proc/swaps' first column)
    // stat(2) following links; false when the path does not resolve.
    std::function<bool(const std::string&, struct stat&)> stat;
};

// This machine: /sys, /proc/swaps, stat(2), the mount table given, and
// the mounts of every other mount namespace (a container's, a service's
// private /tmp): a stick mounted anywhere, by anyone, is in use.
DeviceSystem live_device_system(const std::vector<MountEntry>& mounts);

enum class UseFilter {
    any,             // every mount and swap counts (before writing)
    writable_mounts  // only read-write mounts (before reading: a read-only mount elsewhere is harmless)
};

// The uses of `target` (a block device: its whole disk is walked; or an
// image file: the loop devices it is attached to are), one sentence each:
// "'/dev/loop7' (backed by /dev/loop3p2) is mounted on /mnt/x". Holders
// (dm, md, LVM) are uses themselves. Empty when nothing uses it, or when
// `target` does not exist.
std::vector<std::string> device_uses(const std::string& target, const DeviceSystem& sys,
                                     UseFilter filter = UseFilter::any);

}  // namespace remaster
