// The disk `remaster install` writes: a block device or a new VM image file,
// owned for the run like a Stick (stick.hpp): the lock on the target, the
// new image file under a temporary name, its loop device and that lock, and
// the new root filesystem mounted in our runtime directory, members in that
// order so they are released in reverse on success, error and Ctrl-C.
//
// The layout is a normal installation's, not a stick's: GPT with a BIOS
// boot partition (GRUB's core image), an EFI system partition (FAT32, its
// files written with mtools: it is never mounted) and an ext4 root. The root
// partition is not named "remaster", so an installed disk is never taken
// for a stick.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "file_lock.hpp"
#include "loop_device.hpp"
#include "mount.hpp"
#include "output_file.hpp"
#include "partition.hpp"
#include "runner.hpp"
#include "runtime_dir.hpp"

namespace remaster {

std::vector<PartitionSpec> install_layout();
constexpr int kInstallRootPartition = 3;  // BIOS boot and ESP as on a stick
// The smallest disk that holds the layout with `root_bytes` in the root.
uint64_t install_disk_size_for(uint64_t root_bytes);

// The ESP as FAT32 with the given volume id (its fstab UUID "XXXX-XXXX"),
// the root as ext4 with the given UUID.
std::vector<Command> install_format_commands(const std::string& esp, const std::string& root,
                                             const std::string& esp_volid, const std::string& root_uuid);

class InstallDisk {
public:
    // `held`: the target's lock taken by the plan (empty for a new file).
    // The target was confirmed and checked for size and uses already.
    static std::unique_ptr<InstallDisk> create(const std::string& target, bool image_file, uint64_t image_size,
                                               std::shared_ptr<FileLock> held, Runner& runner, RuntimeDir& run);
    InstallDisk(const InstallDisk&) = delete;
    InstallDisk& operator=(const InstallDisk&) = delete;

    const std::string& disk() const { return disk_; }  // the device or the loop device
    std::string partition(int n) const { return partition_path(disk_, n); }
    const std::string& root() const { return root_.target(); }  // where the new root is mounted
    const std::string& root_uuid() const { return root_uuid_; }
    const std::string& esp_uuid() const { return esp_uuid_; }  // "ABCD-1234"

    // Unmounts the root (reporting a failure), syncs, detaches an image's
    // loop device and gives the image file its name: the install is done.
    void close();

private:
    explicit InstallDisk(std::string target) : target_(std::move(target)) {}
    std::string target_;
    std::shared_ptr<FileLock> lock_;
    std::unique_ptr<OutputFile> image_;
    LoopDevice loop_;
    FileLock loop_lock_;
    std::string disk_, root_uuid_, esp_uuid_;
    Mount root_;
};

}  // namespace remaster
