#include "view.hpp"

#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "error.hpp"
#include "log.hpp"
#include "paths.hpp"

#include <fcntl.h>
#include <cstring>

namespace remaster {
namespace {

// An overlay's merged root shows its upper dir's attributes, and ours is new:
// give it the lower root's mode, owner, times and xattrs, or the image's /
// (or /home) would come out 0755 root:root with the time of the snapshot.
void copy_dir_attributes(const std::string& from, const std::string& to) {
    struct stat st;
    if (::stat(from.c_str(), &st) != 0) throw_errno("stat '" + from + "'", errno);
    if (::chown(to.c_str(), st.st_uid, st.st_gid) != 0) throw_errno("set the owner of '" + to + "'", errno);
    if (::chmod(to.c_str(), st.st_mode & 07777) != 0) throw_errno("set the mode of '" + to + "'", errno);
    ssize_t n = ::llistxattr(from.c_str(), nullptr, 0);
    std::vector<char> names(n > 0 ? static_cast<size_t>(n) : 0);
    if (n > 0) n = ::llistxattr(from.c_str(), names.data(), names.size());
    for (ssize_t i = 0; i < n; i += static_cast<ssize_t>(std::strlen(&names[i])) + 1) {
        const std::string name = &names[i];
        if (name.rfind("trusted.overlay.", 0) == 0) continue;  // overlayfs' own bookkeeping
        std::vector<char> value(65536);
        ssize_t len = ::lgetxattr(from.c_str(), name.c_str(), value.data(), value.size());
        if (len < 0) continue;
        if (::lsetxattr(to.c_str(), name.c_str(), value.data(), static_cast<size_t>(len), 0) != 0)
            log::warn() << "the xattr " << name << " of '" << from << "' cannot be kept (" << errno_string(errno)
                        << ")";
    }
    const struct timespec times[2] = {st.st_atim, st.st_mtim};
    if (::utimensat(AT_FDCWD, to.c_str(), times, 0) != 0) throw_errno("set the times of '" + to + "'", errno);
}

}  // namespace

View::View(RuntimeDir& run, const std::string& root, const std::vector<std::string>& submounts) {
    // One tmpfs holds every upper dir: unmounting it frees all our changes at once.
    const std::string rw = run.make_dir("rw");
    mounts_.push(Mount::mount("remaster-rw", rw, "tmpfs", "mode=0700"));
    path_ = run.make_dir("view");

    auto layer = [&](const std::string& lower, const std::string& target, size_t n) {
        const std::string base = rw + "/" + std::to_string(n);
        make_dirs(base + "/upper", 0755);
        make_dirs(base + "/work", 0700);
        copy_dir_attributes(lower, base + "/upper");
        mounts_.push(Mount::overlay(lower, base + "/upper", base + "/work", target));
    };
    layer(root, path_, 0);
    for (size_t i = 0; i < submounts.size(); ++i) {
        const std::string lower = in_root(root, submounts[i]);
        struct stat st;
        if (::stat(at(submounts[i]).c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
            log::warn() << "mount point " << submounts[i] << " is not visible in the view; leaving it out";
            continue;
        }
        layer(lower, at(submounts[i]), i + 1);
    }
    log::debug() << "view of " << root << " at " << path_ << " (" << submounts.size() << " submounts)";
}

void View::prepare_chroot() {
    if (!chroot_mounts_.empty()) return;
    for (const char* dir : {"/proc", "/sys", "/dev"}) {
        make_dirs(at(dir), 0755);
        chroot_mounts_.push(Mount::bind(dir, at(dir), false));
    }
    // dracut and GRUB expect /dev/pts and a writable /run and /tmp.
    chroot_mounts_.push(Mount::mount("devpts", at("/dev/pts"), "devpts", "newinstance,ptmxmode=0666"));
    make_dirs(at("/run"), 0755);
    chroot_mounts_.push(Mount::mount("remaster-run", at("/run"), "tmpfs", "mode=0755"));
    make_dirs(at("/tmp"), 01777);
    chroot_mounts_.push(Mount::mount("remaster-tmp", at("/tmp"), "tmpfs", "mode=1777"));
}

void View::release_chroot() { chroot_mounts_.unmount_all(); }

void View::close() {
    chroot_mounts_.unmount_all();
    mounts_.unmount_all();
}

}  // namespace remaster
