#include "source_device.hpp"

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <vector>

#include "kernel_files.hpp"

namespace remaster {
namespace {




// dm/name of an LVM volume is "VG-LV" with every '-' inside a name doubled.
std::string lvm_name(const std::string& dm_name) {
    std::string vg, lv;
    bool in_lv = false;
    for (size_t i = 0; i < dm_name.size(); ++i) {
        const char c = dm_name[i];
        if (c == '-' && i + 1 < dm_name.size() && dm_name[i + 1] == '-') {
            (in_lv ? lv : vg) += '-';
            ++i;
        } else if (c == '-' && !in_lv) {
            in_lv = true;
        } else {
            (in_lv ? lv : vg) += c;
        }
    }
    return in_lv ? vg + "/" + lv : dm_name;
}

// The device itself, without what it sits on. `dir`: its sysfs directory.
std::string describe_one(const std::string& dir, const std::string& name) {
    const std::string dm_uuid = first_line(dir + "/dm/uuid");
    const std::string dm_name = first_line(dir + "/dm/name");
    if (!dm_name.empty()) {
        const std::string mapper = "/dev/mapper/" + dm_name;
        if (dm_uuid.rfind("CRYPT-LUKS2-", 0) == 0) return "LUKS2, unlocked as " + mapper;
        if (dm_uuid.rfind("CRYPT-LUKS1-", 0) == 0) return "LUKS1, unlocked as " + mapper;
        if (dm_uuid.rfind("CRYPT-", 0) == 0) return "dm-crypt " + mapper;
        if (dm_uuid.rfind("LVM-", 0) == 0) return "LVM logical volume " + lvm_name(dm_name);
        return "device-mapper " + mapper;
    }
    const std::string level = first_line(dir + "/md/level");
    if (!level.empty()) return (level.rfind("raid", 0) == 0 ? "RAID" + level.substr(4) : level) + " /dev/" + name;
    const std::string backing = first_line(dir + "/loop/backing_file");
    if (!backing.empty()) return "loop device /dev/" + name + " backed by " + backing;
    if (path_exists(dir + "/partition")) return "partition /dev/" + name;
    return "disk /dev/" + name;
}

std::string describe_chain(const std::string& sys, const std::string& name, int depth) {
    const std::string dir = sys + "/class/block/" + name;
    std::string out = describe_one(dir, name);
    if (depth > 8) return out;  // a loop in a fake tree; real stacks are shallow
    std::string below;
    for (const auto& slave : dir_names(dir + "/slaves")) below += (below.empty() ? "" : " + ") + describe_chain(sys, slave, depth + 1);
    if (below.empty() && path_exists(dir + "/partition")) {
        // A partition's disk is its sysfs parent directory.
        char real[4096];
        const std::string link = sys + "/class/block/" + name;
        if (::realpath(link.c_str(), real)) {
            std::string parent(real);
            parent = parent.substr(0, parent.rfind('/'));
            below = "disk /dev/" + parent.substr(parent.rfind('/') + 1);
        }
    }
    return below.empty() ? out : out + ", on " + below;
}

}  // namespace

std::string describe_block_device(unsigned major, unsigned minor, const std::string& sys) {
    char real[4096];
    const std::string link = sys + "/dev/block/" + std::to_string(major) + ":" + std::to_string(minor);
    if (!::realpath(link.c_str(), real)) return "";
    std::string path(real);
    return describe_chain(sys, path.substr(path.rfind('/') + 1), 0);
}

std::string describe_source(const MountEntry& m, const std::string& sys) {
    std::string out = m.fstype.empty() ? "a filesystem" : m.fstype;
    if (m.fstype == "btrfs" && m.fs_root != "/" && !m.fs_root.empty()) out += " subvolume " + m.fs_root;
    out += " on " + m.source;
    // btrfs reports an anonymous device number: the device is named by source.
    unsigned maj = major(m.devno), min = minor(m.devno);
    struct stat st;
    if ((maj == 0) && !m.source.empty() && m.source[0] == '/' && ::stat(m.source.c_str(), &st) == 0 && S_ISBLK(st.st_mode)) {
        maj = major(st.st_rdev);
        min = minor(st.st_rdev);
    }
    if (maj == 0) return out;
    std::string chain = describe_block_device(maj, min, sys);
    // "ext4 on /dev/sda3 (disk /dev/sda)", not "(partition /dev/sda3, on disk /dev/sda)".
    for (const std::string kind : {"disk ", "partition "}) {
        const std::string self = kind + m.source;
        if (chain == self) chain.clear();
        else if (chain.rfind(self + ", on ", 0) == 0) chain = chain.substr(self.size() + 5);
    }
    return chain.empty() ? out : out + " (" + chain + ")";
}

}  // namespace remaster
