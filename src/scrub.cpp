#include "scrub.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <iterator>
#include <sstream>

#include "dir_stream.hpp"
#include "error.hpp"
#include "fd.hpp"
#include "host_disk_config.hpp"
#include "log.hpp"
#include "paths.hpp"
#include "small_file.hpp"
#include "ssh_host_keys.hpp"

namespace remaster {

const char* const kLiveFstab =
    "# /etc/fstab of a live system written by remaster.\n"
    "# The root filesystem is an overlay put together by the initramfs from the\n"
    "# stick; the original machine's disks are not mounted here. Add entries\n"
    "# with the 'nofail' option if this system should mount more.\n";

namespace {

bool lstat_in(const std::string& root, const std::string& rel, struct stat& st) {
    return ::lstat(in_root(root, rel).c_str(), &st) == 0;
}

// Opens a directory of the view with every component resolved inside it.
// Missing directories (a drop-in directory, the bundle's) are made, their parents' times kept.
Fd open_dir_in(int root_fd, const std::string& rel_dir) {
    Fd fd = open_in_root(root_fd, rel_dir, O_PATH | O_DIRECTORY);
    if (!fd && errno == ENOENT && rel_dir != "/") {
        const size_t slash = rel_dir.rfind('/');
        // Missing parents too (the bundle's /usr/local/lib/remaster/lib).
        Fd parent = open_dir_in(root_fd, slash == 0 ? "/" : rel_dir.substr(0, slash));
        struct stat pst;
        if (::fstat(parent.get(), &pst) != 0) throw_errno("open '" + rel_dir + "' in the view", errno);
        const std::string parent_path = "/proc/self/fd/" + std::to_string(parent.get());
        const std::string name = rel_dir.substr(slash + 1);
        if (::mkdirat(parent.get(), name.c_str(), 0755) != 0)
            throw_errno("create '" + rel_dir + "' in the view", errno);
        // The new directory takes its parent's times: every run makes it the same.
        const struct timespec times[2] = {pst.st_atim, pst.st_mtim};
        ::utimensat(parent.get(), name.c_str(), times, 0);
        ::utimensat(AT_FDCWD, parent_path.c_str(), times, 0);
        fd = open_in_root(root_fd, rel_dir, O_PATH | O_DIRECTORY);
    }
    if (!fd) throw_errno("open '" + rel_dir + "' in the view", errno);
    return fd;
}

// The SELinux label of `name` in directory `dir`, "" when it has none. A file
// we write inherits the label of the one it replaces, so an enforcing system
// (Fedora) still boots without a relabel.
std::string selinux_label(int dir, const std::string& name) {
    const std::string p = "/proc/self/fd/" + std::to_string(dir) + "/" + name;
    char buf[512];
    ssize_t n = ::lgetxattr(p.c_str(), "security.selinux", buf, sizeof buf);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
}

void set_selinux_label(int dir, const std::string& name, const std::string& label) {
    if (label.empty()) return;
    const std::string p = "/proc/self/fd/" + std::to_string(dir) + "/" + name;
    if (::lsetxattr(p.c_str(), "security.selinux", label.data(), label.size(), 0) != 0)
        throw_errno("keep the SELinux label of '" + name + "'", errno);
}

// wpa_supplicant's configurations in the root: the old single file and each
// *.conf of /etc/wpa_supplicant (wpa_supplicant-IFACE.conf of the
// per-interface units). Regular files only; sorted, so the plan is stable.
std::vector<std::string> wpa_configs(const std::string& root) {
    std::vector<std::string> out;
    struct stat st;
    DirStream dir(in_root(root, "/etc/wpa_supplicant"));
    while (const dirent* e = dir.next()) {
        const std::string name = e->d_name;
        const std::string rel = "/etc/wpa_supplicant/" + name;
        if (name.size() > 5 && name.compare(name.size() - 5, 5, ".conf") == 0 && lstat_in(root, rel, st) &&
            S_ISREG(st.st_mode))
            out.push_back(rel);
    }
    std::sort(out.begin(), out.end());
    if (lstat_in(root, "/etc/wpa_supplicant.conf", st) && S_ISREG(st.st_mode))
        out.insert(out.begin(), "/etc/wpa_supplicant.conf");
    return out;
}

// The content and mode of the file the action rewrites, as the view has it.
struct NewFile {
    std::string content;
    mode_t mode = 0644;
};

NewFile new_file(int dir, const std::string& name, const ScrubAction& a) {
    const mode_t mode = a.mode ? a.mode : 0644;
    if (a.kind == ScrubAction::Kind::copy_file) {
        // Our own files (the bundled remaster), not the source's: whole,
        // binary, in one read (27 MB of libraries, before the squash starts).
        std::ifstream in(a.content, std::ios::binary | std::ios::ate);
        const std::streamoff size = in.tellg();
        std::string data(size > 0 ? static_cast<size_t>(size) : 0, '\0');
        in.seekg(0);
        if (!in || !in.read(data.data(), static_cast<std::streamsize>(data.size())))
            throw_errno("read '" + a.content + "' for the view", errno ? errno : EIO);
        return {std::move(data), mode};
    }
    if (a.kind != ScrubAction::Kind::strip_wpa_networks) return {a.content, mode};
    Fd f = openat_or_throw(dir, name.c_str(), small_file_open_flags(false));
    struct stat st;
    if (::fstat(f.get(), &st) != 0) throw_errno("stat '" + a.path + "' in the view", errno);
    const std::string old = read_small_fd(f.get(), {kConfigMax, false, "'" + a.path + "' in the view"}, a.path);
    return {without_wpa_networks(old), st.st_mode & 07777};
}

}  // namespace

std::string without_wpa_networks(const std::string& conf) {
    std::istringstream in(conf);
    std::string out, line;
    bool inside = false;
    while (std::getline(in, line)) {
        const size_t b = line.find_first_not_of(" \t");
        const std::string t = b == std::string::npos ? "" : line.substr(b, line.find_last_not_of(" \t\r") - b + 1);
        if (inside) {
            inside = t != "}";
            continue;
        }
        if (t == "network={" || t == "cred={") {
            inside = true;
            out += "# " + t.substr(0, t.size() - 2) + " block removed by remaster --mode clean\n";
            continue;
        }
        out += line + "\n";
    }
    return out;
}

std::vector<ScrubAction> plan_scrub(const std::string& root, Mode mode) {
    std::vector<ScrubAction> acts;
    struct stat st;
    if (!lstat_in(root, "/etc", st) || !S_ISDIR(st.st_mode)) return acts;
    using K = ScrubAction::Kind;
    acts = plan_host_disk_scrub(root);
    if (lstat_in(root, "/etc/mtab", st)) {
        char buf[256];
        ssize_t n = S_ISLNK(st.st_mode) ? ::readlink(in_root(root, "/etc/mtab").c_str(), buf, sizeof buf) : -1;
        std::string target = n > 0 ? std::string(buf, n) : "";
        if (target != "../proc/self/mounts" && target != "/proc/self/mounts")
            acts.push_back({K::symlink, "/etc/mtab", "../proc/self/mounts", "a static mtab lies about the live mounts"});
    }
    if (mode == Mode::clean) {
        if (lstat_in(root, "/etc/machine-id", st))
            acts.push_back({K::write_file, "/etc/machine-id", "", "emptied: each boot gets its own identity"});
        // The file stays (Fedora's wpa_supplicant.service reads it), its saved networks go.
        for (const auto& conf : wpa_configs(root))
            acts.push_back({K::strip_wpa_networks, conf, "", "saved Wi-Fi networks and their keys removed"});
        // The host keys are left out (an exclusion); a root whose sshd makes none gets a unit that does.
        for (auto& a : plan_ssh_host_keys(root)) acts.push_back(std::move(a));
    }
    return acts;
}

void apply_scrub(const std::string& view_root, const std::vector<ScrubAction>& actions) {
    Fd root = open_or_throw(view_root.c_str(), O_PATH | O_DIRECTORY);
    for (const auto& a : actions) {
        const size_t slash = a.path.rfind('/');
        const std::string dir = slash == 0 ? "/" : a.path.substr(0, slash);
        const std::string name = a.path.substr(slash + 1);
        Fd d = open_dir_in(root.get(), dir);
        // The directory's times stay as they were: same input, same image.
        struct stat dir_st;
        if (::fstat(d.get(), &dir_st) != 0) throw_errno("stat '" + dir + "' in the view", errno);
        const std::string label = selinux_label(d.get(), name);
        // A rewritten file keeps its mode: /etc/crypttab is often 0600.
        struct stat old_st;
        const bool had = ::fstatat(d.get(), name.c_str(), &old_st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(old_st.st_mode);
        const NewFile nf = new_file(d.get(), name, a);
        if (::unlinkat(d.get(), name.c_str(), 0) != 0 && errno != ENOENT)
            throw_errno("remove '" + a.path + "' in the view", errno);
        if (a.kind == ScrubAction::Kind::symlink) {
            if (::symlinkat(a.content.c_str(), d.get(), name.c_str()) != 0)
                throw_errno("create '" + a.path + "' in the view", errno);
        } else {
            Fd f = openat_or_throw(d.get(), name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, nf.mode);
            size_t off = 0;
            while (off < nf.content.size()) {
                ssize_t w = ::write(f.get(), nf.content.data() + off, nf.content.size() - off);
                if (w < 0) throw_errno("write '" + a.path + "' in the view", errno);
                off += static_cast<size_t>(w);
            }
            if (::fchown(f.get(), 0, 0) != 0) throw_errno("set the owner of '" + a.path + "'", errno);
            // The umask must not loosen or tighten what the file had: /etc/crypttab is often 0600.
            const mode_t mode = had ? old_st.st_mode & 07777 : nf.mode;
            if (::fchmod(f.get(), mode) != 0) throw_errno("set the mode of '" + a.path + "'", errno);
            struct stat from;
            if (!a.times_of.empty() && ::stat(a.times_of.c_str(), &from) == 0) {
                const struct timespec times[2] = {from.st_mtim, from.st_mtim};
                if (::futimens(f.get(), times) != 0) throw_errno("set the times of '" + a.path + "'", errno);
            }
        }
        set_selinux_label(d.get(), name, label);
        const struct timespec times[2] = {dir_st.st_atim, dir_st.st_mtim};
        const std::string dir_path = "/proc/self/fd/" + std::to_string(d.get());
        if (::utimensat(AT_FDCWD, dir_path.c_str(), times, 0) != 0)
            throw_errno("restore the times of '" + dir + "' in the view", errno);
        log::debug() << "scrubbed " << a.path << ": " << a.reason;
    }
}

}  // namespace remaster
