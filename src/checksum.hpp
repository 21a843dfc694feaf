// A snapshot's SHA256SUMS: the SHA-256 of its image, kernel and initramfs,
// in `sha256sum -c` format so the initramfs checks them with coreutils and
// `remaster verify` with OpenSSL. (The file manifest, file_manifest.hpp, is
// another thing: every file of the snapshotted tree.)
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "medium.hpp"

namespace remaster {

// A SHA-256 fed piece by piece.
class Sha256 {
public:
    Sha256();
    Sha256(const Sha256&) = delete;
    Sha256& operator=(const Sha256&) = delete;
    ~Sha256();
    void update(const void* data, size_t size);
    std::string hex();  // finishes the digest

private:
    void* ctx_;  // EVP_MD_CTX, kept out of this header
};

// Hex SHA-256 of a file's content; throws Error naming the file.
// `on_read`, when given, is told the size of each piece read (for progress).
std::string sha256_file(const std::string& path, const std::function<void(uint64_t bytes)>& on_read = {});

// Writes the snapshot's SHA256SUMS for SnapshotDir::summed_files(), with
// the files of `other_kernels`, atomically. `known`: names whose hash is
// known already (a file hard-linked from another snapshot: the same bytes,
// hashed when they were written), not read again. Shows a Progress of the
// bytes read (an image of gigabytes takes a while) unless --quiet.
// `extra`: more files of the directory to list after those (a netboot
// directory's snapshot.info, which a signature must cover too).
void write_sums(const SnapshotDir& dir, const std::map<std::string, std::string>& known = {},
                const std::vector<std::string>& other_kernels = {}, const std::vector<std::string>& extra = {});

// The snapshot's SHA256SUMS as name -> hex; empty when it is missing.
std::map<std::string, std::string> read_sums(const SnapshotDir& dir);

struct SumsResult {
    std::vector<std::string> ok;
    std::vector<std::string> bad;  // "filesystem.squashfs: checksum mismatch" / ": missing"
};

// Checks the snapshot's files against its SHA256SUMS; throws Error when
// SHA256SUMS itself is missing, naming it as the medium shows it.
SumsResult verify_sums(const SnapshotDir& dir);

// "<hex>  name" lines -> (name, hex); malformed lines are skipped.
std::vector<std::pair<std::string, std::string>> parse_sums(const std::string& text);

}  // namespace remaster
