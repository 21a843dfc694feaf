#include "host_disk_config.hpp"

#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <optional>
#include <regex>

#include "dir_stream.hpp"
#include "error.hpp"
#include "fd.hpp"
#include "small_file.hpp"

namespace remaster {

const char* const kHostLineNote = "# remaster: commented out for the live system: ";

const char* const kNoHibernateDropIn =
    "# Written by remaster for the live system: it has no swap of its own, and\n"
    "# hibernating into (or resuming from) the host's swap would harm the host.\n"
    "# `remaster install` removes this file.\n"
    "[Sleep]\n"
    "AllowHibernation=no\n"
    "AllowSuspendThenHibernate=no\n"
    "AllowHybridSleep=no\n";

namespace {

bool is_active(const std::string& line) {
    const size_t first = line.find_first_not_of(" \t\r");
    return first != std::string::npos && line[first] != '#';
}

// A config file of the root, nullopt when it is not there.
std::optional<std::string> read_in_root(int root_fd, const std::string& rel) {
    Fd fd = open_in_root(root_fd, rel, small_file_open_flags(true));
    if (!fd) {
        if (errno == ENOENT || errno == ENOTDIR) return std::nullopt;
        throw_errno("open '" + rel + "' in the root", errno);
    }
    // A directory or device where a config file would be is no config: pass it over.
    struct stat st;
    if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
    SmallFileOptions opt;
    opt.shown = "'" + rel + "' in the root";
    return read_small_fd(fd.get(), opt, rel);
}

// The names in a directory of the root, sorted (so the plan is the same each run).
std::vector<std::string> names_in_root(int root_fd, const std::string& rel_dir) {
    std::vector<std::string> names;
    Fd fd = open_in_root(root_fd, rel_dir, O_RDONLY | O_DIRECTORY);
    DirStream dir = DirStream::adopt(fd.release());
    while (const dirent* e = dir.next()) names.push_back(rel_dir + "/" + e->d_name);
    std::sort(names.begin(), names.end());
    return names;
}

bool is_dir_in_root(int root_fd, const std::string& rel) {
    Fd fd = open_in_root(root_fd, rel, O_PATH | O_DIRECTORY);
    return static_cast<bool>(fd);
}

std::string lines(size_t n) { return std::to_string(n) + (n == 1 ? " line" : " lines"); }

// The live fstab, then the host's lines behind the note.
ScrubAction fstab_action(int root_fd) {
    const auto host = read_in_root(root_fd, "/etc/fstab");
    ScrubAction a{ScrubAction::Kind::write_file, "/etc/fstab", kLiveFstab, "host disks replaced by the live layout"};
    if (!host) return a;
    size_t swaps = 0;
    const CommentedOut c = comment_out(*host, [&](const std::string& line) {
        static const std::regex swap_field("^\\s*\\S+\\s+\\S+\\s+swap(\\s|$)");
        swaps += std::regex_search(line, swap_field);
        return true;
    });
    if (c.count == 0) return a;
    a.content += "#\n# The host's entries, kept for `remaster install`:\n" + c.text;
    a.reason += "; the host's " + lines(c.count) + " (" + std::to_string(swaps) +
                " swap) kept commented out: the live system must not wait for the host's disks";
    return a;
}

}  // namespace

CommentedOut comment_out(const std::string& text, const std::function<bool(const std::string&)>& pick) {
    CommentedOut out;
    size_t pos = 0;
    while (pos < text.size()) {
        const size_t nl = text.find('\n', pos);
        const bool last = nl == std::string::npos;
        const std::string line = text.substr(pos, last ? std::string::npos : nl - pos);
        if (is_active(line) && pick(line)) {
            out.text += kHostLineNote + line + "\n";
            ++out.count;
        } else {
            out.text += line + (last ? "" : "\n");
        }
        pos = last ? text.size() : nl + 1;
    }
    return out;
}

bool is_resume_assignment(const std::string& line) {
    static const std::regex re("^\\s*(export\\s+)?RESUME=");
    return std::regex_search(line, re);
}

bool mentions_resume(const std::string& line) {
    static const std::regex re("\\bresume(\\b|_offset)");
    return std::regex_search(line, re);
}

bool is_uswsusp_resume(const std::string& line) {
    static const std::regex re("^\\s*resume (device|offset)");
    return std::regex_search(line, re);
}

std::vector<ScrubAction> plan_host_disk_scrub(const std::string& root) {
    Fd root_fd = open_or_throw(root.c_str(), O_PATH | O_DIRECTORY);
    std::vector<ScrubAction> acts{fstab_action(root_fd.get())};
    auto neutralize = [&](const std::string& rel, const std::function<bool(const std::string&)>& pick,
                          const std::string& why) {
        const auto text = read_in_root(root_fd.get(), rel);
        if (!text) return;
        CommentedOut c = comment_out(*text, pick);
        if (c.count) acts.push_back({ScrubAction::Kind::write_file, rel, c.text, lines(c.count) + " commented out: " + why});
    };
    auto all = [](const std::string&) { return true; };
    neutralize("/etc/crypttab", all,
               "the live system must not wait for the host's encrypted disks nor ask for their passphrase");
    const std::string no_resume = "the live system must not wait for or resume from the host's swap";
    std::vector<std::string> initramfs_tools{"/etc/initramfs-tools/initramfs.conf"};
    for (const auto& f : names_in_root(root_fd.get(), "/etc/initramfs-tools/conf.d")) initramfs_tools.push_back(f);
    for (const auto& f : initramfs_tools) neutralize(f, is_resume_assignment, no_resume);
    std::vector<std::string> dracut{"/etc/dracut.conf"};
    for (const auto& f : names_in_root(root_fd.get(), "/etc/dracut.conf.d"))
        if (f.size() > 5 && f.compare(f.size() - 5, 5, ".conf") == 0) dracut.push_back(f);
    for (const auto& f : dracut) neutralize(f, mentions_resume, no_resume);
    neutralize("/etc/uswsusp.conf", is_uswsusp_resume, no_resume);
    if (is_dir_in_root(root_fd.get(), "/etc/systemd"))
        acts.push_back({ScrubAction::Kind::write_file, "/etc/systemd/sleep.conf.d/zz-remaster-live.conf",
                        kNoHibernateDropIn, "hibernation off: the live system has no swap and must not use the host's"});
    return acts;
}

}  // namespace remaster
