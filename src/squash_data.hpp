// The file data of a squashfs image: every regular file's contents, one file
// after the other in the inode order's pre-order walk, fed to the block
// processor (compressed on its worker threads, written in submission order,
// so the bytes do not depend on the number of threads), or, for a file an
// older image holds already, its compressed blocks copied from there.
// Alongside: the SHA-256 of what was read for the file manifest, the
// read-ahead thread (squash_prefetch.hpp) and the progress calls.
//
// This is the place for an own block pipeline (docs/speed.md, "What is
// left"): everything that turns file contents into data blocks and fills the
// file inodes' block lists lives here, and the metadata stage only takes the
// finished inodes from FileInodes.
//
// Paths in messages are those inside the snapshot ("/etc/shadow"), like the
// filter's and the report's: the root directory is often a temporary view.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "checksum.hpp"
#include "squash_inodes.hpp"
#include "squash_objects.hpp"
#include "squash_prefetch.hpp"
#include "squash_writer.hpp"

namespace remaster {

// Calls the ProgressFn at most ten times a second, and once at the end.
class ProgressMeter {
public:
    explicit ProgressMeter(const ProgressFn& fn) : fn_(fn) {}
    void start(uint64_t total) { total_ = total; }
    void add(uint64_t bytes, bool final = false);

private:
    const ProgressFn& fn_;
    uint64_t done_ = 0, total_ = 0;
    std::chrono::steady_clock::time_point last_{};
};

// Compressed blocks copied from an older image (BlockSource): which files,
// and where their blocks now are. Their inodes get the block lists once the
// processor is done with them.
struct CopiedBlocks {
    BlockSource* source = nullptr;                          // null: no reuse
    std::vector<std::pair<uint32_t, StoredBlocks>> files;  // inode index, blocks copied here
    bool compressed_in_flight = false;  // a compressed file's blocks may not be written yet
};

// The read-ahead thread, while file data is read, and how far the reader is.
struct ReadAhead {
    std::unique_ptr<Prefetcher> thread;
    size_t files_read = 0;
    void file_done() {
        if (thread) thread->consumed(++files_read);
    }
};

class DataStream {
public:
    DataStream(ImageObjects& obj, const InodeNumbers& inodes, FileInodes& files, const std::string& root_dir,
               uint32_t block_size, const ProgressFn& progress, ContentDigests* digests, BlockSource* reuse);

    // Writes the data of every regular file of the tree and finishes the
    // block processor: afterwards every slot of a regular file is complete.
    void write(const Tree& tree);
    // Files whose blocks were copied from a BlockSource.
    uint64_t reused_files() const { return copied_.files.size(); }

private:
    void write_dir(const Node& dir, int dirfd, const std::string& dir_rel);
    void write_file(const Node& n, int dirfd, const std::string& rel);
    void copy_contents(int fd, uint64_t size, const std::string& rel);
    void append(const void* data, size_t size, const std::string& rel);
    void append_zeros(uint64_t count, const std::string& rel);
    bool write_reused(const Node& n, uint32_t idx, int dirfd, const std::string& rel, const StoredBlocks& s);
    uint64_t copy_stored_blocks(const StoredBlocks& s, const std::string& rel);
    void finish_reused();

    ImageObjects& obj_;
    const InodeNumbers& inodes_;
    FileInodes& files_;
    std::string root_dir_;
    uint32_t block_size_;
    ContentDigests* digests_;
    std::unique_ptr<Sha256> digest_;  // of the file being read, when wanted
    std::vector<char> zeros_, buf_;
    ProgressMeter progress_;
    ReadAhead ahead_;
    CopiedBlocks copied_;
};

}  // namespace remaster
