#include "system_mounts.hpp"

#include <libmount/libmount.h>

#include <algorithm>
#include <fstream>
#include <sstream>
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

// Under these, whatever is mounted is not the system, and why.
const std::pair<const char*, const char*> kTransientDirs[] = {
    {"/media", "removable media or another disk mounted by the user, not the system"},
    {"/mnt", "removable media or another disk mounted by the user, not the system"},
    {"/run", "temporary: the live system makes its own at boot"},
    {"/tmp", "temporary: the live system makes its own at boot"},
    {"/var/tmp", "temporary: the live system makes its own at boot"},
    {"/proc", "kernel interface: the live system's kernel mounts its own"},
    {"/sys", "kernel interface: the live system's kernel mounts its own"},
    {"/dev", "kernel interface: the live system's kernel mounts its own"}};

// Why a mount of a kind in kNeverSystem (or FUSE) is not part of the system.
// Snaps: snapd mounts each /var/lib/snapd/snaps/*.snap at boot, so the files
// are the system and the mounts are not. Containers: the overlay of a running
// container is a view of layers that lie in the storage directory as files.
std::string never_system_reason(const std::string& rel, const MountEntry& e) {
    const std::string& t = e.fstype;
    if (t == "squashfs" && path_below(rel, "/snap"))
        return "snap mounted by snapd at boot from its .snap file in /var/lib/snapd/snaps, which is kept";
    if (t == "overlay" && (path_below(rel, "/var/lib/docker") || path_below(rel, "/var/lib/containers")))
        return "a running container's overlay; its layers stay in the container storage as files (--exclude it to "
               "leave them out)";
    if (t == "overlay") return "overlay view of other directories, which are snapshotted where they lie";
    if (t == "squashfs") return "squashfs image mounted read-only; its image file is kept if it lies in the tree";
    if (t == "tmpfs" || t == "ramfs" || t == "zram") return t + " holds memory only, nothing installed";
    if (t == "fuse" || t == "fuseblk" || t.rfind("fuse.", 0) == 0)
        return "FUSE filesystem (" + t + ") of a user's session or a device, not the system";
    if (t == "iso9660" || t == "udf") return t + " is a removable medium, not the system";
    return t + " is not part of the installed system";
}

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
        } else if (const auto* d = std::find_if(std::begin(kTransientDirs), std::end(kTransientDirs),
                                                [&](const auto& td) { return path_below(rel, td.first, true); });
                   d != std::end(kTransientDirs)) {
            reason = std::string("in ") + d->first + ": " + d->second;
        } else if (e->pseudo) {
            reason = "pseudo filesystem (" + e->fstype + ")";
        } else if (e->net) {
            reason = "network filesystem (" + e->fstype + ")";
        } else if (kNeverSystem.count(e->fstype) || e->fstype.rfind("fuse.", 0) == 0) {
            reason = never_system_reason(rel, *e);
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

namespace {

// /proc/swaps writes a space, tab, newline or backslash in a name as \ooo.
std::string unescape_octal(const std::string& s) {
    auto is_octal = [](char c) { return c >= '0' && c <= '7'; };
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\\' && i + 3 < s.size() && is_octal(s[i + 1]) && is_octal(s[i + 2]) && is_octal(s[i + 3])) {
            out += static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
            i += 3;
        } else {
            out += s[i];
        }
    }
    return out;
}

}  // namespace

std::vector<ActiveSwap> active_swaps(const std::string& proc_swaps) {
    std::vector<ActiveSwap> out;
    std::ifstream in(proc_swaps);
    std::string line;
    std::getline(in, line);  // the header: Filename Type Size Used Priority
    while (std::getline(in, line)) {
        std::istringstream ls(line);
        ActiveSwap s;
        if (ls >> s.name >> s.type) {
            s.name = unescape_octal(s.name);
            out.push_back(std::move(s));
        }
    }
    return out;
}

}  // namespace remaster
