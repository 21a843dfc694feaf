#include "system_mounts.hpp"

#include <libmount/libmount.h>

#include <algorithm>
#include <memory>
#include <set>

#include "error.hpp"
#include "paths.hpp"

namespace remaster {
namespace {

struct TableDeleter {
    void operator()(libmnt_table* t) const noexcept { mnt_unref_table(t); }
};
struct IterDeleter {
    void operator()(libmnt_iter* i) const noexcept { mnt_free_iter(i); }
};

// Kinds libmount does not flag as pseudo but that never hold the system.
const std::set<std::string> kNeverSystem = {
    "tmpfs", "ramfs", "devtmpfs", "overlay", "squashfs", "iso9660", "udf", "autofs", "fuse", "fuseblk",
    "fuse.portal", "fuse.gvfsd-fuse", "fuse.sshfs", "9p", "virtiofs", "nsfs", "efivarfs", "zram"};

// Under these, whatever is mounted is the user's media or scratch space.
const char* const kTransientDirs[] = {"/media", "/mnt", "/run", "/tmp", "/var/tmp", "/proc", "/sys", "/dev"};

}  // namespace

std::vector<MountEntry> read_mount_table(const std::string& mountinfo) {
    std::unique_ptr<libmnt_table, TableDeleter> tb(mnt_new_table());
    if (!tb || (mountinfo.empty() ? mnt_table_parse_mtab(tb.get(), nullptr)
                                  : mnt_table_parse_file(tb.get(), mountinfo.c_str())) != 0)
        throw Error(Exit::failure, "Failed to read the mount table (" +
                                       (mountinfo.empty() ? std::string("/proc/self/mountinfo") : mountinfo) + ")");
    std::unique_ptr<libmnt_iter, IterDeleter> it(mnt_new_iter(MNT_ITER_FORWARD));
    std::vector<MountEntry> out;
    libmnt_fs* fs = nullptr;
    auto str = [](const char* s) { return s ? std::string(s) : std::string(); };
    while (mnt_table_next_fs(tb.get(), it.get(), &fs) == 0) {
        MountEntry e;
        e.target = str(mnt_fs_get_target(fs));
        e.source = str(mnt_fs_get_source(fs));
        e.fstype = str(mnt_fs_get_fstype(fs));
        e.fs_root = str(mnt_fs_get_root(fs));
        e.pseudo = mnt_fs_is_pseudofs(fs);
        e.net = mnt_fs_is_netfs(fs);
        e.devno = mnt_fs_get_devno(fs);
        e.read_only = mnt_optstr_get_option(mnt_fs_get_vfs_options(fs), "ro", nullptr, nullptr) == 0;
        out.push_back(std::move(e));
    }
    return out;
}

ViewMounts plan_view_mounts(const std::string& root, const std::vector<MountEntry>& table,
                            const std::vector<std::string>& ignore) {
    // The last mount on a mount point hides the earlier ones.
    std::vector<const MountEntry*> visible;
    for (const auto& e : table) {
        if (!path_below(e.target, root)) continue;
        visible.erase(std::remove_if(visible.begin(), visible.end(),
                                     [&](const MountEntry* v) { return path_below(v->target, e.target, true); }),
                      visible.end());
        visible.push_back(&e);
    }
    std::sort(visible.begin(), visible.end(),
              [](const MountEntry* a, const MountEntry* b) { return a->target < b->target; });

    ViewMounts vm;
    std::vector<std::string> skipped_abs;
    for (const MountEntry* e : visible) {
        const std::string rel = relative_to_root(e->target, root);
        std::string reason;
        auto under_skipped = std::find_if(skipped_abs.begin(), skipped_abs.end(),
                                          [&](const std::string& s) { return path_below(e->target, s); });
        auto under_ignored = std::find_if(ignore.begin(), ignore.end(),
                                          [&](const std::string& s) { return path_below(e->target, s, true); });
        if (under_ignored != ignore.end()) continue;  // our own working mounts: not even worth listing
        if (under_skipped != skipped_abs.end()) {
            reason = "below the left-out mount " + relative_to_root(*under_skipped, root);
        } else if (std::any_of(std::begin(kTransientDirs), std::end(kTransientDirs),
                               [&](const char* d) { return path_below(rel, d, true); })) {
            reason = "temporary or removable-media location";
        } else if (e->pseudo) {
            reason = "pseudo filesystem (" + e->fstype + ")";
        } else if (e->net) {
            reason = "network filesystem (" + e->fstype + ")";
        } else if (kNeverSystem.count(e->fstype) || e->fstype.rfind("fuse.", 0) == 0) {
            reason = e->fstype + " is not part of the installed system";
        } else if (e->fs_root != "/" && e->fstype != "btrfs") {
            reason = "bind mount of " + e->source + ":" + e->fs_root;
        }
        if (reason.empty()) {
            vm.composed.push_back(rel);
        } else {
            vm.skipped.push_back({rel, reason});
            skipped_abs.push_back(e->target);
        }
    }
    return vm;
}

const MountEntry* mount_containing(const std::vector<MountEntry>& table, const std::string& path) {
    const MountEntry* best = nullptr;
    for (const auto& e : table)
        if (path_below(path, e.target, true) && (!best || e.target.size() >= best->target.size())) best = &e;
    return best;
}

}  // namespace remaster
