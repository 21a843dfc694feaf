// Writes a scanned Tree as a squashfs image with libsquashfs: every file type,
// hard links, owners, modes, mtimes and user/trusted/security xattrs, file
// data compressed on all cores. What squashfs cannot hold is counted in the
// report, never dropped silently.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "tree.hpp"

namespace remaster {

struct SquashOptions {
    std::string compressor = "zstd";
    int level = 0;  // 0 = the compressor's default
    uint32_t block_size = 128 * 1024;
    unsigned jobs = 0;  // compression threads; 0 = all cores
};

// One row per kind of loss, e.g. "POSIX ACL (system.posix_acl_*)".
struct DroppedAttr {
    uint64_t count = 0;  // inodes affected
    std::string example_path;
    std::string what;
};

struct SquashReport {
    uint64_t image_bytes = 0;  // including the padding to 4 KiB
    uint64_t inodes = 0;
    uint64_t reused_files = 0;  // whose compressed blocks came from a BlockSource
    std::vector<DroppedAttr> dropped;
};

// Called from the writing thread, at most about ten times a second and once
// at the end, with file bytes read so far and the expected total.
using ProgressFn = std::function<void(uint64_t bytes_done, uint64_t bytes_total)>;

// SHA-256 of what the writer read for chosen files (the file manifest's
// content hashes): the bytes that went into the image, not a second read.
struct ContentDigests {
    std::unordered_set<const Node*> wanted;  // inode-owning Nodes of regular files
    std::unordered_map<const Node*, std::string> got;
};

// Where a file's compressed blocks already are: an older image written with
// the same compressor, level and block size.
struct StoredBlocks {
    size_t image = 0;             // which image, for BlockSource::read
    uint64_t start = 0;           // offset of the first stored block there
    uint64_t file_size = 0;
    uint64_t sparse = 0;          // bytes of holes (extended inodes)
    bool has_fragment = false;    // the tail is in a fragment: read from the file
    std::vector<uint32_t> sizes;  // on-disk size words: bit 24 = stored raw, 0 = a hole
};

// Compressed blocks the writer may copy instead of compressing a file again.
class BlockSource {
public:
    virtual ~BlockSource() = default;
    // Fills `out` and returns true when the file's blocks can be copied.
    virtual bool find(const Node& n, const std::string& rel, StoredBlocks& out) = 0;
    // Reads bytes of the stored blocks: `offset` from s.start.
    virtual void read(const StoredBlocks& s, uint64_t offset, void* buf, size_t size) = 0;
};

// Reads file contents below root_dir (the directory the tree was scanned
// from) and writes the image to out_fd from offset 0 (O_RDWR, empty). Same
// tree and options give the same bytes whatever opt.jobs is: the superblock
// time is the newest mtime in the tree. Throws Error naming the path or the
// libsquashfs failure; ENOSPC gives Exit::no_space; check_interrupt() runs
// while reading files.
SquashReport write_squashfs(const Tree& tree, const std::string& root_dir, int out_fd,
                            const SquashOptions& opt, const ProgressFn& progress, ContentDigests* digests = nullptr,
                            BlockSource* reuse = nullptr);

// "zstd", "zstd:19", "xz", "xz:6", "gzip:9", "lz4", "lzo" ... into options.
// Throws Error(Exit::bad_input) naming the valid choices for anything else,
// and for a block size that is not a power of two in 4 KiB..1 MiB.
SquashOptions parse_compression(const std::string& spec, uint32_t block_size, unsigned jobs);

// The compressors this libsquashfs can write, e.g. {"gzip", "xz", "lz4", "zstd"}.
std::vector<std::string> available_compressors();

}  // namespace remaster
