#include "cpio_newc.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>

#include "error.hpp"
#include "fd.hpp"

namespace remaster {
namespace {

void pad4(std::string& out) {
    while (out.size() % 4) out.push_back('\0');
}

void add(std::string& out, unsigned ino, unsigned mode, const std::string& name, const std::string& content) {
    char header[111];
    // magic, ino, mode, uid, gid, nlink, mtime, filesize, devmajor,
    // devminor, rdevmajor, rdevminor, namesize (with its NUL), check.
    std::snprintf(header, sizeof header, "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X", ino, mode, 0u,
                  0u, (mode & 0170000) == 0040000 ? 2u : 1u, 0u, static_cast<unsigned>(content.size()), 0u, 0u, 0u, 0u,
                  static_cast<unsigned>(name.size() + 1), 0u);
    out.append(header, 110);
    out += name;
    out.push_back('\0');
    pad4(out);
    out += content;
    pad4(out);
}

}  // namespace

std::string newc_archive(const std::vector<CpioEntry>& entries) {
    std::string out;
    unsigned ino = 1;
    for (const auto& e : entries) add(out, ino++, e.mode, e.path, e.content);
    add(out, 0, 0, "TRAILER!!!", "");
    return out;
}

void append_to_initramfs(const std::string& image, const std::string& archive) {
    Fd fd(::open(image.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC));
    if (!fd) throw_errno("open '" + image + "' to add to it", errno);
    struct stat st;
    if (::fstat(fd.get(), &st) != 0) throw_errno("stat '" + image + "'", errno);
    std::string bytes(static_cast<size_t>((4 - st.st_size % 4) % 4), '\0');
    bytes += archive;
    size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::write(fd.get(), bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw_errno("write '" + image + "'", errno);
        done += static_cast<size_t>(n);
    }
}

}  // namespace remaster
