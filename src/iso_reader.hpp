// Reading an ISO image made by `snapshot --iso` without mounting it (this
// needs no iso9660 driver and no loop device): libisofs imports its
// directory tree, and files are read through libisofs' streams. For
// `remaster verify --on live.iso`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace remaster {

// Whether `path` is a regular file holding an ISO 9660 volume ("CD001" at
// byte 32769), so that --on takes it for an ISO rather than a stick image.
bool is_iso_image(const std::string& path);

// Owns libisofs' data source, read options and imported image.
class IsoReader {
public:
    explicit IsoReader(const std::string& path);  // throws Error naming the file
    IsoReader(const IsoReader&) = delete;
    IsoReader& operator=(const IsoReader&) = delete;
    ~IsoReader();

    // The names in directory `dir` of the ISO ("/remaster"); empty when it is missing.
    std::vector<std::string> subdirs(const std::string& dir) const;
    // A file's content, at most `max` bytes; nullopt when it is missing.
    std::optional<std::string> read_small(const std::string& path, size_t max) const;
    // Hex SHA-256 of a file; nullopt when it is missing.
    std::optional<std::string> sha256(const std::string& path) const;
    // Where a file's bytes are in the image, in bytes from its start, when
    // they are one extent (boot-test changes the grubenv there in its view);
    // nullopt when the file is missing or in pieces.
    std::optional<uint64_t> file_offset(const std::string& path) const;

private:
    // Calls `chunk` with each piece of the file; false when it is missing.
    template <class F>
    bool read(const std::string& path, F&& chunk) const;
    std::string path_;
    void* source_ = nullptr;  // IsoDataSource
    void* opts_ = nullptr;    // IsoReadOpts
    void* image_ = nullptr;   // ::IsoImage
};

// `remaster verify --on FILE` for an ISO: every snapshot's files against its
// SHA256SUMS, one line each; throws Error(Exit::failure) naming the first
// damaged file, or when nothing could be verified.
void verify_iso(const std::string& target, bool json = false);

}  // namespace remaster
