// Secure Boot: which signed chain each family's root has, where its files go
// on the ESP, and the plan's refusal of --secure-boot require without one.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "adapter.hpp"
#include "boot_install.hpp"
#include "iso_boot.hpp"
#include "error.hpp"
#include "plan.hpp"
#include "temp_dir.hpp"

using namespace remaster;

namespace {

struct Root : TempDir {
    Root() : TempDir("remaster-secureboot") {}
};

void debian_chain(const Root& r) {
    r.file("/usr/lib/shim/shimx64.efi.signed");
    r.file("/usr/lib/shim/mmx64.efi.signed");
    r.file("/usr/lib/shim/fbx64.efi.signed");
    r.file("/usr/lib/grub/x86_64-efi-signed/gcdx64.efi.signed");
    r.file("/usr/lib/grub/x86_64-efi-signed/grubx64.efi.signed");
}

// The ESP's files as "source -> ::dest" for each mcopy of the commands.
std::vector<std::string> esp_copies(const std::vector<Command>& cmds) {
    std::vector<std::string> out;
    for (const auto& c : cmds)
        if (c.argv.front() == "mcopy") out.push_back(c.argv[c.argv.size() - 2] + " -> " + c.argv.back());
    return out;
}

StickPaths paths() { return {"/dev/loop9", "/dev/loop9p2", "/dev/loop9p3", "u-u-i-d", "/v", "/run/remaster-target", "/remaster/x"}; }

// make_plan's problems for a dry run of `root` onto a new image file.
std::string plan_problems(const Root& r, const std::string& secure_boot, bool iso = false) {
    Options o;
    o.root = r.path;
    (iso ? o.iso : o.to) = r.path + (iso ? "/live.iso" : "/stick.img");
    o.dry_run = true;
    o.secure_boot = secure_boot;
    try {
        make_plan(o);
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST_CASE("debian: shim, the removable-media GRUB (gcdx64) and MokManager; no fallback") {
    Root r;
    const auto a = make_debian_adapter();
    CHECK_FALSE(a->signed_chain(r.path));
    CHECK(a->signed_chain_hint() == "apt install shim-signed grub-efi-amd64-signed");
    r.file("/usr/lib/shim/shimx64.efi.signed");
    r.file("/usr/lib/grub/x86_64-efi-signed/gcdx64.efi.signed");
    CHECK_FALSE(a->signed_chain(r.path));  // no MokManager (shim-helpers-amd64-signed): incomplete
    debian_chain(r);
    const auto c = a->signed_chain(r.path);
    REQUIRE(c);
    const auto cmds = signed_chain_commands(paths(), *c);
    CHECK(esp_copies(cmds) == std::vector<std::string>{
                                  "/v/usr/lib/shim/shimx64.efi.signed -> ::/EFI/BOOT/BOOTX64.EFI",
                                  "/v/usr/lib/grub/x86_64-efi-signed/gcdx64.efi.signed -> ::/EFI/BOOT/grubx64.efi",
                                  "/v/usr/lib/shim/mmx64.efi.signed -> ::/EFI/BOOT/mmx64.efi",
                                  std::string("/v") + kSignedConfigInView + " -> ::/boot/grub/grub.cfg"});
    // gcdx64's prefix is /boot/grub on the ESP: its directories are made first.
    const auto mmd = std::find_if(cmds.begin(), cmds.end(), [](const Command& x) { return x.argv.front() == "mmd"; });
    REQUIRE(mmd != cmds.end());
    CHECK(mmd->argv == std::vector<std::string>{"mmd", "-i", "/dev/loop9p2", "::/boot", "::/boot/grub"});
    for (const auto& x : cmds) {
        CHECK(x.env == std::vector<std::string>{"MTOOLS_SKIP_CHECK=1"});
        CHECK(x.chroot.empty());  // mtools of this machine, on the ESP's device
        for (const auto& w : x.argv) CHECK(w.find("fbx64") == std::string::npos);
    }
}

TEST_CASE("fedora: shim-x64 and grub2-efi-x64 from /boot/efi, config beside grubx64.efi") {
    Root r;
    const auto a = make_fedora_adapter();
    CHECK_FALSE(a->signed_chain(r.path));
    CHECK(a->signed_chain_hint() == "dnf install shim-x64 grub2-efi-x64");
    for (const char* f : {"shimx64.efi", "grubx64.efi", "mmx64.efi"}) r.file(std::string("/boot/efi/EFI/fedora/") + f);
    const auto c = a->signed_chain(r.path);
    REQUIRE(c);
    const auto cmds = signed_chain_commands(paths(), *c);
    CHECK(esp_copies(cmds) == std::vector<std::string>{"/v/boot/efi/EFI/fedora/shimx64.efi -> ::/EFI/BOOT/BOOTX64.EFI",
                                                       "/v/boot/efi/EFI/fedora/grubx64.efi -> ::/EFI/BOOT/grubx64.efi",
                                                       "/v/boot/efi/EFI/fedora/mmx64.efi -> ::/EFI/BOOT/mmx64.efi",
                                                       std::string("/v") + kSignedConfigInView + " -> ::/EFI/BOOT/grub.cfg"});
    // EFI/BOOT exists already (grub_commands made it): no mmd.
    CHECK(std::none_of(cmds.begin(), cmds.end(), [](const Command& x) { return x.argv.front() == "mmd"; }));
}

TEST_CASE("arch: no signed chain, even with Debian's or Fedora's files, and a hint to sbctl/MOK") {
    Root r;
    debian_chain(r);
    for (const char* f : {"shimx64.efi", "grubx64.efi", "mmx64.efi"}) r.file(std::string("/boot/efi/EFI/fedora/") + f);
    const auto a = make_arch_adapter();
    CHECK_FALSE(a->signed_chain(r.path));
    CHECK_THAT(a->signed_chain_hint(), Catch::Contains("sbctl"));
}

TEST_CASE("the signed GRUB's config finds the data partition and loads the stick's menu") {
    const std::string cfg = signed_grub_config("search --no-floppy --fs-uuid --set=root abc\nset prefix=($root)/boot/grub\n");
    CHECK(cfg == "search --no-floppy --fs-uuid --set=root abc\nset prefix=($root)/boot/grub\nconfigfile $prefix/grub.cfg\n");
    CHECK(signed_grub_config("x") == "x\nconfigfile $prefix/grub.cfg\n");
}

TEST_CASE("--secure-boot require is refused before writing on a root without the packages") {
    Root r;
    r.file("/etc/os-release", "ID=debian\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n");
    const std::string required = plan_problems(r, "require");
    CHECK_THAT(required, Catch::Contains("--secure-boot require: the root has no signed boot chain (apt install "
                                         "shim-signed grub-efi-amd64-signed)"));
    // auto only warns, off does not look: neither is a problem of the plan.
    CHECK_THAT(plan_problems(r, "auto"), !Catch::Contains("secure-boot"));
    CHECK_THAT(plan_problems(r, "off"), !Catch::Contains("secure-boot"));
    // With the packages, require is satisfied.
    debian_chain(r);
    CHECK_THAT(plan_problems(r, "require"), !Catch::Contains("secure-boot"));
}

TEST_CASE("the ISO: --secure-boot require is refused the same way, auto and off are not") {
    Root r;
    r.file("/etc/os-release", "ID=debian\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n");
    CHECK_THAT(plan_problems(r, "require", true),
               Catch::Contains("--secure-boot require: the root has no signed boot chain (apt install "
                               "shim-signed grub-efi-amd64-signed)"));
    CHECK_THAT(plan_problems(r, "auto", true), !Catch::Contains("secure-boot"));
    CHECK_THAT(plan_problems(r, "off", true), !Catch::Contains("secure-boot"));
    debian_chain(r);
    CHECK_THAT(plan_problems(r, "require", true), !Catch::Contains("secure-boot"));
}

TEST_CASE("the ISO's ESP image gets a stick's signed files; Debian's config is the ESP's /boot/grub/grub.cfg") {
    Root r;
    debian_chain(r);
    const auto a = make_debian_adapter();
    const auto c = a->signed_chain(r.path);
    REQUIRE(c);
    const IsoPaths p{"/v", "/s"};
    CHECK(iso_grub_commands(p, *a, c).size() > iso_grub_commands(p, *a).size());
    const auto cmds = iso_grub_commands(p, *a, c);
    // The unsigned image first, then the chain over it, all in the ESP image.
    CHECK(esp_copies(cmds) == std::vector<std::string>{
                                  "/v/tmp/BOOTX64.EFI -> ::/EFI/BOOT/BOOTX64.EFI",
                                  "/v/usr/lib/shim/shimx64.efi.signed -> ::/EFI/BOOT/BOOTX64.EFI",
                                  "/v/usr/lib/grub/x86_64-efi-signed/gcdx64.efi.signed -> ::/EFI/BOOT/grubx64.efi",
                                  "/v/usr/lib/shim/mmx64.efi.signed -> ::/EFI/BOOT/mmx64.efi",
                                  std::string("/v") + kSignedConfigInView + " -> ::/boot/grub/grub.cfg"});
    for (const auto& x : cmds) {
        const auto i = std::find(x.argv.begin(), x.argv.end(), "-i");
        if (i != x.argv.end()) CHECK(*(i + 1) == "/s/efi.img");
    }
    // As a CD, gcdx64 reads the ISO's own /boot/grub/grub.cfg, the menu: nothing goes into the tree.
    CHECK(std::none_of(cmds.begin(), cmds.end(), [](const Command& x) { return x.argv.front() == "cp" && x.argv.size() == 3; }));
}

TEST_CASE("the ISO with Fedora's chain: the config also in the tree, where a CD-booted GRUB looks") {
    Root r;
    for (const char* f : {"shimx64.efi", "grubx64.efi", "mmx64.efi"}) r.file(std::string("/boot/efi/EFI/fedora/") + f);
    const auto a = make_fedora_adapter();
    const auto c = a->signed_chain(r.path);
    REQUIRE(c);
    const auto cmds = iso_grub_commands(IsoPaths{"/v", "/s"}, *a, c);
    CHECK(esp_copies(cmds).back() == std::string("/v") + kSignedConfigInView + " -> ::/EFI/BOOT/grub.cfg");
    const Command& cp = cmds.back();
    CHECK(cp.argv == std::vector<std::string>{"cp", kSignedConfigInView, "/run/remaster-target/tree/EFI/BOOT/grub.cfg"});
    CHECK(cp.chroot == "/v");
    const Command& mkdir = cmds[cmds.size() - 2];
    CHECK(mkdir.argv == std::vector<std::string>{"mkdir", "-p", "/run/remaster-target/tree/EFI/BOOT"});
}
