// The squashfs layers of the newest snapshot on a stick, opened read-only so
// that a new complete snapshot can take the compressed blocks of unchanged
// files from them instead of compressing those files again.
//
// A file is found in the topmost layer that has its path (the one whose copy
// the stacked system shows); a whiteout or another type there means no reuse.
// Only files the caller vouches for (unchanged since that snapshot, by the
// file manifest) are looked up, and only in layers written with the same
// compressor, level and block size as the new image.
#pragma once

#include <sqfs/predef.h>

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "squash_writer.hpp"
#include "tree.hpp"

namespace remaster {

class LayerImages : public BlockSource {
public:
    // layer_files: filesystem.squashfs paths, top layer first. `vouched`:
    // the inode-owning Nodes whose content equals the stacked layers'.
    LayerImages(const std::vector<std::string>& layer_files, std::unordered_set<const Node*> vouched);
    LayerImages(const LayerImages&) = delete;
    LayerImages& operator=(const LayerImages&) = delete;
    ~LayerImages() override;

    bool find(const Node& n, const std::string& rel, StoredBlocks& out) override;
    void read(const StoredBlocks& s, uint64_t offset, void* buf, size_t size) override;

    size_t layers() const { return layers_.size(); }

private:
    struct Layer;
    std::vector<std::unique_ptr<Layer>> layers_;
    std::unordered_set<const Node*> vouched_;
};

}  // namespace remaster
