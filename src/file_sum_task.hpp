// The SHA-256 of a file taken on a thread of its own while the caller does
// other work: a stick's squashfs is read back for SHA256SUMS while GRUB is
// installed (its super block at offset 0 is written last, so its hash cannot
// be taken while it is written). When the caller unwinds without asking for
// the result, the reading stops at its next chunk instead of running on
// through gigabytes.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "background_task.hpp"

namespace remaster {

class FileSumTask {
public:
    explicit FileSumTask(std::string path);
    FileSumTask(const FileSumTask&) = delete;
    FileSumTask& operator=(const FileSumTask&) = delete;
    ~FileSumTask();  // stops the reading and joins; never throws

    // Waits; the hex SHA-256, or what reading the file threw.
    std::string get();

private:
    std::atomic<bool> abandoned_{false};
    std::string path_, hex_;
    std::unique_ptr<BackgroundTask> task_;  // last: started once the fields above exist
};

}  // namespace remaster
