// What a filesystem of the source sits on, in words for the plan: "ext4 on
// /dev/mapper/vg-root (LVM logical volume vg/root, on /dev/vda2)". A
// workstation's / on LVM, a /home on LUKS (unlocked: its files go in) or a
// btrfs subvolume is then visible in --dry-run before anything is read, as
// the issue of real systems asks (docs/source.md).
#pragma once

#include <string>

#include "system_mounts.hpp"

namespace remaster {

// `m`'s filesystem type, subvolume and the chain of block devices under it
// (device-mapper crypt and LVM, md RAID, loop, partitions), read from
// `sys` (sysfs; tests pass a fake tree). Never throws: what cannot be read
// is left out.
std::string describe_source(const MountEntry& m, const std::string& sys = "/sys");

// One block device by major:minor, in words: "LUKS2 (unlocked as
// /dev/mapper/home)", "LVM logical volume vg/root", "RAID1 /dev/md0",
// "loop device backed by FILE", "partition /dev/sda3"; then ", on " and
// what it sits on, down to the disk. Empty when sysfs does not know it.
std::string describe_block_device(unsigned major, unsigned minor, const std::string& sys = "/sys");

}  // namespace remaster
