// An flock(2) on a stick: the device node of its whole disk (the convention
// systemd-udevd and udisks follow: udev leaves a device alone while someone
// holds LOCK_EX on it) or its image file, and the loop device we attach to
// an image. Writers lock exclusively, readers shared, never waiting: a
// second run is told who holds the stick instead of hanging or, worse,
// writing beside the first. The lock lives as long as the object; closing
// the fd releases it, so the destructor never throws.
#pragma once

#include <sys/stat.h>

#include <string>

#include "fd.hpp"

namespace remaster {

class FileLock {
public:
    enum class Mode { shared, exclusive };

    // Locks `path` without blocking. Throws Error(Exit::unsafe_target)
    // naming the holder ("process 1234 (remaster)") when it is taken.
    static FileLock acquire(const std::string& path, Mode mode);

    FileLock() = default;
    FileLock(FileLock&&) noexcept = default;
    FileLock& operator=(FileLock&&) noexcept = default;
    ~FileLock() = default;  // Fd closes: the kernel drops the lock

    bool held() const { return static_cast<bool>(fd_); }
    const std::string& path() const { return path_; }

private:
    std::string path_;
    Fd fd_;
};

// Who holds an flock on the file `st` describes, from /proc/locks and
// /proc/PID/comm: "process 1234 (remaster)", or "another process".
std::string lock_holder(const struct stat& st);

}  // namespace remaster
