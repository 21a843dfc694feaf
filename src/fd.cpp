#include "fd.hpp"

#include <fcntl.h>

#include <cerrno>
#include <string>

#include "error.hpp"

namespace remaster {

Fd open_or_throw(const char* path, int flags, unsigned mode) {
    int fd = ::open(path, flags | O_CLOEXEC, mode);
    if (fd < 0) throw_errno(std::string("open '") + path + "'", errno);
    return Fd(fd);
}

Fd openat_or_throw(int dirfd, const char* path, int flags, unsigned mode) {
    int fd = ::openat(dirfd, path, flags | O_CLOEXEC, mode);
    if (fd < 0) throw_errno(std::string("open '") + path + "'", errno);
    return Fd(fd);
}

}  // namespace remaster
