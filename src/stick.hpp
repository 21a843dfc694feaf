// The target of `snapshot --to`: a block device, or an image file that is
// created under a temporary name, attached to a loop device, and renamed into
// place only when the stick is complete.
//
// A Stick is claimed before it is touched: its device or image file is
// locked (exclusive to write, shared to read; see file_lock.hpp) and refused
// when anything uses it (device_use.hpp: a mount of it or of a device built
// on it, anywhere), and the loop device attached to an image is locked too.
// The locks are held until the Stick is gone.
#pragma once

#include <memory>
#include <string>

#include "file_lock.hpp"
#include "loop_device.hpp"
#include "output_file.hpp"

namespace remaster {

enum class StickAccess {
    read,  // shared lock; a read-write mount elsewhere is refused, a read-only one is not
    write  // exclusive lock; any mount or swap on it is refused
};

class Stick {
public:
    // Locks an existing target (device or image file) for `access`. Throws
    // Error(Exit::unsafe_target) naming the holder. The plan takes it this
    // way so that it holds the stick from its first look to the end of the run.
    static std::shared_ptr<FileLock> lock(const std::string& path, StickAccess access);

    // A block device as it is, or a new image file of `image_size` bytes
    // (sparse) under a temporary name beside `path`. `held`: the target's
    // lock taken earlier (by the plan); otherwise it is taken here.
    static std::unique_ptr<Stick> create(const std::string& path, bool image_file, uint64_t image_size,
                                         std::shared_ptr<FileLock> held = {});
    // An existing stick, changed in place (a new snapshot beside the old ones)
    // or, with StickAccess::read, only looked at.
    static std::unique_ptr<Stick> open_existing(const std::string& path, bool image_file,
                                                StickAccess access = StickAccess::write,
                                                std::shared_ptr<FileLock> held = {});

    const std::string& disk() const { return disk_; }
    std::string partition(int n) const { return partition_path(disk_, n); }
    // For image files: detach the loop device and give the file its name.
    void commit();

private:
    // Locks the target (unless `held`) and throws if anything uses it.
    void claim(const std::string& path, StickAccess access, std::shared_ptr<FileLock> held);
    void attach(const std::string& file, StickAccess access);

    std::shared_ptr<FileLock> target_lock_;  // declared first: released last
    std::unique_ptr<OutputFile> image_;      // removed after the loop device is detached
    LoopDevice loop_;
    FileLock loop_lock_;  // released before the loop device is detached
    std::string disk_;
};

}  // namespace remaster
