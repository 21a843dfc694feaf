// Inode numbers of a squashfs image, handed out before anything is written:
// they fix the order of the inode table and of everything after.
//
// Numbers are post-order (subdirectories first, then the entries of a
// directory, then the directory itself), so every directory is serialized
// after all of its entries and knows their inode references, and the entries
// of one directory have neighbouring numbers, which keeps directory headers
// few. Hard links share the number of their first name's Node.
#pragma once

#include <cstdint>
#include <unordered_map>
#include <vector>

#include "tree.hpp"

namespace remaster {

// An mtime as squashfs stores it: seconds clamped to 0..2^32-1.
inline uint32_t clamp_time(int64_t t) {
    if (t < 0) return 0;
    if (t > int64_t{UINT32_MAX}) return UINT32_MAX;
    return static_cast<uint32_t>(t);
}

class InodeNumbers {
public:
    // Numbers every inode of the tree; throws Error(Exit::bad_input) for
    // more than squashfs can count.
    explicit InodeNumbers(const Tree& tree);

    // Inodes are numbered 1..count(); index = number - 1.
    uint32_t count() const { return static_cast<uint32_t>(order_.size()); }
    // The inode-owning Node with index idx.
    const Node& node(uint32_t idx) const { return *order_[idx]; }
    // The number of n's inode (of its first name for a hard link).
    uint32_t number(const Node& n) const { return num_.at(&n.inode()); }
    // The newest clamped mtime: the super block's time, so the same tree
    // gives the same bytes.
    uint32_t newest_mtime() const;

private:
    void number_dir(const Node& dir);
    void assign(const Node& n);

    std::vector<const Node*> order_;  // index -> Node
    std::unordered_map<const Node*, uint32_t> num_;
};

}  // namespace remaster
