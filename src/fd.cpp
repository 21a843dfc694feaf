#include "fd.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>

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

Fd open_in_root(int root_fd, const std::string& rel, int flags) {
    struct open_how how = {};
    how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
    const std::string p = rel.empty() || rel == "/" ? "." : rel[0] == '/' ? rel.substr(1) : rel;
    long fd = ::syscall(SYS_openat2, root_fd, p.c_str(), &how, sizeof how);
    return Fd(fd < 0 ? -1 : static_cast<int>(fd));
}

}  // namespace remaster
