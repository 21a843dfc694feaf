#include "tree_copy.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <vector>

#include "dir_stream.hpp"
#include "error.hpp"
#include "fd.hpp"
#include "interrupt.hpp"
#include "progress.hpp"

namespace remaster {
namespace {

std::vector<std::string> names_in(int dirfd) {
    std::vector<std::string> names;
    DirStream s = DirStream::adopt(::dup(dirfd));
    while (const dirent* e = s.next()) {
        const std::string n = e->d_name;
        if (n != "." && n != "..") names.push_back(n);
    }
    return names;
}

std::string fd_path(int dirfd, const std::string& name) {
    return "/proc/self/fd/" + std::to_string(dirfd) + (name.empty() ? "" : "/" + name);
}

// Every xattr of `from` onto `to` (paths through /proc/self/fd, symlinks not followed).
void copy_xattrs(const std::string& from, const std::string& to, const std::string& what) {
    ssize_t n = ::llistxattr(from.c_str(), nullptr, 0);
    if (n <= 0) return;
    std::vector<char> list(static_cast<size_t>(n));
    n = ::llistxattr(from.c_str(), list.data(), list.size());
    for (ssize_t at = 0; at < n; at += static_cast<ssize_t>(std::string(list.data() + at).size()) + 1) {
        const char* key = list.data() + at;
        ssize_t len = ::lgetxattr(from.c_str(), key, nullptr, 0);
        if (len < 0) continue;
        std::vector<char> value(static_cast<size_t>(len) + 1);
        len = ::lgetxattr(from.c_str(), key, value.data(), value.size());
        if (len < 0) continue;
        if (::lsetxattr(to.c_str(), key, value.data(), static_cast<size_t>(len), 0) != 0)
            throw_errno("set the xattr " + std::string(key) + " of '" + what + "'", errno);
    }
}

class TreeCopier {
public:
    TreeCopier(dev_t fs, Progress* progress, UnpackStats& stats) : fs_(fs), progress_(progress), stats_(stats) {}

    // `emptied`: names in this directory whose contents are not copied.
    void copy_dir(int from, int to, const std::vector<std::string>& emptied = {}) {
        for (const auto& name : names_in(from)) {
            check_interrupt();
            copy_entry(from, to, name, std::find(emptied.begin(), emptied.end(), name) != emptied.end());
        }
    }

    // Owner, mode, xattrs (an ACL, a capability: after chown), times last.
    void apply_meta(int from_dir, int to_dir, const std::string& name, const struct stat& st) {
        if (::fchownat(to_dir, name.c_str(), st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) != 0)
            throw_errno("set the owner of '" + name + "'", errno);
        if (!S_ISLNK(st.st_mode) && ::fchmodat(to_dir, name.c_str(), st.st_mode & 07777, 0) != 0)
            throw_errno("set the mode of '" + name + "'", errno);
        copy_xattrs(fd_path(from_dir, name), fd_path(to_dir, name), name);
        const struct timespec times[2] = {st.st_atim, st.st_mtim};
        if (::utimensat(to_dir, name.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0)
            throw_errno("set the times of '" + name + "'", errno);
    }

private:
    void copy_entry(int from, int to, const std::string& name, bool empty) {
        struct stat st;
        if (::fstatat(from, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) throw_errno("stat '" + name + "'", errno);
        ++stats_.inodes;
        if (S_ISDIR(st.st_mode)) {
            if (::mkdirat(to, name.c_str(), 0700) != 0) throw_errno("create the directory '" + name + "'", errno);
            // Another filesystem mounted here: its mount point only.
            if (st.st_dev == fs_ && !empty) {
                Fd src = openat_or_throw(from, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
                Fd dst = openat_or_throw(to, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
                copy_dir(src.get(), dst.get());
            }
            apply_meta(from, to, name, st);
            return;
        }
        if (st.st_nlink > 1) {
            auto it = links_.find({st.st_dev, st.st_ino});
            if (it != links_.end()) {
                if (::linkat(AT_FDCWD, fd_path(it->second.get(), "").c_str(), to, name.c_str(), AT_SYMLINK_FOLLOW) != 0)
                    throw_errno("hard-link '" + name + "'", errno);
                return;
            }
        }
        if (S_ISREG(st.st_mode)) {
            copy_file_data(from, to, name, st);
        } else if (S_ISLNK(st.st_mode)) {
            std::vector<char> target(static_cast<size_t>(st.st_size) + 1);
            const ssize_t n = ::readlinkat(from, name.c_str(), target.data(), target.size());
            if (n < 0) throw_errno("read the symlink '" + name + "'", errno);
            if (::symlinkat(std::string(target.data(), static_cast<size_t>(n)).c_str(), to, name.c_str()) != 0)
                throw_errno("create the symlink '" + name + "'", errno);
        } else if (::mknodat(to, name.c_str(), (st.st_mode & S_IFMT) | 0600, st.st_rdev) != 0) {
            throw_errno("create the special file '" + name + "'", errno);
        }
        apply_meta(from, to, name, st);
        if (st.st_nlink > 1) {
            Fd keep(::openat(to, name.c_str(), O_PATH | O_NOFOLLOW));
            if (!keep) throw_errno("open '" + name + "' for its hard links", errno);
            links_.emplace(std::make_pair(st.st_dev, st.st_ino), std::move(keep));
        }
    }

    // The data extents only (SEEK_DATA), so holes stay holes; the size last.
    void copy_file_data(int from, int to, const std::string& name, const struct stat& st) {
        Fd in = openat_or_throw(from, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NOATIME);
        Fd out(::openat(to, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
        if (!out) throw_errno("create '" + name + "'", errno);
        std::vector<char> buf(1 << 20);
        off_t pos = 0;
        while (pos < st.st_size) {
            const off_t data = ::lseek(in.get(), pos, SEEK_DATA);
            if (data < 0) break;  // only a hole is left
            off_t hole = ::lseek(in.get(), data, SEEK_HOLE);
            if (hole < 0) hole = st.st_size;
            for (pos = data; pos < hole;) {
                check_interrupt();
                const ssize_t n = ::pread(in.get(), buf.data(), std::min<off_t>(hole - pos, static_cast<off_t>(buf.size())), pos);
                if (n < 0 && errno == EINTR) continue;
                if (n < 0) throw_errno("read '" + name + "'", errno);
                if (n == 0) break;
                for (ssize_t done = 0; done < n;) {
                    const ssize_t w = ::pwrite(out.get(), buf.data() + done, static_cast<size_t>(n - done), pos + done);
                    if (w < 0 && errno == EINTR) continue;
                    if (w <= 0) throw_errno("write '" + name + "' on the new root", w < 0 ? errno : EIO);
                    done += w;
                }
                pos += n;
                stats_.bytes += static_cast<uint64_t>(n);
                if (progress_) progress_->update(stats_.bytes);
            }
        }
        if (::ftruncate(out.get(), st.st_size) != 0) throw_errno("size '" + name + "'", errno);
    }

    dev_t fs_;
    Progress* progress_;
    UnpackStats& stats_;
    std::map<std::pair<dev_t, ino_t>, Fd> links_;  // the first copy of each multiply-linked inode (O_PATH)
};

void measure_dir(int dirfd, dev_t fs, UnpackStats& s, const std::vector<std::string>& emptied = {}) {
    for (const auto& name : names_in(dirfd)) {
        struct stat st;
        if (::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
        ++s.inodes;
        if (S_ISREG(st.st_mode)) s.bytes += static_cast<uint64_t>(st.st_blocks) * 512;
        if (S_ISDIR(st.st_mode) && st.st_dev == fs && std::find(emptied.begin(), emptied.end(), name) == emptied.end()) {
            Fd d(::openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW));
            if (d) measure_dir(d.get(), fs, s);
        }
    }
}

}  // namespace

UnpackStats measure_tree(const std::string& source, const std::vector<std::string>& emptied) {
    Fd root = open_or_throw(source.c_str(), O_RDONLY | O_DIRECTORY);
    struct stat st;
    if (::fstat(root.get(), &st) != 0) throw_errno("stat '" + source + "'", errno);
    UnpackStats s;
    measure_dir(root.get(), st.st_dev, s, emptied);
    return s;
}

UnpackStats copy_tree(const std::string& source, const std::string& dest, bool quiet,
                      const std::vector<std::string>& emptied) {
    const UnpackStats total = measure_tree(source, emptied);
    Fd from = open_or_throw(source.c_str(), O_RDONLY | O_DIRECTORY);
    Fd to = open_or_throw(dest.c_str(), O_RDONLY | O_DIRECTORY);
    struct stat st;
    if (::fstat(from.get(), &st) != 0) throw_errno("stat '" + source + "'", errno);
    UnpackStats stats;
    Progress progress("Copying the system", total.bytes, quiet);
    TreeCopier c(st.st_dev, &progress, stats);
    c.copy_dir(from.get(), to.get(), emptied);
    // The root's own metadata ("." names the directory itself, not the fd's link).
    if (::fchown(to.get(), st.st_uid, st.st_gid) != 0 || ::fchmod(to.get(), st.st_mode & 07777) != 0)
        throw_errno("set the owner and mode of '" + dest + "'", errno);
    copy_xattrs(fd_path(from.get(), "."), fd_path(to.get(), "."), dest);
    const struct timespec times[2] = {st.st_atim, st.st_mtim};
    if (::futimens(to.get(), times) != 0) throw_errno("set the times of '" + dest + "'", errno);
    progress.finish();
    return stats;
}

}  // namespace remaster
