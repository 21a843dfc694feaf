#include <catch2/catch.hpp>

#include "error.hpp"
#include "menu.hpp"
#include "partition.hpp"

using namespace remaster;

namespace {
const MenuTemplates kTemplates = {
    "set timeout=@TIMEOUT@\nset default=@DEFAULT@\n@ENTRIES@",
    "menuentry '@TITLE@' --id @ID@ {\n\tsearch --fs-uuid --set=root @UUID@\n\tlinux @KERNEL@ @ARGS@\n\tinitrd "
    "@INITRD@\n}\n",
    "search --fs-uuid --set=root @UUID@\n"};
}

TEST_CASE("templates fill every placeholder and leave other @ signs alone") {
    CHECK(fill_template("a @X@ b @Y@", {{"X", "1"}, {"Y", "2"}}) == "a 1 b 2");
    CHECK(fill_template("mail me@host @X@", {{"X", "x"}}) == "mail me@host x");
    CHECK_THROWS_AS(fill_template("@MISSING@", {}), Error);
}

TEST_CASE("menu entries spell out kernel, initramfs and arguments literally") {
    const std::string uuid = "0b5c3c7e-3f4e-4a39-9d0c-2f5b7f5d6e11";
    const MenuEntry e{"remaster-20261124-120000", "remaster live (Debian 12, 20261124-120000)",
                      "/remaster/20261124-120000/vmlinuz", "/remaster/20261124-120000/initrd.img",
                      live_kernel_args(uuid, "/remaster/20261124-120000", "console=ttyS0,115200 quiet")};
    const std::string cfg = render_grub_cfg(kTemplates, uuid, {e}, e.id, 3);
    CHECK(cfg.find("set timeout=3") != std::string::npos);
    CHECK(cfg.find("set default=remaster-20261124-120000") != std::string::npos);
    CHECK(cfg.find("\tlinux /remaster/20261124-120000/vmlinuz root=remaster rd.remaster.uuid=" + uuid +
                   " rd.remaster.dir=/remaster/20261124-120000 console=ttyS0,115200 quiet\n") != std::string::npos);
    CHECK(cfg.find("\tinitrd /remaster/20261124-120000/initrd.img\n") != std::string::npos);
    CHECK(cfg.find("search --fs-uuid --set=root " + uuid) != std::string::npos);
    // No GRUB variables in linux/initrd lines.
    CHECK(cfg.find("linux $") == std::string::npos);
}

TEST_CASE("values that would break grub.cfg are refused") {
    MenuEntry e{"ok", "it's", "/k", "/i", "a"};
    CHECK_THROWS_AS(render_grub_cfg(kTemplates, "u", {e}, "ok", 3), Error);
    e.title = "fine";
    e.args = "a\nb";
    CHECK_THROWS_AS(render_grub_cfg(kTemplates, "u", {e}, "ok", 3), Error);
    e.args = "a";
    e.id = "bad id";
    CHECK_THROWS_AS(render_grub_cfg(kTemplates, "u", {e}, "ok", 3), Error);
}

TEST_CASE("the stick layout: BIOS boot, ESP, then ext4 data over the rest") {
    const auto l = stick_layout();
    REQUIRE(l.size() == 3);
    CHECK(l[kBiosBootPartition - 1].type_guid == "21686148-6449-6E6F-744E-656564454649");
    CHECK(l[kEspPartition - 1].type_guid == "C12A7328-F81F-11D2-BA4B-00A0C93EC93B");
    CHECK(l[kDataPartition - 1].size == 0);
    CHECK(disk_size_for(0) == (1 + 64 + 2) * (1ull << 20));
    CHECK(disk_size_for(1) % (1ull << 20) == 0);
}
