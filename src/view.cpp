#include "view.hpp"

#include <sys/stat.h>

#include "error.hpp"
#include "log.hpp"

namespace remaster {

View::View(RuntimeDir& run, const std::string& root, const std::vector<std::string>& submounts) {
    // One tmpfs holds every upper dir: unmounting it frees all our changes at once.
    const std::string rw = run.make_dir("rw");
    mounts_.push(Mount::mount("remaster-rw", rw, "tmpfs", "mode=0700"));
    path_ = run.make_dir("view");

    auto layer = [&](const std::string& lower, const std::string& target, size_t n) {
        const std::string base = rw + "/" + std::to_string(n);
        make_dirs(base + "/upper", 0755);
        make_dirs(base + "/work", 0700);
        mounts_.push(Mount::overlay(lower, base + "/upper", base + "/work", target));
    };
    layer(root, path_, 0);
    for (size_t i = 0; i < submounts.size(); ++i) {
        const std::string lower = root == "/" ? submounts[i] : root + submounts[i];
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
