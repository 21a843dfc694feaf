// SHA-256 manifests of a snapshot's files, in `sha256sum -c` format so the
// initramfs checks them with coreutils and `remaster verify` with OpenSSL.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

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
std::string sha256_file(const std::string& path);

// Writes dir/SHA256SUMS for `files` (names relative to dir), atomically.
// `known`: names whose hash is known already (a file hard-linked from another
// snapshot: the same bytes, hashed when they were written), not read again.
void write_manifest(const std::string& dir, const std::vector<std::string>& files,
                    const std::map<std::string, std::string>& known = {});

// dir/SHA256SUMS as name -> hex; empty when it is missing.
std::map<std::string, std::string> read_manifest(const std::string& dir);

struct ManifestResult {
    std::vector<std::string> ok;
    std::vector<std::string> bad;  // "filesystem.squashfs: checksum mismatch" / ": missing"
};

// Checks dir/SHA256SUMS; throws Error when the manifest itself is missing,
// naming it as `shown` (the path the user knows, e.g. on the stick).
ManifestResult verify_manifest(const std::string& dir, const std::string& shown);

// "<hex>  name" lines -> (name, hex); malformed lines are skipped.
std::vector<std::pair<std::string, std::string>> parse_manifest(const std::string& text);

}  // namespace remaster
