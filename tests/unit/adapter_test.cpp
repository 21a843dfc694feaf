#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "adapter.hpp"
#include "error.hpp"
#include "temp_dir.hpp"

using namespace remaster;
namespace fs = std::filesystem;

namespace {

struct TempRoot : TempDir {
    TempRoot() : TempDir("remaster-adapter") {}
    std::string str() const { return path; }
    // A modules tree that module_versions() accepts.
    void modules(const std::string& kver, const std::string& pkgbase = "") {
        file("/usr/lib/modules/" + kver + "/modules.dep");
        if (!pkgbase.empty()) file("/usr/lib/modules/" + kver + "/pkgbase", pkgbase + "\n");
    }
};

// The first bytes of a bzImage, enough for its setup header to name `version`.
std::string fake_bzimage(const std::string& version) {
    const unsigned ptr = 0x300;  // the version string sits at ptr + 0x200
    std::string img(0x200 + ptr, '\0');
    img.replace(0x202, 4, "HdrS");
    img[0x20E] = static_cast<char>(ptr & 0xff);
    img[0x20F] = static_cast<char>(ptr >> 8);
    return img + version + " (builder@archlinux) #1 SMP PREEMPT_DYNAMIC" + std::string(1, '\0') + "tail";
}

AdapterChoice choose(const std::string& os_release) { return choose_adapter(parse_os_release(os_release)); }

std::vector<std::pair<std::string, std::string>> listing(const std::vector<Kernel>& ks) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& k : ks) out.emplace_back(k.version, k.image);
    return out;
}

using Listing = std::vector<std::pair<std::string, std::string>>;

}  // namespace

// --- choosing the adapter -------------------------------------------------------

TEST_CASE("each family and derivative gets its adapter, by ID or ID_LIKE") {
    struct Case {
        const char* distro;
        const char* os_release;
        const char* family;
        const char* why;
    };
    const std::vector<Case> cases = {
        {"Debian", "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\n", "debian", "ID=debian"},
        {"Ubuntu", "NAME=\"Ubuntu\"\nID=ubuntu\nID_LIKE=debian\nPRETTY_NAME=\"Ubuntu 22.04.3 LTS\"\n", "debian",
         "ID=ubuntu, a derivative of debian"},
        {"Linux Mint", "NAME=\"Linux Mint\"\nID=linuxmint\nID_LIKE=\"ubuntu debian\"\n", "debian",
         "ID=linuxmint, a derivative of debian"},
        {"Pop!_OS", "NAME=\"Pop!_OS\"\nID=pop\nID_LIKE=\"ubuntu debian\"\n", "debian", "ID=pop, a derivative of debian"},
        {"Arch", "NAME=\"Arch Linux\"\nPRETTY_NAME=\"Arch Linux\"\nID=arch\nBUILD_ID=rolling\n", "arch", "ID=arch"},
        {"Manjaro", "NAME=\"Manjaro Linux\"\nID=manjaro\nID_LIKE=arch\n", "arch", "ID=manjaro, a derivative of arch"},
        {"EndeavourOS", "NAME='EndeavourOS'\nPRETTY_NAME='EndeavourOS'\nID='endeavouros'\nID_LIKE='arch'\n", "arch",
         "ID=endeavouros, a derivative of arch"},
        {"Fedora", "NAME=\"Fedora Linux\"\nVERSION=\"39 (Workstation Edition)\"\nID=fedora\nVERSION_ID=39\n",
         "fedora", "ID=fedora"},
        {"RHEL", "NAME=\"Red Hat Enterprise Linux\"\nID=\"rhel\"\nID_LIKE=\"fedora\"\nVERSION_ID=\"9.3\"\n", "fedora",
         "ID=rhel, a derivative of fedora"},
        {"Rocky", "NAME=\"Rocky Linux\"\nID=\"rocky\"\nID_LIKE=\"rhel centos fedora\"\n", "fedora",
         "ID=rocky, a derivative of fedora"},
        {"AlmaLinux", "NAME=\"AlmaLinux\"\nID=\"almalinux\"\nID_LIKE=\"rhel centos fedora\"\n", "fedora",
         "ID=almalinux, a derivative of fedora"},
        {"CentOS Stream", "NAME=\"CentOS Stream\"\nID=\"centos\"\nID_LIKE=\"rhel fedora\"\n", "fedora",
         "ID=centos, a derivative of fedora"},
    };
    for (const auto& c : cases) {
        INFO(c.distro);
        const AdapterChoice a = choose(c.os_release);
        REQUIRE(a.adapter);
        CHECK(a.adapter->family() == c.family);
        CHECK(a.why == c.why);
    }
}

TEST_CASE("derivatives without ID_LIKE are still recognised by their ID") {
    for (const char* id : {"ubuntu", "linuxmint", "pop"}) CHECK(choose(std::string("ID=") + id).adapter->family() == "debian");
    for (const char* id : {"manjaro", "endeavouros"}) CHECK(choose(std::string("ID=") + id).adapter->family() == "arch");
    for (const char* id : {"rhel", "rocky", "almalinux", "centos"})
        CHECK(choose(std::string("ID=") + id).adapter->family() == "fedora");
}

TEST_CASE("an unknown ID falls back to the words of ID_LIKE, in order") {
    const AdapterChoice kali = choose("ID=kali\nID_LIKE=debian\n");
    CHECK(kali.adapter->family() == "debian");
    CHECK(kali.why == "ID_LIKE contains debian, for ID=kali");

    // The first word that is known wins, and a derivative there counts too.
    const AdapterChoice elementary = choose("ID=elementary\nID_LIKE=\"unknownthing ubuntu debian\"\n");
    CHECK(elementary.adapter->family() == "debian");
    CHECK(elementary.why == "ID_LIKE contains ubuntu, a derivative of debian, for ID=elementary");

    CHECK(choose("ID=garuda\nID_LIKE=arch\n").adapter->family() == "arch");
    CHECK(choose("ID=ol\nID_LIKE=\"fedora\"\n").adapter->family() == "fedora");
}

TEST_CASE("an unsupported distribution is refused, naming it and the families") {
    struct Case {
        const char* os_release;
        const char* names;
    };
    for (const Case& c : {Case{"NAME=Gentoo\nID=gentoo\nPRETTY_NAME=\"Gentoo Linux\"\n", "'Gentoo Linux' (ID=gentoo)"},
                          Case{"NAME=NixOS\nID=nixos\nPRETTY_NAME=\"NixOS 23.11 (Tapir)\"\n",
                               "'NixOS 23.11 (Tapir)' (ID=nixos)"},
                          Case{"ID=\"opensuse-tumbleweed\"\nID_LIKE=\"opensuse suse\"\n",
                               "(ID=opensuse-tumbleweed, ID_LIKE=opensuse suse)"},
                          Case{"", "(ID=linux)"}}) {
        INFO(c.os_release);
        try {
            choose(c.os_release);
            FAIL("not refused");
        } catch (const Error& e) {
            CHECK(e.code() == Exit::bad_input);
            const std::string what = e.what();
            CHECK_THAT(what, Catch::Contains(c.names));
            CHECK_THAT(what, Catch::Contains("is not supported"));
            for (const char* family : {"debian (", "arch (", "fedora ("}) CHECK_THAT(e.hint(), Catch::Contains(family));
            CHECK_THAT(e.hint(), Catch::Contains("ID_LIKE"));
            // make_plan says "Nothing was written" once, after all problems.
            CHECK_THAT(e.hint(), !Catch::Contains("Nothing was written"));
        }
    }
}

// --- Debian -----------------------------------------------------------------------

TEST_CASE("debian: /boot/vmlinuz-KVER for each modules tree, newest first") {
    TempRoot r;
    r.modules("6.1.0-13-amd64");
    r.modules("6.1.0-9-amd64");
    r.modules("6.1.0-10-amd64");  // no image: not a kernel
    r.file("/usr/lib/modules/5.10.0-1-amd64/leftover.conf");  // no modules.dep: removed kernel
    r.file("/boot/vmlinuz-6.1.0-13-amd64");
    r.file("/boot/vmlinuz-6.1.0-9-amd64");
    r.file("/boot/vmlinuz-5.10.0-1-amd64");
    const auto a = make_debian_adapter();
    CHECK(listing(a->kernels(r.str())) == Listing{{"6.1.0-13-amd64", "/boot/vmlinuz-6.1.0-13-amd64"},
                                                  {"6.1.0-9-amd64", "/boot/vmlinuz-6.1.0-9-amd64"}});
    CHECK(a->grub_tool("mkimage") == "grub-mkimage");
}

TEST_CASE("debian: grub-bios-setup in PATH or beside the i386-pc modules") {
    TempRoot r;
    const auto a = make_debian_adapter();
    CHECK(a->grub_bios_setup(r.str()).empty());
    r.file("/usr/lib/grub/i386-pc/grub-bios-setup", "", 0755);
    CHECK(a->grub_bios_setup(r.str()) == "/usr/lib/grub/i386-pc/grub-bios-setup");
    r.file("/usr/sbin/grub-bios-setup", "", 0755);
    CHECK(a->grub_bios_setup(r.str()) == "/usr/sbin/grub-bios-setup");
}

// --- Arch -------------------------------------------------------------------------

TEST_CASE("arch: vmlinuz-<pkgbase> belongs to the modules tree naming that pkgbase") {
    TempRoot r;
    r.modules("6.6.1-arch1-1", "linux");
    r.modules("6.1.63-1-lts", "linux-lts");
    r.modules("6.6.1-zen1-1-zen", "linux-zen");
    r.modules("6.5.13-hardened1-1-hardened", "linux-hardened");
    for (const char* p : {"linux", "linux-lts", "linux-zen", "linux-hardened"}) r.file(std::string("/boot/vmlinuz-") + p);
    r.file("/boot/initramfs-linux.img");  // mkinitcpio's, never a kernel
    const auto a = make_arch_adapter();
    CHECK(listing(a->kernels(r.str())) == Listing{{"6.6.1-zen1-1-zen", "/boot/vmlinuz-linux-zen"},
                                                  {"6.6.1-arch1-1", "/boot/vmlinuz-linux"},
                                                  {"6.5.13-hardened1-1-hardened", "/boot/vmlinuz-linux-hardened"},
                                                  {"6.1.63-1-lts", "/boot/vmlinuz-linux-lts"}});
}

TEST_CASE("arch: without pkgbase the version comes from the bzImage header") {
    TempRoot r;
    r.modules("6.6.1-arch1-1");  // no pkgbase file
    r.file("/boot/vmlinuz-linux", fake_bzimage("6.6.1-arch1-1"));
    r.modules("6.1.63-1-lts", "linux-lts-renamed");  // pkgbase names no image
    r.file("/boot/vmlinuz-linux-lts", fake_bzimage("6.1.63-1-lts"));
    r.file("/boot/vmlinuz-garbage", "not a kernel");
    const auto a = make_arch_adapter();
    CHECK(listing(a->kernels(r.str())) ==
          Listing{{"6.6.1-arch1-1", "/boot/vmlinuz-linux"}, {"6.1.63-1-lts", "/boot/vmlinuz-linux-lts"}});
}

TEST_CASE("arch: a stale modules tree of the same package does not get the image") {
    TempRoot r;
    r.modules("6.6.2-arch1-1", "linux");
    r.modules("6.6.1-arch1-1", "linux");  // left behind by an upgrade
    r.file("/boot/vmlinuz-linux", fake_bzimage("6.6.2-arch1-1"));
    const auto a = make_arch_adapter();
    CHECK(listing(a->kernels(r.str())) == Listing{{"6.6.2-arch1-1", "/boot/vmlinuz-linux"}});
}

TEST_CASE("arch: the package's own copy in the modules tree is the last resort") {
    TempRoot r;
    r.modules("6.6.1-arch1-1", "linux");
    r.file("/usr/lib/modules/6.6.1-arch1-1/vmlinuz");
    const auto a = make_arch_adapter();
    CHECK(listing(a->kernels(r.str())) == Listing{{"6.6.1-arch1-1", "/usr/lib/modules/6.6.1-arch1-1/vmlinuz"}});
}

TEST_CASE("arch: GRUB tools in /usr/bin and pacman hints") {
    TempRoot r;
    r.file("/usr/bin/grub-bios-setup", "", 0755);
    const auto a = make_arch_adapter();
    CHECK(a->grub_tool("mkimage") == "grub-mkimage");
    CHECK(a->grub_bios_setup(r.str()) == "/usr/bin/grub-bios-setup");
    CHECK(a->install_hint("dracut") == "pacman -S dracut");
    CHECK(a->install_hint("grub-mkimage") == "pacman -S grub");
    CHECK(a->install_hint("grub-bios-setup") == "pacman -S grub");
    CHECK(a->install_hint("grub-x86_64-efi") == "pacman -S grub");
    CHECK(a->install_hint("kernel") == "pacman -S linux");
}

// --- Fedora -----------------------------------------------------------------------

TEST_CASE("fedora: /boot/vmlinuz-KVER, or the BLS-style kernel in the modules tree") {
    TempRoot r;
    r.modules("6.5.6-300.fc39.x86_64");
    r.file("/boot/vmlinuz-6.5.6-300.fc39.x86_64");
    r.file("/boot/initramfs-6.5.6-300.fc39.x86_64.img");
    r.modules("6.6.2-201.fc39.x86_64");
    r.file("/usr/lib/modules/6.6.2-201.fc39.x86_64/vmlinuz");  // BLS host: nothing in /boot
    r.file("/boot/vmlinuz-0-rescue-0123456789abcdef");           // no modules tree: skipped
    r.modules("6.4.0-1.fc39.x86_64");                           // no image anywhere
    const auto a = make_fedora_adapter();
    CHECK(listing(a->kernels(r.str())) ==
          Listing{{"6.6.2-201.fc39.x86_64", "/usr/lib/modules/6.6.2-201.fc39.x86_64/vmlinuz"},
                  {"6.5.6-300.fc39.x86_64", "/boot/vmlinuz-6.5.6-300.fc39.x86_64"}});
}

TEST_CASE("fedora: /boot wins over the modules tree copy") {
    TempRoot r;
    r.modules("6.5.6-300.fc39.x86_64");
    r.file("/boot/vmlinuz-6.5.6-300.fc39.x86_64");
    r.file("/usr/lib/modules/6.5.6-300.fc39.x86_64/vmlinuz");
    CHECK(listing(make_fedora_adapter()->kernels(r.str())) ==
          Listing{{"6.5.6-300.fc39.x86_64", "/boot/vmlinuz-6.5.6-300.fc39.x86_64"}});
}

TEST_CASE("fedora: grub2- tools, grub2-bios-setup in /usr/sbin, dnf hints") {
    TempRoot r;
    const auto a = make_fedora_adapter();
    CHECK(a->grub_tool("mkimage") == "grub2-mkimage");
    CHECK(a->grub_tool("bios-setup") == "grub2-bios-setup");
    CHECK(a->grub_bios_setup(r.str()).empty());
    r.file("/usr/sbin/grub-bios-setup", "", 0755);  // the Debian name does not count
    CHECK(a->grub_bios_setup(r.str()).empty());
    r.file("/usr/sbin/grub2-bios-setup", "", 0755);
    CHECK(a->grub_bios_setup(r.str()) == "/usr/sbin/grub2-bios-setup");
    CHECK(a->install_hint("dracut") == "dnf install dracut");
    CHECK(a->install_hint("grub-mkimage") == "dnf install grub2-tools");
    CHECK(a->install_hint("grub-i386-pc") == "dnf install grub2-pc-modules");
    CHECK(a->install_hint("grub-x86_64-efi") == "dnf install grub2-efi-x64-modules");
    CHECK(a->install_hint("kernel") == "dnf install kernel");
}
