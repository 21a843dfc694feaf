// A loop device attached to an image file; detached on destruction (never
// throws). Partitions written to it are registered with the kernel through
// BLKPG by the partitioner, so /dev/loopNpM exist even where the kernel does
// not scan partition tables itself.
#pragma once

#include <string>

#include "fd.hpp"

namespace remaster {

class LoopDevice {
public:
    // Attaches `file` to a free loop device, read-write.
    static LoopDevice attach(const std::string& file);

    LoopDevice() = default;
    LoopDevice(LoopDevice&& o) noexcept : path_(std::move(o.path_)), fd_(std::move(o.fd_)) { o.path_.clear(); }
    LoopDevice& operator=(LoopDevice&& o) noexcept {
        if (this != &o) {
            release_noexcept();
            path_ = std::move(o.path_);
            fd_ = std::move(o.fd_);
            o.path_.clear();
        }
        return *this;
    }
    LoopDevice(const LoopDevice&) = delete;
    ~LoopDevice();

    const std::string& path() const { return path_; }  // "/dev/loop3"
    void detach();                                     // throws on failure

private:
    void release_noexcept() noexcept;
    std::string path_;
    Fd fd_;
};

// The name a run's loop devices carry (lo_file_name): "remaster-<pid>".
std::string loop_tag(int pid);

}  // namespace remaster
