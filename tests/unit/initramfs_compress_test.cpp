#include <catch2/catch.hpp>

#include <zlib.h>
#include <zstd.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>

#include "error.hpp"
#include "initramfs_compress.hpp"
#include "temp_dir.hpp"

using namespace remaster;

namespace {

std::string pad4(std::string s) {
    while (s.size() % 4) s += '\0';
    return s;
}

// One newc entry: header, name, file data, each padded to 4 bytes.
std::string newc_entry(const std::string& name, const std::string& data) {
    char header[111];
    std::snprintf(header, sizeof header, "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X", 1u, 0100644u, 0u,
                  0u, 1u, 0u, static_cast<unsigned>(data.size()), 0u, 0u, 0u, 0u,
                  static_cast<unsigned>(name.size() + 1), 0u);
    return pad4(std::string(header, 110) + name + '\0') + pad4(data);
}

std::string archive(std::initializer_list<std::pair<std::string, std::string>> files, size_t pad_to = 512) {
    std::string a;
    for (const auto& [name, data] : files) a += newc_entry(name, data);
    a += newc_entry("TRAILER!!!", "");
    while (pad_to && a.size() % pad_to) a += '\0';
    return a;
}

std::string read_all(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(f), {}};
}

std::string unzstd(const std::string& z) {
    std::string out(ZSTD_getFrameContentSize(z.data(), z.size()), '\0');
    REQUIRE(ZSTD_decompress(out.data(), out.size(), z.data(), z.size()) == out.size());
    return out;
}

std::string gunzip(const std::string& z) {
    z_stream zs{};
    REQUIRE(inflateInit2(&zs, 15 + 16) == Z_OK);
    std::string out;
    char buf[65536];
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(z.data()));
    zs.avail_in = static_cast<uInt>(z.size());
    int rc;
    do {
        zs.next_out = reinterpret_cast<Bytef*>(buf);
        zs.avail_out = sizeof buf;
        rc = inflate(&zs, Z_NO_FLUSH);
        REQUIRE((rc == Z_OK || rc == Z_STREAM_END));
        out.append(buf, sizeof buf - zs.avail_out);
    } while (rc != Z_STREAM_END);
    inflateEnd(&zs);
    return out;
}

const unsigned char* bytes(const std::string& s) { return reinterpret_cast<const unsigned char*>(s.data()); }

}  // namespace

TEST_CASE("the early cpio is found by dracut's marker, with its padding") {
    const std::string early = archive({{"early_cpio", "1\n"}, {"kernel/x86/microcode/GenuineIntel.bin", "ucode"}});
    const std::string main = archive({{".", ""}, {"init", "#!/bin/sh\n"}}, 0);
    const std::string image = early + main;
    CHECK(early_cpio_length(bytes(image), image.size()) == early.size());
    // No marker: the whole image is the main archive.
    CHECK(early_cpio_length(bytes(main), main.size()) == 0);
    // Cut off, or not a cpio at all: nothing is taken as early.
    CHECK(early_cpio_length(bytes(early), 200) == 0);
    const std::string junk = "070701zzzz" + std::string(200, 'x');
    CHECK(early_cpio_length(bytes(junk), junk.size()) == 0);
    CHECK(early_cpio_length(bytes(image), 0) == 0);
}

TEST_CASE("compress_initramfs keeps the early cpio as it is and compresses the rest") {
    TempDir t;
    const std::string early = archive({{"early_cpio", "1\n"}, {"kernel/x86/microcode/AuthenticAMD.bin", "ucode"}});
    std::string main = archive({{".", ""}, {"init", std::string(300000, 'a')}}, 0);
    t.file("in.img", early + main);
    for (auto c : {InitramfsCompression::zstd, InitramfsCompression::gzip}) {
        const std::string out = t / (std::string("out.") + compression_name(c));
        compress_initramfs(t / "in.img", out, c, 2);
        const std::string got = read_all(out);
        REQUIRE(got.size() > early.size());
        CHECK(got.compare(0, early.size(), early) == 0);
        const std::string rest = got.substr(early.size());
        CHECK(rest.size() < main.size() / 10);
        CHECK((c == InitramfsCompression::zstd ? unzstd(rest) : gunzip(rest)) == main);
    }
}

TEST_CASE("an image without an early cpio is compressed whole") {
    TempDir t;
    const std::string main = archive({{".", ""}, {"init", "x"}});
    t.file("in.img", main);
    compress_initramfs(t / "in.img", t / "out", InitramfsCompression::zstd, 1);
    CHECK(unzstd(read_all(t / "out")) == main);
}

TEST_CASE("an empty or missing image from dracut is an error, and nothing is left under the name") {
    TempDir t;
    t.file("empty.img", "");
    CHECK_THROWS_AS(compress_initramfs(t / "empty.img", t / "out", InitramfsCompression::zstd), Error);
    CHECK_THROWS_AS(compress_initramfs(t / "missing.img", t / "out", InitramfsCompression::gzip), Error);
    CHECK(read_all(t / "out").empty());
}

TEST_CASE("zstd only for a kernel whose config says it unpacks zstd") {
    TempDir t;
    CHECK(initramfs_compression_for(t.path, "6.1.0-13-amd64") == InitramfsCompression::gzip);
    t.file("/boot/config-6.1.0-13-amd64", "CONFIG_RD_GZIP=y\n# CONFIG_RD_ZSTD is not set\n");
    CHECK(initramfs_compression_for(t.path, "6.1.0-13-amd64") == InitramfsCompression::gzip);
    t.file("/boot/config-6.1.0-13-amd64", "CONFIG_RD_GZIP=y\nCONFIG_RD_ZSTD=y\n");
    CHECK(initramfs_compression_for(t.path, "6.1.0-13-amd64") == InitramfsCompression::zstd);
    // Fedora keeps it beside the modules.
    t.file("/usr/lib/modules/6.5.6-300.fc39.x86_64/config", "CONFIG_RD_ZSTD=y\n");
    CHECK(initramfs_compression_for(t.path, "6.5.6-300.fc39.x86_64") == InitramfsCompression::zstd);
}
