// The view: the root being snapshotted, seen through overlays whose upper dirs
// live on a tmpfs of ours. Everything we change (scrubbing, the dracut module,
// the initramfs build) lands in those upper dirs; the source is never written.
// Filesystems that belong to the system (a separate /home, /boot, /var) get an
// overlay of their own at the same place in the view, because an overlay of /
// does not descend into the mounts below it.
#pragma once

#include <string>
#include <vector>

#include "mount_stack.hpp"
#include "runtime_dir.hpp"

namespace remaster {

class View {
public:
    // root: absolute, normalised; submounts: from plan_view_mounts().composed.
    View(RuntimeDir& run, const std::string& root, const std::vector<std::string>& submounts);
    View(const View&) = delete;
    View& operator=(const View&) = delete;

    const std::string& path() const { return path_; }
    // path() + rel ("/etc/fstab"): where to read or write inside the view.
    std::string at(const std::string& rel) const { return rel == "/" ? path_ : path_ + rel; }

    // Binds the host's /proc, /sys and /dev into the view for running tools in
    // a chroot; undone when the View goes (or by release_chroot()).
    void prepare_chroot();
    void release_chroot();
    // Unmounts everything now, throwing on failure.
    void close();

private:
    std::string path_;
    MountStack mounts_;
    MountStack chroot_mounts_;  // declared last: unmounted first
};

}  // namespace remaster
