// The stick's partition table, written with libfdisk. The kernel is told
// about each partition with BLKPG (fdisk_reread_changes), which works on loop
// devices and on kernels that do not rescan partition tables.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace remaster {

struct PartitionSpec {
    std::string name;       // GPT partition name
    std::string type_guid;  // GPT type
    uint64_t size = 0;      // bytes; 0 for "the rest of the disk" (last only)
};

// GPT: BIOS boot (for GRUB's core image on BIOS machines), EFI system
// partition (FAT32, BOOTX64.EFI), and the data partition (ext4: no 4 GiB file
// limit) with the snapshots, kernels, initramfs images and GRUB's files.
std::vector<PartitionSpec> stick_layout();
constexpr int kBiosBootPartition = 1;
constexpr int kEspPartition = 2;
constexpr int kDataPartition = 3;
constexpr uint64_t kEspSize = 64ull << 20;

// The smallest disk that holds the layout with `data_bytes` in the data partition.
uint64_t disk_size_for(uint64_t data_bytes);

// Replaces any partition table on `disk` with `layout` and registers the new
// partitions with the kernel. Throws Error on failure.
void write_partition_table(const std::string& disk, const std::vector<PartitionSpec>& layout);

// Removes every partition the kernel knows on `disk` (BLKPG), e.g. stale ones
// a loop device kept from its previous user. Fails if one is in use.
void drop_kernel_partitions(const std::string& disk);

// "/dev/loop3" + 2 -> "/dev/loop3p2"; "/dev/sdb" + 2 -> "/dev/sdb2".
std::string partition_path(const std::string& disk, int number);

// Size of a block device or file in bytes.
uint64_t device_size(const std::string& path);

}  // namespace remaster

namespace remaster {

// A filesystem's TYPE, LABEL and UUID as libblkid probes them ("" when none).
struct FsProbe {
    std::string type, label, uuid;
};
FsProbe probe_filesystem(const std::string& device);

// If `disk` already is a remaster stick (GPT, data partition named
// "remaster" holding ext4 labelled REMASTER), makes sure the kernel knows its
// partitions (BLKPG) and returns the data partition's filesystem UUID;
// otherwise "". Reads only.
std::string probe_existing_stick(const std::string& disk);

}  // namespace remaster
