#include <catch2/catch.hpp>

#include <string>

#include "error.hpp"
#include "target_contents.hpp"
#include "temp_dir.hpp"

using namespace remaster;

TEST_CASE("describe_contents names what a file holds", "[target_contents]") {
    TempDir d("remaster-contents");
    d.file("empty");
    d.file("text", "IMPORTANT\n");
    std::string tar(1024, '\0');
    tar.replace(257, 6, std::string("ustar\0", 6));
    d.file("a.tar", tar);
    d.file("a.gz", std::string("\x1f\x8b\x08\x00", 4) + std::string(60, 'x'));
    d.file("a.xz", std::string("\xfd" "7zXZ\0", 6) + "rest");
    d.file("a.zst", std::string("\x28\xb5\x2f\xfd", 4) + "rest");
    CHECK(describe_contents(d / "empty") == "empty");
    CHECK_THAT(describe_contents(d / "text"), Catch::StartsWith("10 bytes of data"));
    CHECK(describe_contents(d / "a.tar") == "a tar archive (1024 bytes)");
    CHECK_THAT(describe_contents(d / "a.gz"), Catch::StartsWith("gzip-compressed data"));
    CHECK_THAT(describe_contents(d / "a.xz"), Catch::StartsWith("xz-compressed data"));
    CHECK_THAT(describe_contents(d / "a.zst"), Catch::StartsWith("zstd-compressed data"));
    CHECK_THAT(describe_contents(d / "missing"), Catch::StartsWith("contents unknown"));
}

TEST_CASE("Problems exit with the code of the most specific class", "[error]") {
    Problems p;
    CHECK(p.empty());
    p.push_back("bad option");
    CHECK(p.code() == Exit::bad_input);
    CHECK(p.joined() == "bad option");
    p.add(Exit::missing, "install dracut");
    CHECK(p.code() == Exit::missing);
    p.add(Exit::unsafe_target, "mounted");
    p.push_back("another bad option");
    CHECK(p.code() == Exit::unsafe_target);
    CHECK(p.joined() == "Cannot start:\n  - bad option\n  - install dracut\n  - mounted\n  - another bad option");
}

TEST_CASE("printable escapes control characters but keeps newlines", "[error]") {
    CHECK(printable("Debian 12") == "Debian 12");
    CHECK(printable("a\x1b[2Jb") == "a\\x1b[2Jb");
    CHECK(printable(std::string("nul\0", 4) + "\x7f") == "nul\\x00\\x7f");
    CHECK(printable("line\nnext") == "line\nnext");
}
