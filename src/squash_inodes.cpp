#include "squash_inodes.hpp"

#include <algorithm>

#include "error.hpp"

namespace remaster {

InodeNumbers::InodeNumbers(const Tree& tree) {
    number_dir(*tree.root);
    assign(*tree.root);
    if (order_.size() > 0xFFFFFFFEu) throw Error(Exit::bad_input, "Too many inodes for squashfs");
}

void InodeNumbers::number_dir(const Node& dir) {
    for (const auto& c : dir.children)
        if (c->is_dir()) number_dir(*c);
    for (const auto& c : dir.children) assign(c->inode());
}

void InodeNumbers::assign(const Node& n) {
    if (num_.count(&n)) return;
    order_.push_back(&n);
    num_[&n] = static_cast<uint32_t>(order_.size());
}

uint32_t InodeNumbers::newest_mtime() const {
    uint32_t newest = 0;
    for (const Node* n : order_) newest = std::max(newest, clamp_time(n->mtime));
    return newest;
}

}  // namespace remaster
