#include <catch2/catch.hpp>

#include <set>

#include "config_file.hpp"
#include "error.hpp"

using namespace remaster;

namespace {

std::string message_of(const std::string& text) {
    try {
        parse_config(text, "/etc/remaster.conf");
    } catch (const Error& e) {
        CHECK(e.code() == Exit::bad_input);
        return e.what();
    }
    return "no error";
}

}  // namespace

TEST_CASE("the config file's settings, comments and blank lines", "[config]") {
    const auto cfg = parse_config("# defaults\n\ncompress = xz:6\n  exclude=/home/*/Videos \nexclude = *.iso\n"
                                  "kernel-args = quiet splash=1\ndefault-boot = persist\ncache-dir = /srv/cache\n",
                                  "f");
    CHECK(cfg.compress == std::optional<std::string>("xz:6"));
    CHECK(cfg.excludes == std::vector<std::string>{"/home/*/Videos", "*.iso"});
    CHECK(cfg.kernel_args == std::optional<std::string>("quiet splash=1"));
    CHECK(cfg.default_boot == std::optional<std::string>("persist"));
    CHECK(cfg.cache_dir == std::optional<std::string>("/srv/cache"));
}

TEST_CASE("a bad line in the config file is an error naming the file and line", "[config]") {
    CHECK(message_of("compress = zstd\ncompresion = xz\n").rfind("/etc/remaster.conf:2: unknown key 'compresion'", 0) == 0);
    CHECK(message_of("# x\ncompress = brotli\n").rfind("/etc/remaster.conf:2: ", 0) == 0);
    CHECK(message_of("default-boot = nowhere!\n").rfind("/etc/remaster.conf:1: ", 0) == 0);
    CHECK(message_of("cache-dir = relative/dir\n").rfind("/etc/remaster.conf:1: cache-dir", 0) == 0);
    CHECK(message_of("\n\njust words\n").rfind("/etc/remaster.conf:3: 'just words' is not 'key = value'", 0) == 0);
    CHECK(message_of("exclude =\n").rfind("/etc/remaster.conf:1: 'exclude' has no value", 0) == 0);
}

TEST_CASE("the command line overrides the config file; exclusions add up", "[config]") {
    const auto cfg = parse_config("compress = xz:6\nexclude = /a\nkernel-args = quiet\ncache-dir = /srv/c\n", "f");
    Options opt;
    opt.excludes = {"/b"};
    opt.kernel_args = "debug";
    const std::set<std::string> given = {"--kernel-args", "--exclude"};
    apply_config(cfg, opt, [&](const std::string& o) { return given.count(o) > 0; });
    CHECK(opt.compress == "xz:6");
    CHECK(opt.kernel_args == "debug");
    CHECK(opt.excludes == std::vector<std::string>{"/a", "/b"});
    CHECK(opt.cache_dir == "/srv/c");

    CHECK(opt.default_boot.empty());  // not a stick: the file's default entry is not for it
    Options stick;
    stick.to = "/dev/sdz";
    apply_config(parse_config("default-boot = ram\n", "f"), stick, [](const std::string&) { return false; });
    CHECK(stick.default_boot == "ram");

    Options nocache;
    nocache.cache_dir.clear();
    apply_config(cfg, nocache, [](const std::string& o) { return o == "--no-cache"; });
    CHECK(nocache.cache_dir.empty());
}
