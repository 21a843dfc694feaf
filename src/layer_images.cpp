#include "layer_images.hpp"

#include <sqfs/compressor.h>
#include <sqfs/dir_reader.h>
#include <sqfs/error.h>
#include <sqfs/inode.h>
#include <sqfs/io.h>
#include <sqfs/super.h>

#include <sqfs/id_table.h>

#include <optional>
#include <unordered_map>

#include "error.hpp"
#include "sqfs_objects.hpp"

namespace remaster {

// One layer: its file, and every name in it with the blocks of regular files
// (read once: looking each path up in the image would decompress the same
// directory blocks again and again).
struct LayerImages::Layer {
    std::string path;
    SqfsPtr<sqfs_file_t> file;
    std::unordered_map<std::string, std::optional<StoredBlocks>> names;  // nullopt: not a regular file
};

namespace {

void check(int ret, const std::string& what) {
    if (ret) throw Error(Exit::failure, what + ": " + sqfs_error_text(ret));
}

}  // namespace

namespace {

struct TreeDestroy {
    void operator()(sqfs_tree_node_t* t) const noexcept { sqfs_dir_tree_destroy(t); }
};

std::optional<StoredBlocks> stored_blocks(const sqfs_inode_generic_t* inode) {
    const auto type = inode->base.type;
    if (type != SQFS_INODE_FILE && type != SQFS_INODE_EXT_FILE) return std::nullopt;
    StoredBlocks b;
    sqfs_u32 frag_index = 0xFFFFFFFF, frag_offset = 0;
    if (sqfs_inode_get_file_size(inode, &b.file_size) || sqfs_inode_get_file_block_start(inode, &b.start) ||
        sqfs_inode_get_frag_location(inode, &frag_index, &frag_offset))
        return std::nullopt;
    b.sparse = type == SQFS_INODE_EXT_FILE ? inode->data.file_ext.sparse : 0;
    b.has_fragment = frag_index != 0xFFFFFFFF;
    b.sizes.assign(inode->extra, inode->extra + inode->payload_bytes_used / sizeof(sqfs_u32));
    return b;
}

void index_tree(const sqfs_tree_node_t* node, const std::string& path,
                std::unordered_map<std::string, std::optional<StoredBlocks>>& out) {
    for (const sqfs_tree_node_t* c = node->children; c; c = c->next) {
        const std::string p = path + "/" + reinterpret_cast<const char*>(c->name);
        out.emplace(p, stored_blocks(c->inode));
        if (c->children) index_tree(c, p, out);
    }
}

}  // namespace

LayerImages::LayerImages(const std::vector<std::string>& layer_files, std::unordered_set<const Node*> vouched)
    : vouched_(std::move(vouched)) {
    for (const auto& path : layer_files) {
        auto l = std::make_unique<Layer>();
        l->path = path;
        l->file.reset(sqfs_open_file(path.c_str(), SQFS_FILE_OPEN_READ_ONLY));
        if (!l->file) throw Error(Exit::failure, "Cannot open the layer '" + path + "'");
        sqfs_super_t super{};
        check(sqfs_super_read(&super, l->file.get()), "read the super block of '" + path + "'");
        sqfs_compressor_config_t cfg;
        check(sqfs_compressor_config_init(&cfg, static_cast<SQFS_COMPRESSOR>(super.compression_id), super.block_size,
                                          SQFS_COMP_FLAG_UNCOMPRESS),
              "set up the decompressor of '" + path + "'");
        sqfs_compressor_t* raw_cmp = nullptr;
        check(sqfs_compressor_create(&cfg, &raw_cmp), "create the decompressor of '" + path + "'");
        SqfsPtr<sqfs_compressor_t> cmp(raw_cmp);
        if (super.flags & SQFS_FLAG_COMPRESSOR_OPTIONS)
            check(cmp->read_options(cmp.get(), l->file.get()), "read the compressor options of '" + path + "'");
        SqfsPtr<sqfs_id_table_t> ids(sqfs_id_table_create(0));
        if (!ids) throw Error(Exit::failure, "Out of memory reading '" + path + "'");
        check(sqfs_id_table_read(ids.get(), l->file.get(), &super, cmp.get()), "read the owners of '" + path + "'");
        SqfsPtr<sqfs_dir_reader_t> dirs(sqfs_dir_reader_create(&super, cmp.get(), l->file.get(), 0));
        if (!dirs) throw Error(Exit::failure, "Cannot read the directories of '" + path + "'");
        sqfs_tree_node_t* raw_tree = nullptr;
        check(sqfs_dir_reader_get_full_hierarchy(dirs.get(), ids.get(), nullptr, 0, &raw_tree),
              "read the tree of '" + path + "'");
        std::unique_ptr<sqfs_tree_node_t, TreeDestroy> tree(raw_tree);
        index_tree(tree.get(), "", l->names);
        layers_.push_back(std::move(l));
    }
}

LayerImages::~LayerImages() = default;

bool LayerImages::find(const Node& n, const std::string& rel, StoredBlocks& out) {
    if (!vouched_.count(&n)) return false;
    for (size_t i = 0; i < layers_.size(); ++i) {
        auto it = layers_[i]->names.find(rel);
        if (it == layers_[i]->names.end()) continue;  // not in this layer: the one below shows
        // A whiteout or another type here: the file was replaced; no reuse.
        if (!it->second || it->second->file_size != n.size) return false;
        out = *it->second;
        out.image = i;
        return true;
    }
    return false;
}

void LayerImages::read(const StoredBlocks& s, uint64_t offset, void* buf, size_t size) {
    Layer& l = *layers_.at(s.image);
    const int ret = l.file->read_at(l.file.get(), s.start + offset, buf, size);
    if (ret) throw Error(Exit::failure, "Failed to read stored blocks from '" + l.path + "': " + sqfs_error_text(ret));
}

}  // namespace remaster
