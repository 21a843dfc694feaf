// The metadata of a squashfs image, written after all file data: the inode
// table in inode-number order (every directory after its entries, so it
// knows their inode references; the directory table is built alongside, in
// memory), then the directory, fragment, export, id and xattr tables, the
// final super block and the zero padding to 4 KiB.
//
// What squashfs cannot hold (ACLs, other xattr namespaces, mtimes outside
// 1970..2106, wide device numbers) is counted here, one row per kind.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "squash_inodes.hpp"
#include "squash_objects.hpp"
#include "squash_writer.hpp"

namespace remaster {

// Losses, one row per kind, in a stable order.
class DroppedLog {
public:
    void add(const std::string& what, const Node& n);
    std::vector<DroppedAttr> rows() const;

private:
    std::map<std::string, DroppedAttr> rows_;
};

using InodePtr = std::unique_ptr<sqfs_inode_generic_t, SqfsFree>;

class MetaWriter {
public:
    // files: the finished regular-file inodes (DataStream::write done).
    MetaWriter(ImageObjects& obj, const InodeNumbers& inodes, FileInodes& files);

    // Everything after the file data, up to the padded end of the image.
    void write(const Tree& tree);
    std::vector<DroppedAttr> dropped() const { return dropped_.rows(); }

private:
    void write_inode_table();
    void write_tables(const Node& root);
    void write_super_block();
    void write_inode(uint32_t idx);
    void set_common(sqfs_inode_generic_t& inode, const Node& n, uint32_t idx, uint32_t xattr);
    uint32_t write_xattrs(const Node& n);
    InodePtr make_dir_inode(const Node& n, uint32_t xattr);
    InodePtr make_special_inode(const Node& n);

    ImageObjects& obj_;
    const InodeNumbers& inodes_;
    FileInodes& files_;
    std::vector<uint64_t> refs_;  // inode index -> inode table reference
    DroppedLog dropped_;
};

}  // namespace remaster
