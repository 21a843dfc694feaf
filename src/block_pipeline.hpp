// The own block pipeline of a squashfs image (docs/speed.md): blocks of file
// data are compressed on worker threads and written through libsquashfs's
// block writer (which deduplicates them) strictly in the order they were
// submitted, so the image does not depend on the number of threads.
//
// It replaces libsquashfs 1.2's block processor, which passed every block
// *and every file tail* through one thread pool with broadcast wake-ups and
// slept the reading thread for each: with 12 000 small files some 20 000
// hand-offs, which cost more than mksquashfs when the files are in the page
// cache. Here file tails never come through (the fragment packer gathers
// them on the reading thread and submits whole fragment blocks), a worker is
// woken only when one sleeps, whichever thread finishes the oldest block
// writes every finished block after it, and the reading thread, when the
// ring is full, compresses a block itself instead of sleeping.
//
// Ownership: a submitted block's buffer is swapped into a ring slot (no
// copy); the caller gets the slot's previous buffer back to fill next.
#pragma once

#include <sqfs/compressor.h>

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

#include "file_blocks.hpp"
#include "sqfs_objects.hpp"
#include "squash_objects.hpp"

namespace remaster {

// Where a fragment block went: its offset in the image and its on-disk size
// word (bit 24: stored raw), as the fragment table records it.
struct FragmentLocation {
    uint64_t start = 0;
    uint32_t size = 0;
};

class BlockPipeline {
public:
    // workers compression threads; obj's file, block writer, compressor
    // (copied per thread) and decompressor are used until destruction.
    BlockPipeline(ImageObjects& obj, uint32_t block_size, unsigned workers);
    ~BlockPipeline();  // stops and joins the threads; never throws
    BlockPipeline(const BlockPipeline&) = delete;
    BlockPipeline& operator=(const BlockPipeline&) = delete;

    // A full block (block_size bytes in buf) of file f, its first one if
    // `first`. buf gets an empty buffer of block_size bytes back.
    void submit_data(std::vector<uint8_t>& buf, FileBlocks& f, bool first);
    // The end of f's blocks, after its last one: the block writer
    // deduplicates the file's run of blocks and f gets where they start.
    void submit_end(FileBlocks& f);
    // A fragment block of `size` bytes in buf; returns its sequence number
    // (for unwritten()). Fragment blocks are numbered in submission order.
    uint64_t submit_fragment_block(std::vector<uint8_t>& buf, size_t size);

    // The bytes of the block with sequence number seq while it is not yet
    // written (valid until the caller submits again), else null.
    const uint8_t* unwritten(uint64_t seq);
    // The uncompressed bytes of written fragment block `index`.
    void read_fragment(uint32_t index, std::vector<uint8_t>& out);

    // Returns once every submitted block is written; throws the first error.
    void drain();
    // After drain(): the fragment blocks in the order of their numbers.
    const std::vector<FragmentLocation>& fragments() const { return fragments_; }

private:
    struct Slot;
    struct Worker;
    Slot& slot(uint64_t seq);
    Slot& free_slot(std::unique_lock<std::mutex>& lock);
    void queue(std::unique_lock<std::mutex>& lock, Slot& s);
    bool help(std::unique_lock<std::mutex>& lock, sqfs_compressor_t* cmp);
    static void process(Slot& s, sqfs_compressor_t* cmp);
    void work(sqfs_compressor_t* cmp);
    void stop() noexcept;
    void write_finished(std::unique_lock<std::mutex>& lock);
    int write(Slot& s);
    void throw_if_failed();

    ImageObjects& obj_;
    const uint32_t block_size_;
    std::vector<Slot> slots_;
    std::vector<Worker> workers_;
    SqfsPtr<sqfs_compressor_t> own_cmp_;  // the reading thread's, when it helps

    std::mutex mutex_;
    std::condition_variable work_cv_;   // workers wait for a block
    std::condition_variable space_cv_;  // the reading thread waits for a slot or for drain
    uint64_t submitted_ = 0;            // sequence number of the next block submitted
    uint64_t taken_ = 0;                // the next block a thread takes to compress
    uint64_t written_ = 0;              // the next block to write
    bool writing_ = false;              // a thread writes finished blocks (outside the lock)
    unsigned idle_ = 0;                 // workers asleep
    bool stop_ = false;
    int error_ = 0;                     // first libsquashfs error

    std::mutex io_mutex_;  // the image file and block writer: one writer, or a read-back
    std::vector<FragmentLocation> fragments_;
    std::vector<uint8_t> readback_;
};

}  // namespace remaster
