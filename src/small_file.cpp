#include "small_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>

#include "fd.hpp"

namespace remaster {
namespace {

std::string kind_of(mode_t mode) {
    if (S_ISFIFO(mode)) return "a FIFO";
    if (S_ISCHR(mode)) return "a character device";
    if (S_ISBLK(mode)) return "a block device";
    if (S_ISSOCK(mode)) return "a socket";
    if (S_ISDIR(mode)) return "a directory";
    if (S_ISLNK(mode)) return "a symbolic link";
    return "not a plain file";
}

}  // namespace

int small_file_open_flags(bool follow_symlink) {
    // O_NONBLOCK: opening a FIFO must not wait for a writer; O_NOCTTY: a
    // terminal device must not become ours.
    return O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY | (follow_symlink ? 0 : O_NOFOLLOW);
}

std::string read_small_fd(int fd, const SmallFileOptions& opt, const std::string& path) {
    const std::string shown = opt.shown.empty() ? "'" + path + "'" : opt.shown;
    struct stat st;
    if (::fstat(fd, &st) != 0) throw Error(opt.code, "Cannot read " + shown + ": " + errno_string(errno));
    if (!S_ISREG(st.st_mode)) throw Error(opt.code, shown + " is " + kind_of(st.st_mode) + ", not a regular file");
    if (static_cast<uint64_t>(st.st_size) > opt.max_bytes)
        throw Error(opt.code, shown + " is too large (" + std::to_string(st.st_size) + " bytes; at most " +
                                  std::to_string(opt.max_bytes) + " are read)");
    std::string text;
    text.resize(static_cast<size_t>(st.st_size));
    size_t have = 0;
    // The file may grow while we read (or st_size may lie, as in /proc): read
    // to EOF, but never beyond the cap.
    for (;;) {
        if (have == text.size()) {
            if (text.size() >= opt.max_bytes + 1) break;
            text.resize(std::min(opt.max_bytes + 1, std::max<size_t>(4096, text.size() * 2)));
        }
        const ssize_t n = ::read(fd, &text[have], text.size() - have);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw Error(opt.code, "Cannot read " + shown + ": " + errno_string(errno));
        if (n == 0) break;
        have += static_cast<size_t>(n);
    }
    if (have > opt.max_bytes)
        throw Error(opt.code, shown + " is too large (more than " + std::to_string(opt.max_bytes) + " bytes)");
    text.resize(have);
    return text;
}

std::optional<std::string> read_small_file(const std::string& path, const SmallFileOptions& opt) {
    Fd fd(::open(path.c_str(), small_file_open_flags(opt.follow_symlink)));
    if (!fd) {
        if (errno == ENOENT || errno == ENOTDIR) return std::nullopt;
        const std::string shown = opt.shown.empty() ? "'" + path + "'" : opt.shown;
        if (errno == ELOOP && !opt.follow_symlink)
            throw Error(opt.code, shown + " is a symbolic link, not a regular file");
        throw Error(opt.code, "Cannot open " + shown + ": " + errno_string(errno));
    }
    return read_small_fd(fd.get(), opt, path);
}

}  // namespace remaster
