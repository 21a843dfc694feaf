#include "exclusions.hpp"

#include <fnmatch.h>
#include <libmount/libmount.h>

#include <memory>

#include "paths.hpp"
#include "system_mounts.hpp"

namespace remaster {

const char* const kSshHostKeyPattern = "/etc/ssh/ssh_host_*";

void Exclusions::add(std::string pattern, FilterAction action, std::string reason) {
    rules_.push_back({std::move(pattern), action, std::move(reason)});
}

bool pattern_matches(const std::string& pattern, const std::string& rel_path) {
    if (pattern.empty()) return false;
    if (pattern[0] == '/') return ::fnmatch(pattern.c_str(), rel_path.c_str(), FNM_PATHNAME) == 0;
    const std::string base = rel_path.substr(rel_path.rfind('/') + 1);
    return ::fnmatch(pattern.c_str(), base.c_str(), 0) == 0;
}

std::string literal_pattern(const std::string& rel_path) {
    std::string out;
    for (char c : rel_path) {
        if (c == '*' || c == '?' || c == '[' || c == '\\') out += '\\';
        out += c;
    }
    return out;
}

const ExclusionRule* Exclusions::match(const std::string& rel_path, const struct stat& st) const {
    const ExclusionRule* found = nullptr;
    for (const auto& r : rules_) {
        if (!pattern_matches(r.pattern, rel_path)) continue;
        // Emptying applies to real directories only; a /tmp that is a symlink stays a symlink.
        if (r.action == FilterAction::empty_dir && !S_ISDIR(st.st_mode)) continue;
        if (r.action == FilterAction::exclude) return &r;  // dropping wins over emptying
        found = &r;
    }
    return found;
}

FilterAction Exclusions::decide(const std::string& rel_path, const struct stat& st) const {
    const ExclusionRule* r = match(rel_path, st);
    return r ? r->action : FilterAction::include;
}

Filter Exclusions::filter() const {
    return [this](const std::string& rel_path, const struct stat& st) { return decide(rel_path, st); };
}

Exclusions default_exclusions(const ExclusionInputs& in) {
    Exclusions ex;
    const auto empty = FilterAction::empty_dir;
    const auto drop = FilterAction::exclude;
    // Mount points of kernel and runtime filesystems: the directories must
    // exist in the live system, their contents belong to the running one.
    for (const char* d : {"/proc", "/sys", "/dev", "/run", "/tmp", "/var/tmp"})
        ex.add(d, empty, "runtime contents, recreated at boot");
    ex.add("/lost+found", drop, "filesystem repair area of the source disk");
    // Package caches regenerate; shipping them only makes the stick bigger.
    ex.add("/var/cache/apt/archives/*.deb", drop, "downloaded packages (apt)");
    ex.add("/var/cache/apt/*.bin", drop, "apt package cache, regenerated");
    ex.add("/var/cache/pacman/pkg", empty, "downloaded packages (pacman)");
    ex.add("/var/cache/dnf", empty, "dnf metadata and packages, regenerated");
    ex.add("/var/cache/yum", empty, "yum metadata and packages, regenerated");
    ex.add("/var/lib/dracut/*", drop, "dracut host state");
    ex.add("/var/lib/systemd/random-seed", drop, "must not be shared between machines");
    // A snapshot taken on a system running remaster must not carry the runs' state.
    ex.add("/var/lib/remaster", empty, "remaster's own state");
    ex.add("/var/cache/remaster", empty, "remaster's own cache");
    // Backup tools keep whole earlier copies of the system inside it: on a
    // btrfs root snapper mounts them at /.snapshots (and /home/.snapshots),
    // Timeshift's rsync mode writes them to /timeshift. In the image they
    // would multiply its size; they are not the system.
    ex.add("/.snapshots", empty, "snapper's snapshots: earlier copies of the system");
    ex.add("/home/.snapshots", empty, "snapper's snapshots of /home: earlier copies of it");
    ex.add("/timeshift", empty, "Timeshift's snapshots: earlier copies of the system");
    if (in.mode == Mode::clean) {
        ex.add("/var/log/journal", empty, "logs (--mode clean)");
        ex.add("/var/cache/*", drop, "caches (--mode clean)");
        ex.add("/home/*/.cache", empty, "user caches (--mode clean)");
        ex.add("/root/.cache", empty, "user caches (--mode clean)");
        for (const char* home : {"/home/*", "/root"})
            for (const char* history : {"/.bash_history", "/.zsh_history", "/.local/share/fish/fish_history"})
                ex.add(std::string(home) + history, drop, "shell history (--mode clean)");
        ex.add(kSshHostKeyPattern, drop, "ssh host keys (--mode clean)");
        ex.add("/etc/NetworkManager/system-connections/*", drop, "network secrets (--mode clean)");
        ex.add("/var/lib/NetworkManager/*", drop, "network state and leases (--mode clean)");
        // iwd and ConnMan keep their saved networks, passphrases included, here.
        ex.add("/var/lib/iwd/*", drop, "network secrets (--mode clean)");
        ex.add("/var/lib/connman/*", drop, "network secrets (--mode clean)");
        ex.add("/etc/udev/rules.d/70-persistent-net.rules", drop, "persistent net rules (--mode clean)");
        ex.add("/var/lib/dbus/machine-id", drop, "machine identity (--mode clean)");
    }
    for (const auto& s : in.swap_files) ex.add(s, drop, "swap file");
    for (const auto& o : in.own_outputs) ex.add(o, drop, "the output being written");
    if (!in.cache_dir.empty()) ex.add(literal_pattern(in.cache_dir), empty, "remaster's initramfs cache (--cache-dir)");
    for (const auto& p : in.user_patterns) ex.add(p, drop, "--exclude");
    return ex;
}

std::vector<std::string> find_swap_files(const std::string& root) {
    std::vector<std::string> out;
    auto add = [&](const std::string& abs_in_root) {
        if (!abs_in_root.empty() && abs_in_root[0] == '/' && abs_in_root.rfind("/dev/", 0) != 0) out.push_back(abs_in_root);
    };
    if (root == "/")
        for (const auto& swap : active_swaps())
            if (swap.type == "file") add(swap.name);
    struct TableDeleter {
        void operator()(libmnt_table* t) const noexcept { mnt_unref_table(t); }
    };
    std::unique_ptr<libmnt_table, TableDeleter> tb(mnt_new_table());
    const std::string fstab = in_root(root, "/etc/fstab");
    if (tb && mnt_table_parse_fstab(tb.get(), fstab.c_str()) == 0) {
        libmnt_iter* it = mnt_new_iter(MNT_ITER_FORWARD);
        libmnt_fs* fs = nullptr;
        while (it && mnt_table_next_fs(tb.get(), it, &fs) == 0)
            if (mnt_fs_is_swaparea(fs) && mnt_fs_get_source(fs)) add(mnt_fs_get_source(fs));
        mnt_free_iter(it);
    }
    return out;
}

}  // namespace remaster
