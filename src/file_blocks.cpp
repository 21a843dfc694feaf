#include "file_blocks.hpp"

#include <sqfs/error.h>

#include <algorithm>
#include <cstdlib>

namespace remaster {

int make_file_inode(const FileBlocks& f, sqfs_inode_generic_t** out) {
    std::vector<uint32_t> sizes = f.sizes;
    uint64_t sparse = f.sparse;
    if (f.sparse_tail) {  // the tail's hole is one more block of size 0
        sizes.push_back(0);
        sparse += f.sparse_tail;
    }
    const size_t list = sizes.size() * sizeof(sqfs_u32);
    auto* inode = static_cast<sqfs_inode_generic_t*>(std::calloc(1, sizeof(sqfs_inode_generic_t) + list));
    if (!inode) return SQFS_ERROR_ALLOC;
    inode->base.type = SQFS_INODE_FILE;
    inode->payload_bytes_available = static_cast<sqfs_u32>(list);
    inode->payload_bytes_used = static_cast<sqfs_u32>(list);
    std::copy(sizes.begin(), sizes.end(), inode->extra);
    int ret = sqfs_inode_set_frag_location(inode, f.frag_index, f.frag_offset);
    if (!ret) ret = sqfs_inode_set_file_size(inode, f.size);
    if (!ret) ret = sqfs_inode_set_file_block_start(inode, f.start);
    if (!ret && sparse) {
        ret = sqfs_inode_make_extended(inode);
        inode->data.file_ext.sparse = sparse;
    }
    if (ret) {
        std::free(inode);
        return ret;
    }
    *out = inode;
    return 0;
}

}  // namespace remaster
