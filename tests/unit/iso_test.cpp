#include <catch2/catch.hpp>

#include <algorithm>

#include "adapter.hpp"
#include "iso_boot.hpp"
#include "iso_image.hpp"
#include "iso_reader.hpp"
#include "os_release.hpp"
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
