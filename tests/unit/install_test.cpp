#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "adapter.hpp"
#include "install_disk.hpp"
#include "installed_system.hpp"
#include "live_system.hpp"
#include "tree_copy.hpp"
#include "temp_dir.hpp"

using namespace remaster;

namespace {

std::unique_ptr<Adapter> adapter_for(const std::string& os_release) {
    return choose_adapter(parse_os_release(os_release)).adapter;
}

InstalledDisk disk() { return {"/dev/loop7", "/dev/loop7p2", "/dev/loop7p3", "0a1b2c3d-0000-4000-8000-000000000001", "ABCD-1234"}; }

}  // namespace

TEST_CASE("install layout: BIOS boot, ESP, and a root never taken for a stick") {
    const auto layout = install_layout();
    REQUIRE(layout.size() == 3);
    CHECK(layout[0].type_guid == "21686148-6449-6E6F-744E-656564454649");
    CHECK(layout[1].type_guid == "C12A7328-F81F-11D2-BA4B-00A0C93EC93B");
    CHECK(layout[kInstallRootPartition - 1].name == "root");
    CHECK(layout[kInstallRootPartition - 1].size == 0);
    CHECK(install_disk_size_for(1ull << 30) > (1ull << 30) + (64ull << 20));
}

TEST_CASE("installed fstab names / and the ESP by UUID") {
    const std::string f = installed_fstab(disk());
    CHECK(f.find("UUID=0a1b2c3d-0000-4000-8000-000000000001\t/\text4") != std::string::npos);
    CHECK(f.find("UUID=ABCD-1234\t/boot/efi\tvfat") != std::string::npos);
    CHECK(f.find("remaster") == f.find("remaster install"));  // only the comment names us
}

TEST_CASE("format commands give the ESP its volume id and the root its UUID") {
    const auto cmds = install_format_commands("/dev/x2", "/dev/x3", "ABCD-1234", "u-u-i-d");
    REQUIRE(cmds.size() == 2);
    CHECK(cmds[0].argv == std::vector<std::string>{"mkfs.fat", "-F", "32", "-s", "1", "-i", "ABCD1234", "-n", "EFI", "/dev/x2"});
    CHECK(cmds[1].argv.back() == "/dev/x3");
    CHECK(std::find(cmds[1].argv.begin(), cmds[1].argv.end(), "u-u-i-d") != cmds[1].argv.end());
}

TEST_CASE("Debian boot setup: dracut to initrd.img-KVER, then update-grub, all in the chroot") {
    TempDir root("remaster-install");
    root.file("/usr/bin/dracut", "", 0755);
    root.file("/usr/sbin/update-grub", "", 0755);
    const auto a = adapter_for("ID=debian\n");
    const auto cmds = installed_boot_setup(root.path, *a, {{"6.1.0-9-amd64", "/boot/vmlinuz-6.1.0-9-amd64"}}, false);
    REQUIRE(cmds.size() == 2);
    CHECK(cmds[0].argv == std::vector<std::string>{"dracut", "--force", "--quiet", "--no-hostonly",
                                                   "/boot/initrd.img-6.1.0-9-amd64", "6.1.0-9-amd64"});
    CHECK(cmds[1].argv == std::vector<std::string>{"update-grub"});
    for (const auto& c : cmds) CHECK(c.chroot == root.path);
    const auto host = installed_boot_setup(root.path, *a, {{"6.1.0-9-amd64", "/boot/vmlinuz-6.1.0-9-amd64"}}, true);
    CHECK(host[0].argv[3] == "--hostonly");
}

TEST_CASE("Fedora writes GRUB's config to /boot/grub2; Arch runs mkinitcpio once for all kernels") {
    TempDir root("remaster-install");
    const auto fedora = adapter_for("ID=fedora\n");
    const auto f = installed_boot_setup(root.path, *fedora, {{"6.5.0-1.fc39.x86_64", "/boot/vmlinuz-6.5.0-1.fc39.x86_64"}}, true);
    CHECK(f.back().argv == std::vector<std::string>{"grub2-mkconfig", "-o", "/boot/grub2/grub.cfg"});
    root.file("/usr/bin/mkinitcpio", "", 0755);
    const auto arch = adapter_for("ID=arch\n");
    const auto a = installed_boot_setup(root.path, *arch, {{"6.6.1-arch1-1", "/boot/vmlinuz-linux"}, {"6.1.60-1-lts", "/boot/vmlinuz-linux-lts"}}, true);
    REQUIRE(a.size() == 2);
    CHECK(a[0].argv == std::vector<std::string>{"mkinitcpio", "-P"});
}

TEST_CASE("the boot loader goes on last: BIOS grub-install, then the removable EFI path by mtools") {
    TempDir root("remaster-install");
    const auto a = adapter_for("ID=debian\n");
    const auto cmds = installed_boot_loader(root.path, *a, disk());
    REQUIRE(cmds.size() == 5);
    CHECK(cmds[0].argv == std::vector<std::string>{"grub-install", "--target=i386-pc", "--boot-directory=/boot", "/dev/loop7"});
    CHECK(cmds[2].argv[0] == "grub-mkimage");
    CHECK(cmds.back().argv.back() == "::/EFI/BOOT/BOOTX64.EFI");
    CHECK(cmds.back().chroot.empty());  // mtools runs here, on the unmounted ESP
    CHECK(installed_early_config(*a, "u1") == "search --no-floppy --fs-uuid --set=root u1\nset prefix=($root)/boot/grub\n");
}

TEST_CASE("install inside a live system: the kernel command line says whether this is one, and which snapshot") {
    CHECK_FALSE(parse_live_boot("BOOT_IMAGE=/boot/vmlinuz root=UUID=1234 ro quiet"));
    CHECK_FALSE(parse_live_boot("root=remaster rd.remaster.uuid=abcd"));  // no snapshot dir
    CHECK_FALSE(parse_live_boot("rd.remaster.dir=/remaster/20261124-233000 root=/dev/sda1"));
    const auto b = parse_live_boot("root=remaster rd.remaster.uuid=abcd rd.remaster.dir=/remaster/20261124-233000 "
                                   "rd.remaster.layers=/remaster/20261120-100000,/remaster/20261101-090000 console=ttyS0\n");
    REQUIRE(b);
    CHECK(b->snapshot == "20261124-233000");
    CHECK(b->layers == std::vector<std::string>{"20261120-100000", "20261101-090000"});
    // The last value wins, as dracut's getarg reads it.
    const auto last = parse_live_boot("root=/dev/sda1 rd.remaster.dir=/remaster/1 root=remaster rd.remaster.dir=/remaster/2");
    REQUIRE(last);
    CHECK(last->snapshot == "2");
    CHECK(last->layers.empty());
}

TEST_CASE("install --pristine: the layers base first, from RAM when copied there, else from the medium") {
    LiveBoot b{"20261124-233000", {"20261120-100000", "20261101-090000"}};
    const auto mount = [](const std::string& target) {
        MountEntry m;
        m.target = target;
        return m;
    };
    Problems problems;
    const auto from_medium = live_layer_images(b, {mount("/"), mount("/run/remaster/medium")}, problems, "/run/remaster");
    CHECK(from_medium == std::vector<std::string>{"/run/remaster/medium/remaster/20261101-090000/filesystem.squashfs",
                                                  "/run/remaster/medium/remaster/20261120-100000/filesystem.squashfs",
                                                  "/run/remaster/medium/remaster/20261124-233000/filesystem.squashfs"});
    const auto from_ram = live_layer_images(b, {mount("/"), mount("/run/remaster/ram")}, problems, "/run/remaster");
    CHECK(from_ram == std::vector<std::string>{"/run/remaster/ram/2.squashfs", "/run/remaster/ram/1.squashfs",
                                               "/run/remaster/ram/filesystem.squashfs"});
    CHECK(problems.empty());
    CHECK(live_layer_images(b, {mount("/")}, problems, "/run/remaster").empty());
    REQUIRE(problems.list().size() == 1);
    CHECK(problems.list()[0].find("/run/remaster/medium") != std::string::npos);
}

TEST_CASE("install inside a live system: the kernel's and the session's directories come out empty") {
    const auto& d = live_only_dirs();
    for (const char* name : {"proc", "sys", "dev", "run", "tmp"})
        CHECK(std::find(d.begin(), d.end(), name) != d.end());
}

TEST_CASE("a live root copied: the emptied directories keep their mode, lose their contents") {
    TempDir src("remaster-live-src"), dest("remaster-live-dest");
    src.file("/tmp/session-scratch", "x");
    src.file("/etc/hostname", "live\n");
    src.file("/root/session-file", "kept\n");
    REQUIRE(::chmod((src / "tmp").c_str(), 01777) == 0);
    const auto need = measure_tree(src.path, {"tmp"});
    const auto got = copy_tree(src.path, dest.path, true, {"tmp"});
    CHECK(got.inodes == need.inodes);
    struct stat st;
    REQUIRE(::stat((dest / "tmp").c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 01777);
    CHECK(::access((dest / "tmp/session-scratch").c_str(), F_OK) != 0);
    CHECK(::access((dest / "root/session-file").c_str(), F_OK) == 0);
    CHECK(::access((dest / "etc/hostname").c_str(), F_OK) == 0);
}
