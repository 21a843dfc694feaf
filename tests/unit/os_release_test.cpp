#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>

#include "os_release.hpp"
#include "temp_dir.hpp"

using namespace remaster;
namespace fs = std::filesystem;


TEST_CASE("os-release: plain, double- and single-quoted values") {
    const OsRelease os = parse_os_release(
        "NAME=\"Fedora Linux\"\n"
        "ID=fedora\n"
        "VERSION_ID=39\n"
        "PRETTY_NAME='Fedora Linux 39 (Workstation Edition)'\n");
    CHECK(os.get("NAME") == "Fedora Linux");
    CHECK(os.id() == "fedora");
    CHECK(os.get("VERSION_ID") == "39");
    CHECK(os.pretty_name() == "Fedora Linux 39 (Workstation Edition)");
}

TEST_CASE("os-release: backslash escapes inside double quotes") {
    const OsRelease os = parse_os_release(R"(NAME="a \"quoted\" \$word, a \\ and a \`tick\`")"
                                          "\n");
    CHECK(os.get("NAME") == R"(a "quoted" $word, a \ and a `tick`)");
}

TEST_CASE("os-release: single quotes keep backslashes") {
    const OsRelease os = parse_os_release(R"(NAME='C:\path')");
    CHECK(os.get("NAME") == R"(C:\path)");
}

TEST_CASE("os-release: comments, blank lines, whitespace and junk are skipped") {
    const OsRelease os = parse_os_release(
        "# a comment\n"
        "\n"
        "   # an indented comment with ID=gentoo\n"
        "  ID=arch  \r\n"
        "not a key value line\n"
        "lowercase=ignored\n"
        "=no key\n"
        "BUILD_ID=rolling\n");
    CHECK(os.id() == "arch");
    CHECK(os.get("BUILD_ID") == "rolling");
    CHECK(os.fields.count("lowercase") == 0);
    CHECK(os.fields.size() == 2);
}

TEST_CASE("os-release: ID_LIKE is split into words") {
    const OsRelease os = parse_os_release("ID=rocky\nID_LIKE=\"rhel  centos fedora\"\n");
    CHECK(os.id_like() == std::vector<std::string>{"rhel", "centos", "fedora"});
    CHECK(parse_os_release("ID=arch\n").id_like().empty());
}

TEST_CASE("os-release: fallbacks for missing fields") {
    CHECK(parse_os_release("").id() == "linux");  // os-release(5): ID defaults to "linux"
    CHECK(parse_os_release("ID=arch\n").pretty_name() == "arch");
    CHECK(parse_os_release("ID=arch\nNAME=\"Arch Linux\"\n").pretty_name() == "Arch Linux");
    CHECK(parse_os_release("ID=\"\"\n").id() == "linux");
}

TEST_CASE("os-release: read from a root, /etc first, then /usr/lib") {
    TempDir r;
    CHECK(read_os_release(r.path).fields.empty());  // missing file: empty, no throw

    r.file("/usr/lib/os-release", "ID=fedora\n");
    CHECK(read_os_release(r.path).id() == "fedora");

    r.file("/etc/os-release", "ID=debian\n");
    CHECK(read_os_release(r.path).id() == "debian");
}

TEST_CASE("os-release: a relative /etc/os-release symlink resolves inside the root") {
    TempDir r;
    r.file("/usr/lib/os-release", "ID=arch\n");
    fs::create_directories(fs::path(r.path) / "etc");
    fs::create_symlink("../usr/lib/os-release", fs::path(r.path) / "etc/os-release");
    CHECK(read_os_release(r.path).id() == "arch");
}


TEST_CASE("an absolute os-release link resolves inside the root, not on the host") {
    TempDir root;
    root.file("/usr/lib/os-release", "ID=arch\n");
    fs::create_directories(fs::path(root.path) / "etc");
    fs::create_symlink("/usr/lib/os-release", fs::path(root.path) / "etc/os-release");
    CHECK(remaster::read_os_release(root.path).id() == "arch");
}
