#include <catch2/catch.hpp>

#include <sys/sysmacros.h>

#include <algorithm>
#include <filesystem>
#include <map>

#include "device_use.hpp"
#include "temp_dir.hpp"

using namespace remaster;

namespace {

// A fake machine: a sysfs tree in a temp dir, device nodes and files as a
// map for stat, and the mount table and swap list the walk is given.
struct FakeSystem {
    TempDir dir{"remaster-devuse"};
    std::map<std::string, struct stat> nodes;
    DeviceSystem sys;

    FakeSystem() {
        sys.sys = dir.path;
        sys.stat = [this](const std::string& p, struct stat& st) {
            auto it = nodes.find(p);
            if (it == nodes.end()) return false;
            st = it->second;
            return true;
        };
    }
    // args: name, major, minor, parent disk ("" for a whole disk)
    void block(const std::string& name, unsigned maj, unsigned min, const std::string& parent = "") {
        const std::string base = "class/block/" + (parent.empty() ? name : parent + "/" + name);
        dir.file(base + "/dev", std::to_string(maj) + ":" + std::to_string(min) + "\n");
        std::filesystem::create_directories(dir / (base + "/holders"));
        if (!parent.empty()) {
            dir.file(base + "/partition", "1\n");
            std::filesystem::create_directory_symlink(dir / base, dir / ("class/block/" + name));
        }
        node("/dev/" + name, makedev(maj, min));
    }
    void node(const std::string& path, dev_t rdev) {
        struct stat st {};
        st.st_mode = S_IFBLK | 0660;
        st.st_rdev = rdev;
        nodes[path] = st;
    }
    void file(const std::string& path, dev_t dev, ino_t ino) {
        struct stat st {};
        st.st_mode = S_IFREG | 0644;
        st.st_dev = dev;
        st.st_ino = ino;
        nodes[path] = st;
    }
    void backing(const std::string& loop, const std::string& file) { dir.file("class/block/" + loop + "/loop/backing_file", file + "\n"); }
    void holder(const std::string& dev, const std::string& holder) { dir.file("class/block/" + dev + "/holders/" + holder); }
    void mount(const std::string& source, const std::string& target, bool ro = false, dev_t devno = 0) {
        MountEntry m;
        m.source = source;
        m.target = target;
        m.fstype = "ext4";
        m.fs_root = "/";
        m.devno = devno;
        m.read_only = ro;
        sys.mounts.push_back(m);
    }
};

bool has(const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); }

}  // namespace

TEST_CASE("a loop device backed by a partition of the target is followed to its mount") {
    FakeSystem f;
    f.block("loop3", 7, 3);
    f.block("loop3p1", 259, 0, "loop3");
    f.block("loop3p2", 259, 1, "loop3");
    f.block("loop7", 7, 7);
    f.backing("loop7", "/dev/loop3p2");
    f.block("sda", 8, 0);
    f.mount("/dev/loop7", "/mnt/x");
    f.mount("/dev/sda", "/");
    const auto uses = device_uses("/dev/loop3", f.sys);
    CHECK(uses == std::vector<std::string>{"'/dev/loop7' (backed by /dev/loop3p2) is mounted on /mnt/x"});
    // Given a partition, the whole disk is walked.
    CHECK(device_uses("/dev/loop3p1", f.sys) == uses);
    CHECK(device_uses("/dev/sda", f.sys) == std::vector<std::string>{"'/dev/sda' is mounted on /"});
}

TEST_CASE("loops on loops, partitions of them and mounts by UUID are followed") {
    FakeSystem f;
    f.block("loop1", 7, 1);
    f.block("loop2", 7, 2);
    f.backing("loop2", "/dev/loop1");
    f.block("loop4", 7, 4);
    f.backing("loop4", "/dev/loop2 (deleted)");
    f.block("loop4p1", 259, 5, "loop4");
    f.node("/dev/disk/by-uuid/abcd", makedev(259, 5));
    f.mount("UUID=abcd", "/srv/deep");
    f.mount("/dev/whatever", "/srv/by-number", false, makedev(7, 2));  // mountinfo's number wins
    const auto uses = device_uses("/dev/loop1", f.sys);
    CHECK(has(uses, "'/dev/loop4p1' (partition of /dev/loop4, backed by /dev/loop2, backed by /dev/loop1) "
                    "is mounted on /srv/deep"));
    CHECK(has(uses, "'/dev/loop2' (backed by /dev/loop1) is mounted on /srv/by-number"));
    CHECK(uses.size() == 2);
}

TEST_CASE("holders are uses, and what is built on them is walked") {
    FakeSystem f;
    f.block("sdb", 8, 16);
    f.block("sdb1", 8, 17, "sdb");
    f.block("dm-0", 253, 0);
    f.holder("sdb/sdb1", "dm-0");
    f.mount("/dev/mapper/vg-home", "/home", false, makedev(253, 0));
    const auto uses = device_uses("/dev/sdb", f.sys);
    CHECK(has(uses, "'/dev/sdb1' is held by dm-0 (LVM, RAID or device-mapper)"));
    CHECK(has(uses, "'/dev/dm-0' (built on /dev/sdb1) is mounted on /home"));
}

TEST_CASE("swap on a device reached, and swap files on a filesystem mounted from one") {
    FakeSystem f;
    f.block("loop3", 7, 3);
    f.block("loop3p1", 259, 0, "loop3");
    f.block("loop3p2", 259, 1, "loop3");
    f.mount("/dev/loop3p2", "/mnt/data");
    f.file("/mnt/data/swapfile", makedev(259, 1), 12);
    f.sys.swaps = {"/dev/loop3p1", "/mnt/data/swapfile"};
    const auto uses = device_uses("/dev/loop3", f.sys);
    CHECK(has(uses, "'/dev/loop3p1' is active swap"));
    CHECK(has(uses, "the active swap file '/mnt/data/swapfile' lies on '/dev/loop3p2', mounted on /mnt/data"));
    CHECK(has(uses, "'/dev/loop3p2' is mounted on /mnt/data"));
}

TEST_CASE("an image file attached to a loop device is walked through it") {
    FakeSystem f;
    f.file("/srv/stick.img", makedev(8, 2), 42);
    f.file("/srv/other.img", makedev(8, 2), 43);
    f.file("/srv/link-to-stick.img", makedev(8, 2), 42);  // another name of the same file
    f.block("loop5", 7, 5);
    f.backing("loop5", "/srv/link-to-stick.img");
    f.block("loop5p3", 259, 9, "loop5");
    f.mount("/dev/loop5p3", "/mnt/ro", true);
    SECTION("a writer refuses any mount") {
        CHECK(device_uses("/srv/stick.img", f.sys) ==
              std::vector<std::string>{"'/dev/loop5p3' (partition of /dev/loop5, attached to /srv/stick.img) is mounted on /mnt/ro"});
    }
    SECTION("a reader only read-write ones") {
        CHECK(device_uses("/srv/stick.img", f.sys, UseFilter::writable_mounts).empty());
        f.mount("/dev/loop5p3", "/mnt/rw");
        CHECK(device_uses("/srv/stick.img", f.sys, UseFilter::writable_mounts).size() == 1);
    }
    SECTION("another image is not in use, nor one that does not exist") {
        CHECK(device_uses("/srv/other.img", f.sys).empty());
        CHECK(device_uses("/srv/none.img", f.sys).empty());
    }
    SECTION("an image that is an active swap file") {
        f.sys.swaps = {"/srv/stick.img"};
        CHECK(has(device_uses("/srv/stick.img", f.sys), "'/srv/stick.img' is an active swap file"));
    }
}

TEST_CASE("a cycle of loop devices ends") {
    FakeSystem f;
    f.block("loop1", 7, 1);
    f.block("loop2", 7, 2);
    f.backing("loop1", "/dev/loop2");
    f.backing("loop2", "/dev/loop1");
    f.mount("/dev/loop2", "/mnt");
    CHECK(device_uses("/dev/loop1", f.sys) == std::vector<std::string>{"'/dev/loop2' (backed by /dev/loop1) is mounted on /mnt"});
}
