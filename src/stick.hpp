// The target of `snapshot --to`: a block device, or an image file that is
// created under a temporary name, attached to a loop device, and renamed into
// place only when the stick is complete.
#pragma once

#include <memory>
#include <string>

#include "loop_device.hpp"
#include "output_file.hpp"
#include "partition.hpp"

namespace remaster {

class Stick {
public:
    // A block device as it is, or a new image file of `image_size` bytes
    // (sparse) under a temporary name beside `path`.
    static std::unique_ptr<Stick> create(const std::string& path, bool image_file, uint64_t image_size);
    // An existing stick, changed in place (a new snapshot beside the old ones).
    static std::unique_ptr<Stick> open_existing(const std::string& path, bool image_file);

    const std::string& disk() const { return disk_; }
    std::string partition(int n) const { return partition_path(disk_, n); }
    // For image files: detach the loop device and give the file its name.
    void commit();

private:
    std::unique_ptr<OutputFile> image_;  // declared first: removed last
    LoopDevice loop_;
    std::string disk_;
};

}  // namespace remaster
