#include "fragment_packer.hpp"

#include <cstring>

#include "block_checksum.hpp"

namespace remaster {

FragmentPacker::FragmentPacker(BlockPipeline& pipe, uint32_t block_size)
    : pipe_(pipe), block_size_(block_size), block_(block_size) {}

void FragmentPacker::add(FileBlocks& f, const uint8_t* data, size_t size) {
    if (all_zero(data, size)) {
        f.sparse_tail = static_cast<uint32_t>(size);
        return;
    }
    const uint64_t key = (uint64_t{size} << 32) | block_checksum(data, size);
    if (find_equal(data, size, key, f)) return;
    if (open_ && fill_ + size > block_size_) submit();
    if (!open_) {
        open_ = true;
        fill_ = 0;
        seq_.push_back(0);  // the block's number is its index here; its sequence comes at submit()
    }
    const auto index = static_cast<uint32_t>(seq_.size() - 1);
    std::memcpy(block_.data() + fill_, data, size);
    f.frag_index = index;
    f.frag_offset = static_cast<uint32_t>(fill_);
    stored_.emplace(key, std::make_pair(index, f.frag_offset));
    fill_ += size;
}

void FragmentPacker::finish() {
    if (open_) submit();
}

void FragmentPacker::submit() {
    seq_.back() = pipe_.submit_fragment_block(block_, fill_);
    open_ = false;
    fill_ = 0;
}

// A tail stored before with the same bytes: f points there.
bool FragmentPacker::find_equal(const uint8_t* data, size_t size, uint64_t key, FileBlocks& f) {
    auto [it, end] = stored_.equal_range(key);
    for (; it != end; ++it) {
        const auto [index, offset] = it->second;
        size_t have = 0;
        const uint8_t* block = block_bytes(index, have);
        if (offset + size > have || std::memcmp(block + offset, data, size) != 0) continue;
        f.frag_index = index;
        f.frag_offset = offset;
        return true;
    }
    return false;
}

// The uncompressed bytes of fragment block `index`: the one being filled,
// one still in the pipeline, or one read back from the image.
const uint8_t* FragmentPacker::block_bytes(uint32_t index, size_t& size) {
    const bool filling = open_ && index + 1 == seq_.size();
    if (filling) {
        size = fill_;
        return block_.data();
    }
    if (const uint8_t* p = pipe_.unwritten(seq_[index])) {
        size = block_size_;  // the offsets recorded for it are within what was filled
        return p;
    }
    if (loaded_index_ != index) {
        loaded_index_ = kNoFragment;
        pipe_.read_fragment(index, loaded_);
        loaded_index_ = index;
    }
    size = loaded_.size();
    return loaded_.data();
}

}  // namespace remaster
