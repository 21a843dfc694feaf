#include "small_file.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>

#include "os_release.hpp"
#include "temp_dir.hpp"

namespace fs = std::filesystem;
using remaster::Error;
using remaster::read_small_file;

TEST_CASE("small file: content, and nullopt when missing") {
    TempDir d;
    d.file("a", "hello\n");
    CHECK(read_small_file(d / "a").value() == "hello\n");
    CHECK_FALSE(read_small_file(d / "missing").has_value());
    CHECK_FALSE(read_small_file(d / "a/below-a-file").has_value());
}

TEST_CASE("small file: a FIFO is refused at once, naming it") {
    TempDir d;
    REQUIRE(::mkfifo((d / "fifo").c_str(), 0644) == 0);
    const auto start = std::chrono::steady_clock::now();
    CHECK_THROWS_WITH(read_small_file(d / "fifo", {1024, true, "'/etc/x' in the root"}),
                      "'/etc/x' in the root is a FIFO, not a regular file");
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));
}

TEST_CASE("small file: a link to /dev/zero is refused, not read forever") {
    TempDir d;
    fs::create_symlink("/dev/zero", d / "zero");
    CHECK_THROWS_WITH(read_small_file(d / "zero"), Catch::Contains("is a character device, not a regular file"));
}

TEST_CASE("small file: larger than the cap is refused; a symlink with follow_symlink off too") {
    TempDir d;
    d.file("big", std::string(5000, 'x'));
    CHECK_THROWS_WITH(read_small_file(d / "big", {4096}), Catch::Contains("is too large"));
    CHECK(read_small_file(d / "big", {5000})->size() == 5000);
    fs::create_symlink("big", d / "link");
    CHECK_THROWS_WITH(read_small_file(d / "link", {8192, false}), Catch::Contains("is a symbolic link"));
}

TEST_CASE("os-release: a FIFO or a device there fails with a message naming it") {
    TempDir r;
    fs::create_directories(fs::path(r.path) / "etc");
    REQUIRE(::mkfifo((r / "etc/os-release").c_str(), 0644) == 0);
    r.file("/usr/lib/os-release", "ID=debian\n");  // not a fallback for a broken /etc one
    try {
        remaster::read_os_release(r.path);
        FAIL("no exception");
    } catch (const Error& e) {
        CHECK(e.code() == remaster::Exit::bad_input);
        CHECK(std::string(e.what()) == "'/etc/os-release' in the root '" + r.path + "' is a FIFO, not a regular file");
    }
}
