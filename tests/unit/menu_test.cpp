#include <catch2/catch.hpp>

#include "error.hpp"
#include "grub_model.hpp"
#include "grub_script.hpp"
#include "menu.hpp"
#include "partition.hpp"
#include "runner.hpp"

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
                   " rd.remaster.dir=/remaster/20261124-120000 " + kHostDisksOff + " console=ttyS0,115200 quiet\n") != std::string::npos);
    CHECK(cfg.find("\tinitrd /remaster/20261124-120000/initrd.img\n") != std::string::npos);
    CHECK(cfg.find("search --fs-uuid --set=root " + uuid) != std::string::npos);
    // No GRUB variables in linux/initrd lines.
    CHECK(cfg.find("linux $") == std::string::npos);
}

TEST_CASE("values that would break grub.cfg are quoted or refused") {
    MenuEntry e{"ok", "it's", "/k", "/i", "a"};
    CHECK(render_grub_cfg(kTemplates, "u", {e}, "ok", 3).find("menuentry 'it'\\''s' --id ok {") != std::string::npos);
    e.args = "a\nb";
    CHECK_THROWS_AS(render_grub_cfg(kTemplates, "u", {e}, "ok", 3), Error);
    e.args = "a";
    e.id = "bad id";
    CHECK_THROWS_AS(render_grub_cfg(kTemplates, "u", {e}, "ok", 3), Error);
    e.id = "ok";
    CHECK_THROWS_AS(render_grub_cfg(kTemplates, "u;reboot", {e}, "ok", 3), Error);
}

namespace {
// What the kernel gets from a menu entry with these arguments, read back
// through the model of GRUB's lexer and cmdline joiner.
std::string cmdline_through_grub(const std::string& args, const std::string& title = "t") {
    const MenuTemplates t{grub_model::kGrubCfg, grub_model::kEntry, ""};
    const auto e = grub_model::parse_single_entry(render_grub_cfg(t, "u", {{"id", title, "/k", "/i", args}}, "id", 3));
    REQUIRE(e.linux_words.size() >= 1);
    CHECK(e.linux_words[0] == "/k");
    CHECK(e.initrd_words == std::vector<std::string>{"/i"});
    return grub_model::loader_cmdline({e.linux_words.begin() + 1, e.linux_words.end()});
}

std::string joined_words(const std::string& args) {
    std::string joined;
    for (const auto& w : kernel_words(args)) joined += (joined.empty() ? "" : " ") + w;
    return joined;
}
}  // namespace

TEST_CASE("kernel arguments reach the kernel literally through GRUB's quoting") {
    CHECK(grub_kernel_args("a;b $prefix #c") == "'a;b' '$prefix' '#c'");
    CHECK(grub_kernel_args("console=ttyS0,115200 quiet") == "console=ttyS0,115200 quiet");
    CHECK(grub_kernel_args("  x   }  if ") == "x '}' 'if'");
    for (const std::string args : {"a;b", "remaster.t=$prefix", "#x", "x } menuentry pwn {", "a|b&c<d>e", "*?[x]",
                                   "if then fi", "console=ttyS0,115200 quiet -- single", "x=\xc3\xa9t\xc3\xa9"}) {
        INFO(args);
        CHECK(cmdline_through_grub(args) == joined_words(args));
    }
}

TEST_CASE("kernel-style quoted values keep their meaning") {
    CHECK(kernel_words("a dyndbg=\"file x.c +p\" b") == std::vector<std::string>{"a", "dyndbg=\"file x.c +p\"", "b"});
    CHECK(grub_kernel_args("dyndbg=\"file x.c +p\"") == "'dyndbg=file x.c +p'");
    for (const std::string args : {"dyndbg=\"file x.c +p\"", "\"q=a b\"", "x=\"y\"", "\"a b\" c=\"d ; e\""}) {
        INFO(args);
        CHECK(grub_model::kernel_params(cmdline_through_grub(args)) == grub_model::kernel_params(args));
    }
    CHECK(cmdline_through_grub("dyndbg=\"file x.c +p\"") == "\"dyndbg=file x.c +p\"");
}

TEST_CASE("kernel arguments GRUB would change are refused, naming the argument") {
    for (const std::string args : {"it's", "'", "x='a b", "a\\b", "a\"b", "x=\"y", "=\"y\"", "\"\"", "a\tb", "a\nb",
                                   "x=\"a\xa0" "b\""}) {
        INFO(args);
        try {
            (void)grub_kernel_args(args);
            FAIL("accepted");
        } catch (const Error& e) {
            CHECK(e.code() == Exit::bad_input);
            CHECK(std::string(e.what()).find("kernel argument") != std::string::npos);
        }
    }
}

TEST_CASE("titles come back from GRUB as written, control characters as spaces") {
    for (const std::string title : {"Debian GNU/Linux 12 (bookworm)", "Bob's \"distro\" ; $prefix # } { \\", "'''",
                                    "esc\x1b[31mred\nline"}) {
        INFO(title);
        const MenuTemplates t{grub_model::kGrubCfg, grub_model::kEntry, ""};
        const auto e = grub_model::parse_single_entry(render_grub_cfg(t, "u", {{"id", title, "/k", "/i", ""}}, "id", 3));
        std::string want = title;
        for (char& c : want)
            if (static_cast<unsigned char>(c) < 0x20) c = ' ';
        CHECK(e.title == want);
    }
}

TEST_CASE("grub-script-check accepts the rendered menu and rejects a broken one") {
    REQUIRE(!find_program("grub-script-check").empty());  // grub-common is a dependency
    const MenuTemplates t = load_menu_templates(std::string(REMASTER_SOURCE_DIR) + "/grub.d");
    const std::string dir = "/remaster/20261124-120000";
    const MenuEntry e{"live", "Bob's \"Linux\" ; } { $prefix #", dir + "/vmlinuz", dir + "/initrd.img",
                      live_kernel_args("0b5c3c7e-3f4e", dir, "a;b $prefix #x x } menuentry pwn { dyndbg=\"f x +p\"")};
    SystemRunner runner;
    CHECK_NOTHROW(check_grub_script(runner, render_grub_cfg(t, "0b5c3c7e-3f4e", {e}, "live", 3)));
    CHECK_THROWS_AS(check_grub_script(runner, "menuentry 'x' {\n\tlinux /k 'unbalanced\n}\n"), Error);
    CHECK_THROWS_AS(check_grub_script(runner, "menuentry x {\n\tlinux /k x } menuentry pwn {\n}\n"), Error);
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
