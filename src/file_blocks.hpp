// What one regular file's data became in the image: its compressed blocks
// (where they start, the on-disk size word of each), its tail in a fragment
// block, its holes. The block pipeline fills it in while the data is
// written; the file's inode is made from it once everything is written
// (make_file_inode), so no thread touches an inode while another grows it.
#pragma once

#include <sqfs/inode.h>

#include <cstdint>
#include <vector>

namespace remaster {

constexpr uint32_t kNoFragment = 0xFFFFFFFF;

struct FileBlocks {
    // Set by the reading thread.
    uint64_t size = 0;                // bytes of the file
    uint32_t frag_index = kNoFragment, frag_offset = kNoFragment;
    uint32_t sparse_tail = 0;         // bytes of an all-zero tail: a hole, no fragment
    // Set by whichever thread writes the blocks, in block order.
    std::vector<uint32_t> sizes;      // per block: on-disk size, bit 24 = stored raw, 0 = hole
    uint64_t start = 0;               // where the first block is (after deduplication)
    uint64_t sparse = 0;              // bytes of the holes among the blocks
};

// A new file inode (malloc'd: sqfs_free releases it) with the block list,
// start, size, fragment and sparse bytes of `f`. Returns the libsquashfs
// error code, 0 on success.
int make_file_inode(const FileBlocks& f, sqfs_inode_generic_t** out);

}  // namespace remaster
