// DirStream owns its DIR*: no fd is left open, whatever leaves a readdir loop.
#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <string>
#include <vector>

#include "boot_install.hpp"
#include "dir_stream.hpp"
#include "error.hpp"

#include "temp_dir.hpp"

using namespace remaster;

namespace {

size_t open_fds() {
    size_t n = 0;
    for (auto it = std::filesystem::directory_iterator("/proc/self/fd"); it != std::filesystem::directory_iterator();
         ++it)
        n++;
    return n;
}

}  // namespace

TEST_CASE("DirStream lists entries without . and .., and closes its fd", "[dir_stream]") {
    TempDir t;
    t.file("a");
    t.file("b");
    t.file(".hidden");
    const size_t before = open_fds();
    std::vector<std::string> names;
    {
        DirStream d(t.path);
        REQUIRE(d);
        CHECK(open_fds() == before + 1);
        while (const dirent* e = d.next()) names.push_back(e->d_name);
        CHECK(d.error() == 0);
    }
    CHECK(open_fds() == before);
    std::sort(names.begin(), names.end());
    CHECK(names == std::vector<std::string>{".hidden", "a", "b"});
}

TEST_CASE("DirStream of a missing directory is false and reads nothing", "[dir_stream]") {
    TempDir t;
    DirStream d(t / "missing");
    CHECK_FALSE(d);
    CHECK(d.next() == nullptr);
}

TEST_CASE("DirStream::adopt owns the fd, also when it is no directory", "[dir_stream]") {
    TempDir t;
    t.file("f");
    const size_t before = open_fds();
    {
        DirStream d = DirStream::adopt(::open(t.path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        REQUIRE(d);
        DirStream moved = std::move(d);
        CHECK(moved);
        CHECK_FALSE(d);
    }
    CHECK(open_fds() == before);
    DirStream bad = DirStream::adopt(::open((t / "f").c_str(), O_RDONLY | O_CLOEXEC));
    CHECK_FALSE(bad);
    CHECK(errno == ENOTDIR);
    CHECK(open_fds() == before);
}

// The leak this type fixes: a copy that threw inside the readdir loop left
// the DIR* (and its fd) open.
TEST_CASE("install_dracut_module closes the module dir when a copy fails midway", "[dir_stream]") {
    TempDir t;
    t.file("data/dracut-module/a.sh", "a", 0755);
    t.file("data/dracut-module/b.sh", "b", 0755);
    t.file("data/dracut-module/c.sh", "c", 0755);
    // A directory where b.sh would be renamed into place: that copy throws.
    t.file("view/usr/lib/dracut/modules.d/90remaster/b.sh/in-the-way");
    const size_t before = open_fds();
    CHECK_THROWS_AS(install_dracut_module(t / "data", t / "view"), Error);
    CHECK(open_fds() == before);
}
