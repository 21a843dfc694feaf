// An open directory stream: owns its DIR* (and with it the fd it reads),
// closes it in the destructor, on every path out of a readdir loop, thrown
// exceptions included.
#pragma once

#include <dirent.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

namespace remaster {

class DirStream {
public:
    DirStream() = default;
    // opendir(path); false (errno from opendir) when it cannot be opened.
    explicit DirStream(const std::string& path) : dir_(::opendir(path.c_str())) {}
    // fdopendir(fd), owning fd from here on: it is closed also when this
    // fails (false, errno from fdopendir).
    static DirStream adopt(int fd) {
        DirStream d;
        d.dir_ = ::fdopendir(fd);
        if (!d.dir_ && fd >= 0) {
            int err = errno;
            ::close(fd);
            errno = err;
        }
        return d;
    }
    DirStream(DirStream&& o) noexcept : dir_(std::exchange(o.dir_, nullptr)), error_(o.error_) {}
    DirStream& operator=(DirStream&& o) noexcept {
        if (this != &o) {
            close();
            dir_ = std::exchange(o.dir_, nullptr);
            error_ = o.error_;
        }
        return *this;
    }
    DirStream(const DirStream&) = delete;
    DirStream& operator=(const DirStream&) = delete;
    ~DirStream() { close(); }

    explicit operator bool() const noexcept { return dir_ != nullptr; }
    // The fd it reads, for the *at calls; owned by the stream.
    int fd() const noexcept { return ::dirfd(dir_); }

    // The next entry other than "." and "..". nullptr at the end, and on a
    // read error, which error() then returns (0 at the plain end); nullptr
    // at once for a stream that did not open, so a loop needs no check.
    const dirent* next() noexcept {
        if (!dir_) return nullptr;
        for (;;) {
            errno = 0;
            const dirent* e = ::readdir(dir_);
            error_ = e ? 0 : errno;
            if (!e || (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0)) return e;
        }
    }
    int error() const noexcept { return error_; }

    void close() noexcept {
        if (dir_) ::closedir(dir_);
        dir_ = nullptr;
    }

private:
    DIR* dir_ = nullptr;
    int error_ = 0;  // of the last next()
};

}  // namespace remaster
