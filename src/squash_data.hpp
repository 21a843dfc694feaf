// The file data of a squashfs image: every regular file's contents, one file
// after the other in the inode order's pre-order walk, read straight into
// block buffers: full blocks go to the block pipeline (compressed on its
// worker threads, written in submission order, so the bytes do not depend on
// the number of threads), tails to the fragment packer; or, for a file an
// older image holds already, its compressed blocks are copied from there.
// Alongside: the SHA-256 of what was read for the file manifest, the
// read-ahead thread (squash_prefetch.hpp) and the progress calls. At the end
// every regular file's inode is made from what its data became, and the
// metadata stage takes the finished inodes from FileInodes.
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

#include "block_pipeline.hpp"
#include "checksum.hpp"
#include "file_blocks.hpp"
#include "fragment_packer.hpp"
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
    // threads: compression threads of the block pipeline.
    DataStream(ImageObjects& obj, const InodeNumbers& inodes, FileInodes& files, const std::string& root_dir,
               uint32_t block_size, unsigned threads, const ProgressFn& progress, ContentDigests* digests,
               BlockSource* reuse);

    // Writes the data of every regular file of the tree; afterwards every
    // slot of a regular file holds its finished inode.
    void write(const Tree& tree);
    // Files whose blocks were copied from a BlockSource.
    uint64_t reused_files() const { return reused_; }

private:
    void write_dir(const Node& dir, int dirfd, const std::string& dir_rel);
    void write_file(const Node& n, int dirfd, const std::string& rel);
    void copy_contents(int fd, uint64_t size, const std::string& rel, FileBlocks& f);
    void filled(size_t bytes, FileBlocks& f);
    void add_zeros(uint64_t count, FileBlocks& f);
    void end_file(FileBlocks& f);
    bool write_reused(const Node& n, int dirfd, const std::string& rel, const StoredBlocks& s, FileBlocks& f);
    uint64_t copy_stored_blocks(const StoredBlocks& s, const std::string& rel);
    void make_inodes();

    ImageObjects& obj_;
    const InodeNumbers& inodes_;
    FileInodes& files_;
    std::string root_dir_;
    uint32_t block_size_;
    ContentDigests* digests_;
    std::unique_ptr<Sha256> digest_;  // of the file being read, when wanted
    std::vector<uint8_t> block_;      // the block being read into
    size_t fill_ = 0;                 // bytes of it filled
    uint32_t file_blocks_ = 0;        // full blocks of the current file submitted
    std::vector<char> buf_;           // copying stored blocks
    std::vector<FileBlocks> records_; // per inode index: what a regular file's data became
    std::vector<uint32_t> written_;   // the inode indexes of the regular files written
    BlockSource* reuse_;
    uint64_t reused_ = 0;
    ProgressMeter progress_;
    ReadAhead ahead_;
    BlockPipeline pipe_;
    FragmentPacker packer_;
};

}  // namespace remaster
