#include "file_copy.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "error.hpp"
#include "fd.hpp"
#include "interrupt.hpp"
#include "output_file.hpp"

namespace remaster {

void copy_file(const std::string& from, const std::string& to) {
    Fd in = open_or_throw(from.c_str(), O_RDONLY);
    struct stat st;
    if (::fstat(in.get(), &st) != 0) throw_errno("stat '" + from + "'", errno);
    OutputFile out(to);
    off_t left = st.st_size;
    bool kernel_copy = true;
    std::vector<char> buf;
    while (left > 0) {
        check_interrupt();
        ssize_t n = -1;
        if (kernel_copy) {
            n = ::copy_file_range(in.get(), nullptr, out.fd(), nullptr, static_cast<size_t>(left), 0);
            // Not every pair of filesystems can (overlayfs to ext4): copy by hand.
            if (n < 0 && (errno == EXDEV || errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP)) {
                kernel_copy = false;
                buf.resize(1 << 20);
                continue;
            }
        } else {
            n = ::read(in.get(), buf.data(), buf.size());
            for (ssize_t off = 0; n > 0 && off < n;) {
                ssize_t w = ::write(out.fd(), buf.data() + off, static_cast<size_t>(n - off));
                if (w < 0) throw_errno("write '" + to + "'", errno);
                off += w;
            }
        }
        if (n < 0) throw_errno("copy '" + from + "' to '" + to + "'", errno);
        if (n == 0) throw Error(Exit::failure, "'" + from + "' shrank while being copied");
        left -= n;
    }
    out.commit();
}

void write_file_atomic(const std::string& path, const std::string& content) {
    OutputFile out(path);
    size_t off = 0;
    while (off < content.size()) {
        ssize_t w = ::write(out.fd(), content.data() + off, content.size() - off);
        if (w < 0) throw_errno("write '" + path + "'", errno);
        off += static_cast<size_t>(w);
    }
    out.commit();
}

}  // namespace remaster
