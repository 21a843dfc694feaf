#include "device_use.hpp"

#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <set>
#include <sstream>

#include "kernel_files.hpp"

namespace remaster {
namespace {

// One block device as sysfs shows it.
struct BlockDev {
    std::string name;  // "loop3p2"
    dev_t dev = 0;
    bool partition = false;
    std::vector<std::string> partitions;  // names, for a whole disk
    std::vector<std::string> holders;     // dm/md names built on it
    std::string backing;                  // a loop device's backing file or device
};




// Every block device of sys/class/block, by device number.
std::map<dev_t, BlockDev> read_block_devices(const std::string& sys) {
    std::map<dev_t, BlockDev> out;
    const std::string cls = sys + "/class/block/";
    for (const auto& name : dir_names(cls)) {
        const std::string dir = cls + name;
        BlockDev b;
        b.name = name;
        unsigned maj = 0, min = 0;
        char colon = 0;
        std::istringstream dev(first_line(dir + "/dev"));
        if (!(dev >> maj >> colon >> min) || colon != ':') continue;
        b.dev = makedev(maj, min);
        b.partition = path_exists(dir + "/partition");
        for (const auto& e : dir_names(dir))
            if (path_exists(dir + "/" + e + "/partition")) b.partitions.push_back(e);
        b.holders = dir_names(dir + "/holders");
        b.backing = first_line(dir + "/loop/backing_file");
        const std::string deleted = " (deleted)";
        if (b.backing.size() > deleted.size() &&
            b.backing.compare(b.backing.size() - deleted.size(), deleted.size(), deleted) == 0)
            b.backing.resize(b.backing.size() - deleted.size());
        out.emplace(b.dev, std::move(b));
    }
    return out;
}

// A device reached by the walk, and how: "backed by /dev/loop3p2".
struct Reached {
    std::string name;
    std::string how;
    std::string describe() const { return "'/dev/" + name + "'" + (how.empty() ? "" : " (" + how + ")"); }
};

std::string joined(const std::string& step, const std::string& rest) { return rest.empty() ? step : step + ", " + rest; }

class Walk {
public:
    Walk(const DeviceSystem& sys, UseFilter filter) : sys_(sys), filter_(filter), devs_(read_block_devices(sys.sys)) {}

    // The whole disk of a block device number (itself when it is one).
    dev_t whole_disk(dev_t dev) const {
        for (const auto& [d, b] : devs_)
            if (std::find(b.partitions.begin(), b.partitions.end(), name_of(dev)) != b.partitions.end()) return d;
        return dev;
    }

    void from_device(dev_t dev) { reach(dev, ""); }

    // Loop devices attached to the image file `st` (matched by dev+ino, not by name).
    void from_image(const std::string& path, const struct stat& st) {
        for (const auto& [d, b] : devs_) {
            struct stat bs;
            if (!b.backing.empty() && sys_.stat(b.backing, bs) && S_ISREG(bs.st_mode) && bs.st_dev == st.st_dev &&
                bs.st_ino == st.st_ino)
                reach(d, "attached to " + path);
        }
    }

    // Mounts and swap on whatever was reached; holders were noted on the way.
    std::vector<std::string> uses() {
        for (const auto& m : sys_.mounts) {
            if (filter_ == UseFilter::writable_mounts && m.read_only) continue;
            if (const Reached* r = reached(mount_device(m)))
                uses_.push_back(r->describe() + " is mounted on " + m.target);
        }
        for (const auto& s : sys_.swaps) {
            struct stat st;
            if (!sys_.stat(s, st)) continue;
            if (S_ISBLK(st.st_mode)) {
                if (const Reached* r = reached(st.st_rdev)) uses_.push_back(r->describe() + " is active swap");
            } else if (const MountEntry* m = mount_containing(sys_.mounts, s)) {
                // A swap file counts through the filesystem it lies on.
                if (const Reached* r = reached(mount_device(*m)))
                    uses_.push_back("the active swap file '" + s + "' lies on " + r->describe() + ", mounted on " +
                                    m->target);
            }
        }
        return uses_;
    }

private:
    std::string name_of(dev_t dev) const {
        auto it = devs_.find(dev);
        return it == devs_.end() ? "" : it->second.name;
    }

    const Reached* reached(dev_t dev) const {
        auto it = reached_.find(dev);
        return dev == 0 || it == reached_.end() ? nullptr : &it->second;
    }

    void reach(dev_t dev, const std::string& how) {
        auto it = devs_.find(dev);
        if (it == devs_.end() || reached_.count(dev)) return;  // unknown, or met before (a cycle)
        const BlockDev& b = it->second;
        const Reached& r = reached_.emplace(dev, Reached{b.name, how}).first->second;
        const std::string here = "/dev/" + b.name;
        for (const auto& p : b.partitions) reach(device_named(p), how.empty() ? "" : joined("partition of " + here, how));
        for (const auto& h : b.holders) {
            uses_.push_back(r.describe() + " is held by " + h + " (LVM, RAID or device-mapper)");
            reach(device_named(h), joined("built on " + here, how));
        }
        // Loop devices record their backing device only in loop/backing_file, not in holders/.
        for (const auto& [d, l] : devs_) {
            struct stat st;
            if (!l.backing.empty() && sys_.stat(l.backing, st) && S_ISBLK(st.st_mode) && st.st_rdev == dev)
                reach(d, joined("backed by " + here, how));
        }
    }

    dev_t device_named(const std::string& name) const {
        for (const auto& [d, b] : devs_)
            if (b.name == name) return d;
        return 0;
    }

    // The device a mount's filesystem lives on: mountinfo's number, or its
    // source resolved (/dev/disk/by-*, UUID=, LABEL=) when that is anonymous.
    dev_t mount_device(const MountEntry& m) const {
        if (m.devno && major(m.devno) != 0 && devs_.count(m.devno)) return m.devno;
        std::string source = m.source;
        for (const auto& [tag, dir] : {std::pair<const char*, const char*>{"UUID=", "by-uuid"},
                                       {"LABEL=", "by-label"},
                                       {"PARTUUID=", "by-partuuid"},
                                       {"PARTLABEL=", "by-partlabel"}})
            if (source.rfind(tag, 0) == 0) source = std::string("/dev/disk/") + dir + "/" + source.substr(std::strlen(tag));
        struct stat st;
        if (source.empty() || source[0] != '/' || !sys_.stat(source, st) || !S_ISBLK(st.st_mode)) return 0;
        return st.st_rdev;
    }

    const DeviceSystem& sys_;
    UseFilter filter_;
    std::map<dev_t, BlockDev> devs_;
    std::map<dev_t, Reached> reached_;
    std::vector<std::string> uses_;
};

// The mounts of mount namespaces other than ours, one process each, with
// the namespace named in the mount point: "/mnt (in the mount namespace of
// process 123 (sshd))".
// Copies of our own mounts there (a service's private /tmp namespace holds
// all of the host's) are left out.
std::vector<MountEntry> other_namespace_mounts(const std::vector<MountEntry>& ours) {
    std::vector<MountEntry> out;
    std::set<std::pair<unsigned long, std::string>> known;
    for (const auto& m : ours) known.emplace(m.devno, m.target);
    char own[64] = {};
    if (::readlink("/proc/self/ns/mnt", own, sizeof own - 1) < 0) return out;
    std::set<std::string> seen = {own};
    for (const auto& pid : dir_names("/proc")) {
        if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
        char ns[64] = {};
        if (::readlink(("/proc/" + pid + "/ns/mnt").c_str(), ns, sizeof ns - 1) < 0 || !seen.insert(ns).second) continue;
        try {
            const std::string who = " (in the mount namespace of process " + pid + " (" +
                                    first_line("/proc/" + pid + "/comm") + "))";
            for (auto& m : read_mount_table("/proc/" + pid + "/mountinfo")) {
                if (!known.emplace(m.devno, m.target).second) continue;
                m.target += who;
                out.push_back(std::move(m));
            }
        } catch (const std::exception&) {
            // The process ended while we looked: its namespace may be gone with it.
        }
    }
    return out;
}

}  // namespace

DeviceSystem live_device_system(const std::vector<MountEntry>& mounts) {
    DeviceSystem s;
    s.mounts = mounts;
    for (auto& m : other_namespace_mounts(mounts)) s.mounts.push_back(std::move(m));
    for (auto& swap : active_swaps()) s.swaps.push_back(std::move(swap.name));
    s.stat = [](const std::string& path, struct stat& st) { return ::stat(path.c_str(), &st) == 0; };
    return s;
}

std::vector<std::string> device_uses(const std::string& target, const DeviceSystem& sys, UseFilter filter) {
    struct stat st;
    if (!sys.stat(target, st)) return {};
    Walk walk(sys, filter);
    if (S_ISBLK(st.st_mode)) {
        walk.from_device(walk.whole_disk(st.st_rdev));
    } else if (S_ISREG(st.st_mode)) {
        walk.from_image(target, st);
        std::vector<std::string> uses = walk.uses();
        for (const auto& s : sys.swaps) {
            struct stat ss;
            if (sys.stat(s, ss) && S_ISREG(ss.st_mode) && ss.st_dev == st.st_dev && ss.st_ino == st.st_ino)
                uses.push_back("'" + target + "' is an active swap file");
        }
        return uses;
    }
    return walk.uses();
}

}  // namespace remaster
