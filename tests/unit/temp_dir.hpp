// A temporary directory for a test, removed with everything in it at the end.
#pragma once

#include <catch2/catch.hpp>

#include <cstdlib>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>

struct TempDir {
    std::string path;
    explicit TempDir(const char* name = "remaster-test") {
        std::string tmpl = std::string("/tmp/") + name + ".XXXXXX";
        REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
        path = tmpl;
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
    std::string operator/(const std::string& rel) const { return path + "/" + rel; }
    // Writes a file below the directory ("/etc/x" or "etc/x"), parents included.
    void file(const std::string& rel, const std::string& content = "", mode_t mode = 0644) const {
        const std::filesystem::path p = std::filesystem::path(path) / (rel[0] == '/' ? rel.substr(1) : rel);
        std::filesystem::create_directories(p.parent_path());
        std::ofstream(p, std::ios::binary) << content;
        ::chmod(p.c_str(), mode);
    }
};
