#include "block_pipeline.hpp"

#include <sqfs/block.h>
#include <sqfs/block_writer.h>
#include <sqfs/error.h>

#include <algorithm>
#include <cstring>

#include "block_checksum.hpp"
#include "error.hpp"
#include "interrupt.hpp"

namespace remaster {
namespace {

// Blocks in the ring, whatever the block size: enough that the workers never
// run dry while the reading thread waits for the disk or for a CPU, little
// enough to stay a small part of our memory (each slot holds the block and
// its compressed copy). On the test root 8 MiB (32 blocks of 128 KiB) was
// as fast as 12 with a warm page cache and 2 % slower with a cold one, for
// 4 MiB less.
constexpr size_t kRingBytes = 8 * 1024 * 1024;
constexpr uint32_t kStoredRaw = 1u << 24;  // on-disk size word: not compressed

}  // namespace

struct BlockPipeline::Slot {
    enum class Kind { data, end, fragment };
    enum class State { free, queued, working, done };
    Kind kind = Kind::data;
    State state = State::free;
    std::vector<uint8_t> data, out;
    size_t size = 0;
    FileBlocks* file = nullptr;
    uint32_t flags = 0;       // SQFS_BLK_FIRST_BLOCK
    bool zero = false;        // all zeros: a hole
    uint32_t checksum = 0;
    int32_t compressed = 0;   // bytes in out; 0: stored raw; < 0: libsquashfs error
};

struct BlockPipeline::Worker {
    SqfsPtr<sqfs_compressor_t> cmp;
    std::thread thread;
};

namespace {

SqfsPtr<sqfs_compressor_t> copy_compressor(sqfs_compressor_t* cmp) {
    SqfsPtr<sqfs_compressor_t> c(static_cast<sqfs_compressor_t*>(sqfs_copy(cmp)));
    if (!c) throw_sqfs("start the compression threads", SQFS_ERROR_ALLOC);
    return c;
}

}  // namespace

BlockPipeline::BlockPipeline(ImageObjects& obj, uint32_t block_size, unsigned workers)
    : obj_(obj), block_size_(block_size) {
    const size_t count = std::max<size_t>(kRingBytes / (2 * size_t{block_size}), 2 * workers + 2);
    slots_.resize(count);
    for (auto& s : slots_) {
        s.data.resize(block_size);
        s.out.resize(block_size);
    }
    own_cmp_ = copy_compressor(obj_.cmp.get());
    workers_.resize(std::max(1u, workers));
    for (auto& w : workers_) w.cmp = copy_compressor(obj_.cmp.get());
    SignalsBlocked blocked;  // they stay with the reading thread
    try {
        for (auto& w : workers_) w.thread = std::thread([this, c = w.cmp.get()] { work(c); });
    } catch (...) {
        stop();
        throw Error(Exit::failure, "Cannot start the compression threads");
    }
}

BlockPipeline::~BlockPipeline() { stop(); }

void BlockPipeline::stop() noexcept {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stop_ = true;
    }
    work_cv_.notify_all();
    for (auto& w : workers_)
        if (w.thread.joinable()) w.thread.join();
}

BlockPipeline::Slot& BlockPipeline::slot(uint64_t seq) { return slots_[seq % slots_.size()]; }

// The slot of the next block to submit, once it is written; compresses
// blocks meanwhile rather than sleep.
BlockPipeline::Slot& BlockPipeline::free_slot(std::unique_lock<std::mutex>& lock) {
    while (!stop_ && submitted_ - written_ >= slots_.size())
        if (!help(lock, own_cmp_.get())) space_cv_.wait(lock);
    if (stop_) {
        lock.unlock();
        throw_if_failed();
        throw Error(Exit::failure, "Internal error: the compression threads stopped");
    }
    Slot& s = slot(submitted_);
    s.zero = false;
    s.checksum = 0;
    s.compressed = 0;
    return s;
}

void BlockPipeline::queue(std::unique_lock<std::mutex>& lock, Slot& s) {
    ++submitted_;
    if (s.state == Slot::State::done) {
        write_finished(lock);
    } else if (idle_ > 0) {
        lock.unlock();
        work_cv_.notify_one();
    }
}

void BlockPipeline::submit_data(std::vector<uint8_t>& buf, FileBlocks& f, bool first) {
    std::unique_lock<std::mutex> lock(mutex_);
    Slot& s = free_slot(lock);
    s.data.swap(buf);
    s.kind = Slot::Kind::data;
    s.state = Slot::State::queued;
    s.size = block_size_;
    s.file = &f;
    s.flags = first ? SQFS_BLK_FIRST_BLOCK : 0;
    queue(lock, s);
}

void BlockPipeline::submit_end(FileBlocks& f) {
    std::unique_lock<std::mutex> lock(mutex_);
    Slot& s = free_slot(lock);
    s.kind = Slot::Kind::end;
    s.state = Slot::State::done;  // nothing to compress
    s.size = 0;
    s.file = &f;
    s.flags = SQFS_BLK_LAST_BLOCK;
    queue(lock, s);
}

uint64_t BlockPipeline::submit_fragment_block(std::vector<uint8_t>& buf, size_t size) {
    std::unique_lock<std::mutex> lock(mutex_);
    Slot& s = free_slot(lock);
    const uint64_t seq = submitted_;
    s.data.swap(buf);
    s.kind = Slot::Kind::fragment;
    s.state = Slot::State::queued;
    s.size = size;
    s.file = nullptr;
    s.flags = SQFS_BLK_FRAGMENT_BLOCK;
    queue(lock, s);
    return seq;
}

const uint8_t* BlockPipeline::unwritten(uint64_t seq) {
    std::lock_guard<std::mutex> lock(mutex_);
    return seq >= written_ && seq < submitted_ ? slot(seq).data.data() : nullptr;
}

void BlockPipeline::read_fragment(uint32_t index, std::vector<uint8_t>& out) {
    std::lock_guard<std::mutex> io(io_mutex_);
    if (index >= fragments_.size()) throw_sqfs("read back a fragment block", SQFS_ERROR_INTERNAL);
    const FragmentLocation loc = fragments_[index];
    const uint32_t bytes = loc.size & (kStoredRaw - 1);
    sqfs_file_t* file = obj_.file.get();
    out.resize(block_size_);
    if (loc.size & kStoredRaw) {
        int ret = file->read_at(file, loc.start, out.data(), bytes);
        if (ret) throw_sqfs("read back a fragment block", ret, &obj_.file);
        out.resize(bytes);
        return;
    }
    readback_.resize(bytes);
    int ret = file->read_at(file, loc.start, readback_.data(), bytes);
    if (ret) throw_sqfs("read back a fragment block", ret, &obj_.file);
    sqfs_compressor_t* un = obj_.uncmp.get();
    ret = un->do_block(un, readback_.data(), bytes, out.data(), block_size_);
    if (ret <= 0) throw_sqfs("decompress a fragment block read back", ret ? ret : SQFS_ERROR_CORRUPTED);
    out.resize(static_cast<size_t>(ret));
}

void BlockPipeline::drain() {
    std::unique_lock<std::mutex> lock(mutex_);
    while (!stop_ && written_ < submitted_)
        if (!help(lock, own_cmp_.get())) space_cv_.wait(lock);
    lock.unlock();
    throw_if_failed();
}

void BlockPipeline::throw_if_failed() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (error_) throw_sqfs("write file data to the image", error_, &obj_.file);
}

// Takes the next queued block, compresses it and writes what is finished;
// false when there is none to take.
bool BlockPipeline::help(std::unique_lock<std::mutex>& lock, sqfs_compressor_t* cmp) {
    // Blocks written already (an end marker needs no work) are not looked at
    // again: their slots may hold newer blocks.
    taken_ = std::max(taken_, written_);
    while (taken_ < submitted_ && slot(taken_).state != Slot::State::queued) ++taken_;
    if (stop_ || taken_ == submitted_) return false;
    Slot& s = slot(taken_++);
    s.state = Slot::State::working;
    lock.unlock();
    process(s, cmp);
    lock.lock();
    s.state = Slot::State::done;
    write_finished(lock);
    return true;
}

void BlockPipeline::work(sqfs_compressor_t* cmp) {
    std::unique_lock<std::mutex> lock(mutex_);
    while (!stop_) {
        if (help(lock, cmp)) continue;
        ++idle_;
        work_cv_.wait(lock);
        --idle_;
    }
}

// Hole check, checksum and compression of one block, outside the lock.
void BlockPipeline::process(Slot& s, sqfs_compressor_t* cmp) {
    s.zero = s.kind == Slot::Kind::data && all_zero(s.data.data(), s.size);
    if (s.zero) return;
    s.compressed = cmp->do_block(cmp, s.data.data(), static_cast<sqfs_u32>(s.size), s.out.data(),
                                 static_cast<sqfs_u32>(s.out.size()));
    // The block writer finds duplicates by checksum and on-disk size, then
    // compares the bytes on disk: the checksum of what is stored serves as
    // well as that of the input (the same input compresses to the same
    // bytes), and is a third of the work.
    if (s.compressed > 0)
        s.checksum = block_checksum(s.out.data(), static_cast<size_t>(s.compressed));
    else if (s.compressed == 0)
        s.checksum = block_checksum(s.data.data(), s.size);
}

// Writes the finished blocks from the oldest on, in order, unless another
// thread is at it; called with the lock held, which it drops while writing.
void BlockPipeline::write_finished(std::unique_lock<std::mutex>& lock) {
    while (!writing_ && !stop_ && written_ < submitted_ && slot(written_).state == Slot::State::done) {
        const uint64_t from = written_;
        uint64_t to = from;
        while (to < submitted_ && slot(to).state == Slot::State::done) ++to;
        writing_ = true;
        lock.unlock();
        int err = 0;
        {
            std::lock_guard<std::mutex> io(io_mutex_);
            for (uint64_t seq = from; seq < to && !err; ++seq) err = write(slot(seq));
        }
        lock.lock();
        for (uint64_t seq = from; seq < to; ++seq) slot(seq).state = Slot::State::free;
        written_ = to;
        writing_ = false;
        if (err && !error_) {
            error_ = err;
            stop_ = true;
            work_cv_.notify_all();
        }
        space_cv_.notify_one();
    }
}

// One block through the block writer, and what it became into its file's
// record or the fragment list: the writer's flags, size words and holes as
// libsquashfs's block processor gave them, so the image is laid out as
// before (a file's blocks in a run the writer can deduplicate).
int BlockPipeline::write(Slot& s) {
    if (s.compressed < 0) return s.compressed;
    sqfs_block_writer_t* wr = obj_.blkwr.get();
    sqfs_u64 location = 0;
    if (s.kind == Slot::Kind::end) {
        int ret = wr->write_data_block(wr, nullptr, 0, 0, s.flags, nullptr, &location);
        s.file->start = location;
        return ret;
    }
    if (s.zero) {  // the writer stores nothing, but a first block starts the file's run
        int ret = wr->write_data_block(wr, nullptr, static_cast<sqfs_u32>(s.size), 0, s.flags | SQFS_BLK_IS_SPARSE,
                                       nullptr, &location);
        s.file->sizes.push_back(0);
        s.file->sparse += s.size;
        return ret;
    }
    const bool packed = s.compressed > 0;
    const uint32_t bytes = packed ? static_cast<uint32_t>(s.compressed) : static_cast<uint32_t>(s.size);
    const uint32_t flags = s.flags | (packed ? SQFS_BLK_IS_COMPRESSED : 0);
    int ret = wr->write_data_block(wr, nullptr, bytes, s.checksum, flags, packed ? s.out.data() : s.data.data(),
                                   &location);
    const uint32_t word = bytes | (packed ? 0 : kStoredRaw);
    if (s.kind == Slot::Kind::fragment)
        fragments_.push_back({location, word});
    else
        s.file->sizes.push_back(word);
    return ret;
}

}  // namespace remaster
