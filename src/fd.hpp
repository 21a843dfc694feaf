// Owns one file descriptor; closes it on destruction and never throws.
#pragma once

#include <unistd.h>

#include <string>
#include <utility>

namespace remaster {

class Fd {
public:
    Fd() = default;
    explicit Fd(int fd) noexcept : fd_(fd) {}
    Fd(Fd&& o) noexcept : fd_(o.release()) {}
    Fd& operator=(Fd&& o) noexcept {
        if (this != &o) reset(o.release());
        return *this;
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    ~Fd() { reset(); }

    int get() const noexcept { return fd_; }
    explicit operator bool() const noexcept { return fd_ >= 0; }
    int release() noexcept { return std::exchange(fd_, -1); }
    void reset(int fd = -1) noexcept {
        if (fd_ >= 0) ::close(fd_);
        fd_ = fd;
    }

private:
    int fd_ = -1;
};

// open(2) that throws Error naming the path on failure.
Fd open_or_throw(const char* path, int flags, unsigned mode = 0);
Fd openat_or_throw(int dirfd, const char* path, int flags, unsigned mode = 0);

// Opens `rel` below the directory `root_fd` with every symlink resolved as
// if root_fd were / (openat2 RESOLVE_IN_ROOT): a root's absolute links never
// lead to the host's files. Returns an invalid Fd and sets errno on failure.
Fd open_in_root(int root_fd, const std::string& rel, int flags);

}  // namespace remaster
