#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>
#include <utime.h>

#include <fstream>
#include <sstream>

#include "initramfs_cache.hpp"
#include "temp_dir.hpp"

using remaster::InitramfsCache;

namespace {

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

bool exists(const std::string& path) {
    struct stat st;
    return ::stat(path.c_str(), &st) == 0;
}

void age(const std::string& path, time_t seconds_ago) {
    const struct utimbuf t{::time(nullptr) - seconds_ago, ::time(nullptr) - seconds_ago};
    REQUIRE(::utime(path.c_str(), &t) == 0);
}

}  // namespace

TEST_CASE("the cache key changes with the inputs and with dracut's command line") {
    const std::string k = InitramfsCache::key("files", {"dracut", "--kver", "6.1"});
    CHECK(k.size() == 64);
    CHECK(k == InitramfsCache::key("files", {"dracut", "--kver", "6.1"}));
    CHECK(k != InitramfsCache::key("files2", {"dracut", "--kver", "6.1"}));
    CHECK(k != InitramfsCache::key("files", {"dracut", "--kver", "6.2"}));
    CHECK(k != InitramfsCache::key("files", {"dracut", "--omit", "resume", "--kver", "6.1"}));
    // Words are kept apart: "a b" and "ab" are different command lines.
    CHECK(InitramfsCache::key("f", {"a", "b"}) != InitramfsCache::key("f", {"ab"}));
}

TEST_CASE("a stored initramfs comes back byte for byte; a missing one is a miss") {
    TempDir t("remaster-cache");
    const InitramfsCache cache(t / "cache");
    t.file("built.img", "initramfs bytes");
    CHECK_FALSE(cache.fetch("k1", t / "out.img"));
    CHECK_FALSE(exists(t / "out.img"));
    cache.store("k1", t / "built.img");
    REQUIRE(cache.fetch("k1", t / "out.img"));
    CHECK(slurp(t / "out.img") == "initramfs bytes");
    CHECK_FALSE(cache.fetch("k2", t / "out2.img"));
}

TEST_CASE("a damaged or unfinished cache entry is never used") {
    TempDir t("remaster-cache");
    const InitramfsCache cache(t / "cache");
    t.file("built.img", "initramfs bytes");
    cache.store("k1", t / "built.img");

    SECTION("truncated: it fails its check and is removed") {
        REQUIRE(::truncate(cache.image_path("k1").c_str(), 5) == 0);
        CHECK_FALSE(cache.fetch("k1", t / "out.img"));
        CHECK_FALSE(exists(cache.image_path("k1")));
        CHECK_FALSE(exists(t / "out.img"));
    }
    SECTION("changed in place, same size") {
        t.file("cache/k1.img", "INITRAMFS bytes");
        CHECK_FALSE(cache.fetch("k1", t / "out.img"));
    }
    SECTION("an image whose check was never written (a crash in store)") {
        REQUIRE(::unlink((t / "cache/k1.sha256").c_str()) == 0);
        CHECK_FALSE(cache.fetch("k1", t / "out.img"));
    }
}

TEST_CASE("the cache keeps to its bound, the most recently used first") {
    TempDir t("remaster-cache");
    const InitramfsCache cache(t / "cache", 25);
    t.file("a.img", std::string(10, 'a'));
    cache.store("old", t / "a.img");
    age(cache.image_path("old"), 300);
    cache.store("mid", t / "a.img");
    age(cache.image_path("mid"), 200);
    cache.store("new", t / "a.img");  // 30 bytes: the oldest goes
    CHECK_FALSE(exists(cache.image_path("old")));
    CHECK_FALSE(exists(t / "cache/old.sha256"));
    CHECK(exists(cache.image_path("mid")));
    CHECK(exists(cache.image_path("new")));

    SECTION("a fetch makes an entry recent") {
        REQUIRE(cache.fetch("mid", t / "out.img"));
        age(cache.image_path("new"), 100);
        cache.store("newest", t / "a.img");
        CHECK(exists(cache.image_path("mid")));
        CHECK_FALSE(exists(cache.image_path("new")));
    }
    SECTION("one entry bigger than the bound is kept") {
        const InitramfsCache small(t / "small", 5);
        small.store("big", t / "a.img");
        CHECK(exists(small.image_path("big")));
    }
}

TEST_CASE("a cache directory others can write to is not trusted") {
    TempDir t("remaster-cache");
    const InitramfsCache cache(t / "cache");
    t.file("built.img", "initramfs bytes");
    cache.store("k1", t / "built.img");
    REQUIRE(::chmod((t / "cache").c_str(), 0777) == 0);
    CHECK_FALSE(cache.fetch("k1", t / "out.img"));
    REQUIRE(::chmod((t / "cache").c_str(), 0700) == 0);
    CHECK(cache.fetch("k1", t / "out.img"));
}

TEST_CASE("no cache directory: nothing is kept or found") {
    TempDir t("remaster-cache");
    const InitramfsCache cache("");
    t.file("built.img", "x");
    cache.store("k", t / "built.img");
    CHECK_FALSE(cache.fetch("k", t / "out.img"));
}

TEST_CASE("a cache that cannot be written only warns") {
    TempDir t("remaster-cache");
    t.file("file", "not a directory");
    t.file("built.img", "x");
    const InitramfsCache cache(t / "file/cache");
    CHECK_NOTHROW(cache.store("k", t / "built.img"));
    CHECK_FALSE(cache.fetch("k", t / "out.img"));
}
