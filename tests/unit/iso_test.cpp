#include <catch2/catch.hpp>

#include <algorithm>

#include "adapter.hpp"
#include "error.hpp"
#include "grub_model.hpp"
#include "grub_script.hpp"
#include "iso_boot.hpp"
#include "iso_image.hpp"
#include "iso_menu.hpp"
#include "iso_reader.hpp"
#include "menu.hpp"
#include "os_release.hpp"
#include "runner.hpp"
#include "temp_dir.hpp"

using namespace remaster;

TEST_CASE("the ISO's UUID is the snapshot's time in blkid's iso9660 form") {
    CHECK(iso_uuid_for("20261201-185545") == "2026-12-01-18-55-45-00");
    // A second snapshot of the same second keeps the time: an ISO holds one.
    CHECK(iso_uuid_for("20261201-185545-2") == "2026-12-01-18-55-45-00");
}

TEST_CASE("the ISO's GRUB: an eltorito core in the tree, an EFI core in a FAT ESP image") {
    const auto adapter = choose_adapter(parse_os_release("ID=debian\n")).adapter;
    const IsoPaths p{"/v", "/s"};
    const auto cmds = iso_grub_commands(p, *adapter);
    auto has = [&](const std::vector<std::string>& words) {
        return std::any_of(cmds.begin(), cmds.end(), [&](const Command& c) {
            return std::all_of(words.begin(), words.end(), [&](const std::string& w) {
                return std::find(c.argv.begin(), c.argv.end(), w) != c.argv.end();
            });
        });
    };
    CHECK(has({"-O", "i386-pc-eltorito", "/run/remaster-target/tree/boot/grub/i386-pc/eltorito.img", "iso9660"}));
    CHECK(has({"-O", "x86_64-efi", "iso9660", "-c", "/tmp/early.cfg"}));
    CHECK(has({"mkfs.fat", "-C", "/s/efi.img"}));
    CHECK(has({"mcopy", "/v/tmp/BOOTX64.EFI", "::/EFI/BOOT/BOOTX64.EFI"}));
    // GRUB runs in the view; the ESP is written on this machine.
    for (const auto& c : cmds) {
        const bool on_host = c.argv[0] == "mkfs.fat" || c.argv[0] == "mmd" || c.argv[0] == "mcopy";
        CHECK(c.chroot == (on_host ? "" : "/v"));
    }
}

TEST_CASE("verify takes a file for an ISO by its ISO 9660 volume descriptor") {
    TempDir d("remaster-iso-test");
    std::string iso(40000, '\0');
    iso.replace(32769, 5, "CD001");
    d.file("live.iso", iso);
    d.file("stick.img", std::string(40000, '\0'));
    d.file("short", "CD001");
    CHECK(is_iso_image(d / "live.iso"));
    CHECK_FALSE(is_iso_image(d / "stick.img"));
    CHECK_FALSE(is_iso_image(d / "short"));
    CHECK_FALSE(is_iso_image(d / "missing"));
}

TEST_CASE("the ISO's loopback.cfg: the menu's entries on GRUB's root (the loop device), told where the file is") {
    REQUIRE(!find_program("grub-script-check").empty());  // grub-common is a dependency
    const LoopbackTemplates t = load_loopback_templates(std::string(REMASTER_SOURCE_DIR) + "/grub.d");
    const std::string uuid = "2026-12-01-18-55-45-00", dir = "/remaster/20261201-185545";
    const std::string args = live_kernel_args(uuid, dir, "console=ttyS0,115200");
    const std::vector<MenuEntry> entries = {
        {"live", "remaster live: Debian (changes not kept)", dir + "/vmlinuz", dir + "/initrd.img", args},
        {"ram", "remaster live: Debian (copy to RAM)", dir + "/vmlinuz", dir + "/initrd.img", args + " rd.remaster.ram=1"},
        {"check", "remaster live: Debian (verify first)", dir + "/vmlinuz", dir + "/initrd.img", args + " rd.remaster.check=1"}};
    SystemRunner runner;
    const std::string cfg = checked_loopback_cfg(t, entries, "live", runner);
    CHECK(cfg.find("set default=live\n") != std::string::npos);
    // The disk GRUB found the file on, by the file; its UUID for the kernel.
    CHECK(cfg.find("search --no-floppy --file --set=remaster_iso_disk \"${iso_path}\"") != std::string::npos);
    CHECK(cfg.find("probe --fs-uuid --set=remaster_iso_fsuuid \"${remaster_iso_disk}\"") != std::string::npos);
    const std::string where = " \"rd.remaster.iso=${iso_path}\" \"rd.remaster.iso.fsuuid=${remaster_iso_fsuuid}\"\n";
    CHECK(cfg.find("\tlinux " + dir + "/vmlinuz root=remaster rd.remaster.uuid=" + uuid + " rd.remaster.dir=" + dir + " " +
                   kHostDisksOff + " console=ttyS0,115200" + where) != std::string::npos);
    CHECK(cfg.find(" rd.remaster.ram=1" + where) != std::string::npos);
    CHECK(cfg.find(" rd.remaster.check=1" + where) != std::string::npos);
    CHECK(cfg.find("\tinitrd " + dir + "/initrd.img\n") != std::string::npos);
    // GRUB's root stays the loop device the caller set: no search by the ISO's UUID.
    CHECK(cfg.find("--fs-uuid --set=root") == std::string::npos);
    CHECK(cfg.find("\nset root") == std::string::npos);
    CHECK(cfg.find("\tset root") == std::string::npos);
}

TEST_CASE("the ISO's loopback.cfg quotes titles and arguments as the stick's menu does") {
    const LoopbackTemplates t{grub_model::kGrubCfg, grub_model::kEntry};
    const MenuEntry e{"live", "Bob's } { $prefix #", "/remaster/1/vmlinuz", "/remaster/1/initrd.img",
                      "root=remaster a;b $prefix #x }{ dyndbg=\"f x +p\""};
    const auto parsed = grub_model::parse_single_entry(render_loopback_cfg(t, {e}, "live", 3));
    CHECK(parsed.title == "Bob's } { $prefix #");
    CHECK(parsed.linux_words ==
          std::vector<std::string>{"/remaster/1/vmlinuz", "root=remaster", "a;b", "$prefix", "#x", "}{", "dyndbg=f x +p"});
    CHECK_THROWS_AS(render_loopback_cfg(t, {{"bad id;", "x", "/k", "/i", ""}}, "live", 3), Error);
    CHECK_THROWS_AS(render_loopback_cfg(t, {e}, "live'x", 3), Error);
}
