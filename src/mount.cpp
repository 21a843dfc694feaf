#include "mount.hpp"

#include <libmount/libmount.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <memory>
#include <thread>

#include "error.hpp"
#include "log.hpp"

namespace remaster {
namespace {

struct ContextDeleter {
    void operator()(libmnt_context* c) const noexcept { mnt_free_context(c); }
};
using Context = std::unique_ptr<libmnt_context, ContextDeleter>;

Context new_context() {
    Context cxt(mnt_new_context());
    if (!cxt) throw Error(Exit::failure, "Failed to create a libmount context");
    // We manage our own mounts: no /run/mount/utab entries, no mount.<type>
    // helpers, and no guessing from fstab.
    mnt_context_disable_mtab(cxt.get(), 1);
    mnt_context_disable_helpers(cxt.get(), 1);
    mnt_context_disable_swapmatch(cxt.get(), 1);
    return cxt;
}

std::string describe_failure(libmnt_context* cxt, int rc, const std::string& what) {
    char buf[BUFSIZ] = {0};
    int ex = mnt_context_get_excode(cxt, rc, buf, sizeof buf);
    (void)ex;
    std::string msg = buf[0] ? buf : "error " + std::to_string(rc);
    return "Failed to " + what + ": " + msg;
}

}  // namespace

void make_dirs(const std::string& path, unsigned mode) {
    if (path.empty()) return;
    std::string cur;
    size_t pos = 0;
    while (pos != std::string::npos) {
        pos = path.find('/', pos + 1);
        cur = path.substr(0, pos);
        if (cur.empty()) continue;
        if (::mkdir(cur.c_str(), mode) != 0 && errno != EEXIST) throw_errno("create directory '" + cur + "'", errno);
    }
}

Mount Mount::mount(const std::string& source, const std::string& target, const std::string& fstype,
                   const std::string& options, unsigned long flags) {
    Context cxt = new_context();
    mnt_context_set_source(cxt.get(), source.c_str());
    mnt_context_set_target(cxt.get(), target.c_str());
    if (!fstype.empty()) mnt_context_set_fstype(cxt.get(), fstype.c_str());
    if (!options.empty()) mnt_context_set_options(cxt.get(), options.c_str());
    if (flags) mnt_context_set_mflags(cxt.get(), flags);
    int rc = mnt_context_mount(cxt.get());
    if (rc != 0 || mnt_context_get_status(cxt.get()) != 1)
        throw Error(Exit::failure, describe_failure(cxt.get(), rc, "mount '" + source + "' on '" + target + "'"));
    log::debug() << "mounted " << source << " (" << fstype << ") on " << target;
    return Mount(target);
}

Mount Mount::bind(const std::string& source, const std::string& target, bool read_only) {
    Mount m = mount(source, target, "none", "bind");
    if (read_only) {
        // A read-only bind needs a second, remount step.
        Context cxt = new_context();
        mnt_context_set_target(cxt.get(), target.c_str());
        mnt_context_set_options(cxt.get(), "remount,bind,ro");
        int rc = mnt_context_mount(cxt.get());
        if (rc != 0) throw Error(Exit::failure, describe_failure(cxt.get(), rc, "make '" + target + "' read-only"));
    }
    return m;
}

Mount Mount::overlay(const std::string& lower, const std::string& upper, const std::string& work,
                     const std::string& target) {
    // xino off keeps inode numbers of the lower layer as they are, so hard
    // links are recognised by (st_dev, st_ino) exactly as in the source.
    return mount("remaster-view", target, "overlay",
                 "lowerdir=" + lower + ",upperdir=" + upper + ",workdir=" + work + ",xino=off");
}

Mount& Mount::operator=(Mount&& o) noexcept {
    if (this != &o) {
        release_noexcept();
        target_ = std::move(o.target_);
        o.target_.clear();
    }
    return *this;
}

Mount::~Mount() { release_noexcept(); }

void Mount::unmount() {
    if (target_.empty()) return;
    // Something may still hold the mount for a moment (udev probing a loop
    // device, a child just exiting): retry briefly before giving up.
    int err = 0;
    for (int i = 0; i < 20; ++i) {
        if (::umount2(target_.c_str(), UMOUNT_NOFOLLOW) == 0) {
            log::debug() << "unmounted " << target_;
            target_.clear();
            return;
        }
        err = errno;
        if (err != EBUSY) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (err == EINVAL || err == ENOENT) {  // not mounted any more
        target_.clear();
        return;
    }
    throw_errno("unmount '" + target_ + "'", err);
}

void Mount::release_noexcept() noexcept {
    if (target_.empty()) return;
    try {
        unmount();
    } catch (const std::exception& e) {
        // Detach lazily rather than leave it: it disappears once unused.
        if (::umount2(target_.c_str(), MNT_DETACH) == 0)
            log::warn() << e.what() << "; detached it lazily instead";
        else
            log::error() << e.what() << "; unmount it by hand: umount -l '" << target_ << "'";
        target_.clear();
    }
}

}  // namespace remaster
