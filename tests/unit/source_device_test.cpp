#include <catch2/catch.hpp>

#include <sys/sysmacros.h>

#include <filesystem>

#include "source_device.hpp"
#include "temp_dir.hpp"

using namespace remaster;

namespace {

// A fake sysfs: devices under devices/..., class/block/NAME and
// dev/block/MAJ:MIN as symlinks to them, as the kernel lays them out.
struct FakeSys {
    TempDir dir{"remaster-srcdev"};
    // args: name, major, minor, parent disk ("" for a virtual device: dm, md, loop)
    std::string block(const std::string& name, unsigned maj, unsigned min, const std::string& parent = "") {
        const std::string real = parent.empty() ? "devices/virtual/block/" + name : "devices/pci/block/" + parent + "/" + name;
        if (!parent.empty()) dir.file(real + "/partition", "1\n");
        return node(real, name, maj, min);
    }
    std::string disk(const std::string& name, unsigned maj, unsigned min) {
        return node("devices/pci/block/" + name, name, maj, min);
    }
    // The device's directory, and class/block/NAME and dev/block/MAJ:MIN pointing at it.
    std::string node(const std::string& real, const std::string& name, unsigned maj, unsigned min) {
        const std::string number = std::to_string(maj) + ":" + std::to_string(min);
        dir.file(real + "/dev", number + "\n");
        std::filesystem::create_directories(dir / "class/block");
        std::filesystem::create_directories(dir / "dev/block");
        std::filesystem::create_directory_symlink(dir / real, dir / ("class/block/" + name));
        std::filesystem::create_directory_symlink(dir / real, dir / ("dev/block/" + number));
        return real;
    }
    void dm(const std::string& real, const std::string& name, const std::string& uuid, const std::string& slave) {
        dir.file(real + "/dm/name", name + "\n");
        dir.file(real + "/dm/uuid", uuid + "\n");
        std::filesystem::create_directories(dir / (real + "/slaves"));
        dir.file(real + "/slaves/" + slave, "");
    }
    MountEntry mount(const std::string& source, const std::string& fstype, unsigned maj, unsigned min,
                     const std::string& fs_root = "/") {
        MountEntry m;
        m.source = source;
        m.fstype = fstype;
        m.fs_root = fs_root;
        m.devno = makedev(maj, min);
        return m;
    }
};

}  // namespace

TEST_CASE("a workstation's filesystems are described down to the disk", "[source]") {
    FakeSys f;
    f.disk("vda", 252, 0);
    f.block("vda1", 252, 1, "vda");
    f.block("vda2", 252, 2, "vda");
    const auto root = f.block("dm-0", 253, 0);
    f.dm(root, "vg--main-root", "LVM-abcdefabcdef", "vda2");
    const auto home_lv = f.block("dm-1", 253, 1);
    f.dm(home_lv, "vg--main-home", "LVM-abcdef012345", "vda2");
    const auto home = f.block("dm-2", 253, 2);
    f.dm(home, "home", "CRYPT-LUKS2-0123456789abcdef-home", "dm-1");

    SECTION("/ on an LVM logical volume (dashes in the VG name undone)") {
        CHECK(describe_source(f.mount("/dev/mapper/vg--main-root", "ext4", 253, 0), f.dir.path) ==
              "ext4 on /dev/mapper/vg--main-root (LVM logical volume vg-main/root, on partition /dev/vda2, on disk /dev/vda)");
    }
    SECTION("/home on LUKS on LVM: unlocked, so its files go in") {
        CHECK(describe_source(f.mount("/dev/mapper/home", "ext4", 253, 2), f.dir.path) ==
              "ext4 on /dev/mapper/home (LUKS2, unlocked as /dev/mapper/home, on LVM logical volume vg-main/home, on "
              "partition /dev/vda2, on disk /dev/vda)");
    }
    SECTION("/boot on a plain partition: only its disk is added") {
        CHECK(describe_source(f.mount("/dev/vda1", "ext4", 252, 1), f.dir.path) == "ext4 on /dev/vda1 (disk /dev/vda)");
    }
    SECTION("a btrfs subvolume names itself; its anonymous device number says nothing") {
        CHECK(describe_source(f.mount("/dev/vda2", "btrfs", 0, 31, "/@home"), f.dir.path) ==
              "btrfs subvolume /@home on /dev/vda2");
    }
}

TEST_CASE("RAID, loop and unknown devices", "[source]") {
    FakeSys f;
    f.disk("sda", 8, 0);
    f.block("sda1", 8, 1, "sda");
    f.disk("sdb", 8, 16);
    f.block("sdb1", 8, 17, "sdb");
    const auto md = f.block("md0", 9, 0);
    f.dir.file(md + "/md/level", "raid1\n");
    f.dir.file(md + "/slaves/sda1", "");
    f.dir.file(md + "/slaves/sdb1", "");
    CHECK(describe_block_device(9, 0, f.dir.path) ==
          "RAID1 /dev/md0, on partition /dev/sda1, on disk /dev/sda + partition /dev/sdb1, on disk /dev/sdb");
    const auto loop = f.block("loop3", 7, 3);
    f.dir.file(loop + "/loop/backing_file", "/var/lib/images/root.img\n");
    CHECK(describe_block_device(7, 3, f.dir.path) == "loop device /dev/loop3 backed by /var/lib/images/root.img");
    CHECK(describe_block_device(1, 99, f.dir.path).empty());
    CHECK(describe_source(f.mount("/dev/nowhere", "xfs", 1, 99), f.dir.path) == "xfs on /dev/nowhere");
}
