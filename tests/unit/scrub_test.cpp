#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "scrub.hpp"

using namespace remaster;

namespace {
struct TempTree {
    std::string path;
    TempTree() {
        char tmpl[] = "/tmp/remaster-scrub-XXXXXX";
        path = ::mkdtemp(tmpl);
    }
    ~TempTree() { std::system(("rm -rf '" + path + "'").c_str()); }
    void file(const std::string& rel, const std::string& content = "x") {
        std::ofstream(path + rel) << content;
    }
    void dir(const std::string& rel) { ::mkdir((path + rel).c_str(), 0755); }
    std::string read(const std::string& rel) {
        std::ifstream f(path + rel);
        return std::string(std::istreambuf_iterator<char>(f), {});
    }
};
}  // namespace

TEST_CASE("a tree without /etc is not scrubbed at all") {
    TempTree t;
    t.dir("/data");
    CHECK(plan_scrub(t.path, Mode::clean).empty());
}

TEST_CASE("backup mode replaces fstab and a static mtab, keeps identity") {
    TempTree t;
    t.dir("/etc");
    t.file("/etc/fstab", "UUID=1234 / ext4 defaults 0 1\n");
    t.file("/etc/mtab", "/dev/sda1 / ext4 rw 0 0\n");
    t.file("/etc/machine-id", "0123456789abcdef0123456789abcdef\n");
    const auto acts = plan_scrub(t.path, Mode::backup);
    REQUIRE(acts.size() == 2);
    apply_scrub(t.path, acts);
    CHECK(t.read("/etc/fstab") == kLiveFstab);
    char buf[64] = {0};
    REQUIRE(::readlink((t.path + "/etc/mtab").c_str(), buf, sizeof buf - 1) > 0);
    CHECK(std::string(buf) == "../proc/self/mounts");
    CHECK(t.read("/etc/machine-id") == "0123456789abcdef0123456789abcdef\n");
}

TEST_CASE("clean mode empties machine-id and crypttab; a correct mtab link is left alone") {
    TempTree t;
    t.dir("/etc");
    t.file("/etc/machine-id", "0123456789abcdef0123456789abcdef\n");
    t.file("/etc/crypttab", "home UUID=1 none luks\n");
    REQUIRE(::symlink("../proc/self/mounts", (t.path + "/etc/mtab").c_str()) == 0);
    const auto acts = plan_scrub(t.path, Mode::clean);
    for (const auto& a : acts) CHECK(a.path != "/etc/mtab");
    apply_scrub(t.path, acts);
    CHECK(t.read("/etc/machine-id").empty());
    CHECK(t.read("/etc/crypttab").empty());
    CHECK(t.read("/etc/fstab") == kLiveFstab);
}

TEST_CASE("scrubbing cannot be led out of the tree by a symlinked /etc") {
    TempTree outside, t;
    outside.file("/fstab", "precious\n");
    REQUIRE(::symlink(outside.path.c_str(), (t.path + "/etc").c_str()) == 0);
    // The absolute symlink is resolved inside the tree, where it does not exist.
    CHECK_THROWS(apply_scrub(t.path, {{ScrubAction::Kind::write_file, "/etc/fstab", "x", "test"}}));
    CHECK(outside.read("/fstab") == "precious\n");
}
