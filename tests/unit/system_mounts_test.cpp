#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>

#include "paths.hpp"
#include "system_mounts.hpp"
#include "temp_dir.hpp"

using namespace remaster;

namespace {
MountEntry m(std::string target, std::string fstype, std::string source = "/dev/sda1", std::string root = "/",
             bool pseudo = false, bool net = false) {
    return {std::move(target), std::move(source), std::move(fstype), std::move(root), pseudo, net};
}
bool has(const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); }
std::string reason(const ViewMounts& vm, const std::string& t) {
    for (auto& s : vm.skipped)
        if (s.target == t) return s.reason;
    return "";
}
}  // namespace

TEST_CASE("separate system filesystems are composed, the rest left out with a reason") {
    const std::vector<MountEntry> table = {
        m("/", "ext4", "/dev/sda2"),
        m("/proc", "proc", "proc", "/", true),
        m("/sys", "sysfs", "sysfs", "/", true),
        m("/boot", "ext4", "/dev/sda1"),
        m("/boot/efi", "vfat", "/dev/sda0"),
        m("/home", "btrfs", "/dev/sdb1", "/@home"),
        m("/var", "xfs", "/dev/sdc1"),
        m("/srv/share", "nfs4", "server:/x", "/", false, true),
        m("/media/ann/USB", "ext4", "/dev/sdd1"),
        m("/srv/data", "ext4", "/dev/sda2", "/data"),  // bind of a subtree
        m("/snap/core/1", "squashfs", "/dev/loop3"),
        m("/run/user/1000", "tmpfs", "tmpfs"),
        m("/home/ann/.cache/doc", "fuse.portal", "portal"),
        m("/run/remaster/123/view", "overlay", "remaster-view"),
    };
    const ViewMounts vm = plan_view_mounts("/", table, {"/run/remaster"});
    CHECK(vm.composed == std::vector<std::string>{"/boot", "/boot/efi", "/home", "/var"});
    CHECK(reason(vm, "/proc").find("kernel interface") != std::string::npos);
    CHECK(reason(vm, "/srv/share").find("network") != std::string::npos);
    CHECK(reason(vm, "/media/ann/USB").find("removable") != std::string::npos);
    CHECK(reason(vm, "/srv/data").find("bind mount") != std::string::npos);
    CHECK(reason(vm, "/snap/core/1").find("snapd") != std::string::npos);
    CHECK(reason(vm, "/home/ann/.cache/doc").find("fuse") != std::string::npos);
    // Our own mounts are not even listed.
    CHECK(reason(vm, "/run/remaster/123/view").empty());
}

TEST_CASE("snaps, containers and user FUSE mounts are left out saying why; their files stay") {
    const std::vector<MountEntry> table = {
        m("/", "ext4", "/dev/sda2"),
        m("/snap/firefox/4173", "squashfs", "/dev/loop5"),
        m("/var/lib/docker/overlay2/ab12/merged", "overlay", "overlay"),
        m("/var/lib/containers/storage/overlay/cd34/merged", "overlay", "overlay"),
        m("/home/ann/remote", "fuse.sshfs", "ann@host:"),
        m("/srv/disk", "ext4", "/dev/sdb1"),
        m("/opt/iso", "squashfs", "/dev/loop6"),
    };
    const ViewMounts vm = plan_view_mounts("/", table);
    // A disk mounted below the root outside /media and /mnt is the system's.
    CHECK(vm.composed == std::vector<std::string>{"/srv/disk"});
    CHECK(reason(vm, "/snap/firefox/4173").find("/var/lib/snapd/snaps, which is kept") != std::string::npos);
    CHECK(reason(vm, "/var/lib/docker/overlay2/ab12/merged").find("container") != std::string::npos);
    CHECK(reason(vm, "/var/lib/containers/storage/overlay/cd34/merged").find("container") != std::string::npos);
    CHECK(reason(vm, "/home/ann/remote").find("FUSE filesystem (fuse.sshfs)") != std::string::npos);
    CHECK(reason(vm, "/opt/iso").find("squashfs image") != std::string::npos);
}

TEST_CASE("a later mount on the same point hides the earlier one and what was below it") {
    const std::vector<MountEntry> table = {
        m("/", "ext4"), m("/data", "ext4", "/dev/sdb1"), m("/data/sub", "ext4", "/dev/sdc1"),
        m("/data", "tmpfs", "tmpfs")};
    const ViewMounts vm = plan_view_mounts("/", table);
    CHECK(vm.composed.empty());
    CHECK(reason(vm, "/data").find("tmpfs") != std::string::npos);
}

TEST_CASE("with --root only mounts below that directory count, relative to it") {
    const std::vector<MountEntry> table = {m("/", "ext4"), m("/home", "ext4", "/dev/sdb1"),
                                           m("/srv/root/boot", "ext4", "/dev/sdc1"),
                                           m("/srv/root/proc", "proc", "proc", "/", true)};
    const ViewMounts vm = plan_view_mounts("/srv/root", table);
    CHECK(vm.composed == std::vector<std::string>{"/boot"});
    CHECK_FALSE(reason(vm, "/proc").empty());
    CHECK(!has(vm.composed, "/home"));
}

TEST_CASE("path_below compares whole components") {
    CHECK(path_below("/a/b", "/a"));
    CHECK_FALSE(path_below("/ab", "/a"));
    CHECK_FALSE(path_below("/a", "/a"));
    CHECK(path_below("/a", "/a", true));
    CHECK(path_below("/x", "/"));
    CHECK_FALSE(path_below("/", "/"));
}

TEST_CASE("paths inside a root and back") {
    CHECK(in_root("/", "/etc/fstab") == "/etc/fstab");
    CHECK(in_root("/srv/r", "/etc/fstab") == "/srv/r/etc/fstab");
    CHECK(relative_to_root("/srv/r/etc", "/srv/r") == "/etc");
    CHECK(relative_to_root("/srv/r", "/srv/r") == "/");
    CHECK(relative_to_root("/etc", "/") == "/etc");
    CHECK(child_path("/", "a") == "/a");
    CHECK(child_path("/x", "a") == "/x/a");
    CHECK(parent_path("/x/a") == "/x");
    CHECK(parent_path("/x") == "/");
}

TEST_CASE("active_swaps reads /proc/swaps, undoing its escapes") {
    TempDir d;
    const std::string path = d.path + "/swaps";
    {
        std::ofstream f(path);
        f << "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n"
          << "/dev/dm-1                               partition\t999420\t\t0\t\t-2\n"
          << "/swap\\040file                          file\t\t1048572\t\t0\t\t-3\n"
          << "/end\\134                               file\t\t4\t\t0\t\t-4\n";
    }
    const auto swaps = active_swaps(path);
    REQUIRE(swaps.size() == 3);
    CHECK(swaps[0].name == "/dev/dm-1");
    CHECK(swaps[0].type == "partition");
    CHECK(swaps[1].name == "/swap file");
    CHECK(swaps[1].type == "file");
    CHECK(swaps[2].name == "/end\\");
    CHECK(active_swaps(d.path + "/missing").empty());
}
