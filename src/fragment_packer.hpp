// File tails (what is left after a file's last full block) gathered into
// fragment blocks on the reading thread, as squashfs stores them: a tail
// that is all zeros becomes a hole, a tail equal to one stored before points
// there (compared byte for byte, not only by checksum), any other is copied
// into the fragment block being filled, which goes to the block pipeline as
// one block when the next tail does not fit.
#pragma once

#include <cstdint>
#include <unordered_map>
#include <utility>
#include <vector>

#include "block_pipeline.hpp"
#include "file_blocks.hpp"

namespace remaster {

class FragmentPacker {
public:
    FragmentPacker(BlockPipeline& pipe, uint32_t block_size);

    // f's tail: size bytes (less than a block) at data; sets f's fragment
    // or its sparse tail.
    void add(FileBlocks& f, const uint8_t* data, size_t size);
    // Submits the fragment block being filled. Afterwards, once the pipeline
    // is drained, its fragments() are every fragment block.
    void finish();

private:
    bool find_equal(const uint8_t* data, size_t size, uint64_t key, FileBlocks& f);
    const uint8_t* block_bytes(uint32_t index, size_t& size);
    void submit();

    BlockPipeline& pipe_;
    const uint32_t block_size_;
    std::vector<uint8_t> block_;  // the fragment block being filled
    size_t fill_ = 0;
    bool open_ = false;
    std::vector<uint64_t> seq_;   // per fragment block: its sequence number in the pipeline
    // (size << 32 | checksum) of every stored tail -> (fragment block, offset)
    std::unordered_multimap<uint64_t, std::pair<uint32_t, uint32_t>> stored_;
    std::vector<uint8_t> loaded_;  // a written fragment block read back
    uint32_t loaded_index_ = kNoFragment;
};

}  // namespace remaster
