#include "squash_meta.hpp"

#include <sqfs/error.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <cstdlib>
#include <cstring>
#include <new>
#include <utility>

#include "error.hpp"
#include "interrupt.hpp"

namespace remaster {
namespace {

constexpr uint32_t kNoXattr = 0xFFFFFFFF;

InodePtr alloc_inode(size_t extra) {
    void* p = std::calloc(1, sizeof(sqfs_inode_generic_t) + extra);
    if (!p) throw std::bad_alloc();
    return InodePtr(static_cast<sqfs_inode_generic_t*>(p));
}

// Linux's "new" dev_t encoding, which the squashfs kernel driver decodes:
// 12-bit major, 20-bit minor, the low 8 minor bits at the bottom.
bool encode_dev(dev_t dev, uint32_t* out) {
    unsigned maj = major(dev), min = minor(dev);
    if (maj > 0xFFF || min > 0xFFFFF) return false;
    *out = (min & 0xFF) | (maj << 8) | ((min & ~0xFFu) << 12);
    return true;
}

}  // namespace

void DroppedLog::add(const std::string& what, const Node& n) {
    auto [it, fresh] = rows_.try_emplace(what);
    if (fresh) {
        it->second.what = what;
        it->second.example_path = n.rel_path();
    }
    it->second.count++;
}

std::vector<DroppedAttr> DroppedLog::rows() const {
    std::vector<DroppedAttr> out;
    for (const auto& [k, v] : rows_) out.push_back(v);
    return out;
}

MetaWriter::MetaWriter(ImageObjects& obj, const InodeNumbers& inodes, FileInodes& files)
    : obj_(obj), inodes_(inodes), files_(files), refs_(inodes.count(), 0) {}

void MetaWriter::write(const Tree& tree) {
    write_inode_table();
    write_tables(*tree.root);
    write_super_block();
}

void MetaWriter::write_inode_table() {
    obj_.super.inode_table_start = obj_.size();
    for (uint32_t i = 0; i < inodes_.count(); ++i) {
        if (i % 4096 == 0) check_interrupt();
        write_inode(i);
    }
    int ret = sqfs_meta_writer_flush(obj_.im.get());
    if (!ret) ret = sqfs_meta_writer_flush(obj_.dm.get());
    if (ret) throw_sqfs("write the inode table", ret, &obj_.file);
}

// The tables after the inode table, in the order of the super block.
void MetaWriter::write_tables(const Node& root) {
    sqfs_file_t* f = obj_.file.get();
    sqfs_super_t* super = &obj_.super;
    uint64_t root_ref = refs_[inodes_.number(root) - 1];
    super->root_inode_ref = root_ref;
    super->directory_table_start = obj_.size();
    int ret = sqfs_meta_write_write_to_file(obj_.dm.get());
    if (ret) throw_sqfs("write the directory table", ret, &obj_.file);

    ret = sqfs_frag_table_write(obj_.frag.get(), f, super, obj_.cmp.get());
    if (ret) throw_sqfs("write the fragment table", ret, &obj_.file);
    // libsquashfs marks fragments uncompressed, but the block pipeline
    // compresses fragment blocks like any other (the flag is informative).
    super->flags &= ~SQFS_FLAG_UNCOMPRESSED_FRAGMENTS;
    ret = sqfs_dir_writer_write_export_table(obj_.dirwr.get(), f, obj_.cmp.get(), inodes_.number(root), root_ref,
                                             super);
    if (ret) throw_sqfs("write the export table", ret, &obj_.file);
    ret = sqfs_id_table_write(obj_.ids.get(), f, super, obj_.cmp.get());
    if (ret) throw_sqfs("write the id table", ret, &obj_.file);
    ret = sqfs_xattr_writer_flush(obj_.xattrs.get(), f, super, obj_.cmp.get());
    if (ret) throw_sqfs("write the extended attribute table", ret, &obj_.file);
}

// The final super block over the placeholder, then padding to kDevBlockSize.
void MetaWriter::write_super_block() {
    sqfs_file_t* f = obj_.file.get();
    obj_.super.inode_count = inodes_.count();
    obj_.super.bytes_used = obj_.size();
    int ret = sqfs_super_write(&obj_.super, f);
    if (ret) throw_sqfs("write the super block", ret, &obj_.file);

    size_t pad = static_cast<size_t>(obj_.super.bytes_used % kDevBlockSize);
    if (pad) {
        std::vector<char> zeros(kDevBlockSize - pad, 0);
        ret = f->write_at(f, obj_.super.bytes_used, zeros.data(), zeros.size());
        if (ret) throw_sqfs("pad the image", ret, &obj_.file);
    }
}

void MetaWriter::write_inode(uint32_t idx) {
    const Node& n = inodes_.node(idx);
    uint32_t xattr = write_xattrs(n);
    InodePtr inode;
    if (n.is_dir()) {
        inode = make_dir_inode(n, xattr);
    } else if (S_ISREG(n.mode)) {
        inode.reset(std::exchange(files_.slots[idx], nullptr));
        if (!inode) throw Error(Exit::failure, "Internal error: no data for '" + n.rel_path() + "'");
        if (n.link_count > 1) sqfs_inode_make_extended(inode.get());
        if (inode->base.type == SQFS_INODE_EXT_FILE) inode->data.file_ext.nlink = n.link_count;
    } else {
        inode = make_special_inode(n);
    }
    set_common(*inode, n, idx, xattr);

    sqfs_u64 block = 0;
    sqfs_u32 offset = 0;
    sqfs_meta_writer_get_position(obj_.im.get(), &block, &offset);
    refs_[idx] = (block << 16) | offset;
    int ret = sqfs_meta_writer_write_inode(obj_.im.get(), inode.get());
    if (ret) throw_sqfs("write the inode of '" + n.rel_path() + "'", ret, &obj_.file);
}

// Mode, mtime, number, owner and xattrs, the same for every type.
void MetaWriter::set_common(sqfs_inode_generic_t& inode, const Node& n, uint32_t idx, uint32_t xattr) {
    if (n.mtime < 0) dropped_.add("modification times before 1970 (stored as 1970-01-01)", n);
    if (n.mtime > int64_t{UINT32_MAX}) dropped_.add("modification times after 2106-02-07 (stored as 2106-02-07)", n);
    inode.base.mode = static_cast<sqfs_u16>(n.mode);
    inode.base.mod_time = clamp_time(n.mtime);
    inode.base.inode_number = idx + 1;
    int ret = sqfs_id_table_id_to_index(obj_.ids.get(), n.uid, &inode.base.uid_idx);
    if (!ret) ret = sqfs_id_table_id_to_index(obj_.ids.get(), n.gid, &inode.base.gid_idx);
    if (ret) throw_sqfs("record the owner of '" + n.rel_path() + "'", ret);

    ret = sqfs_inode_set_xattr_index(&inode, xattr);
    if (!ret && xattr == kNoXattr && !n.is_dir()) ret = sqfs_inode_make_basic(&inode);
    if (ret) throw_sqfs("prepare the inode of '" + n.rel_path() + "'", ret);
}

// Stores the xattrs squashfs can hold, counts the others; kNoXattr if none.
uint32_t MetaWriter::write_xattrs(const Node& n) {
    bool any = false;
    for (const Xattr& x : n.xattrs) {
        const std::string& k = x.name;
        bool keep = k.rfind("user.", 0) == 0 || k.rfind("trusted.", 0) == 0 || k.rfind("security.", 0) == 0;
        if (!keep) {
            if (k == "system.posix_acl_access" || k == "system.posix_acl_default")
                dropped_.add("POSIX ACLs (system.posix_acl_*); squashfs cannot store them", n);
            else
                dropped_.add("extended attributes outside user./trusted./security. (e.g. " + k + ")", n);
            continue;
        }
        if (!any) {
            int ret = sqfs_xattr_writer_begin(obj_.xattrs.get(), 0);
            if (ret) throw_sqfs("record extended attributes of '" + n.rel_path() + "'", ret);
            any = true;
        }
        int ret = sqfs_xattr_writer_add(obj_.xattrs.get(), k.c_str(), x.value.data(), x.value.size());
        if (ret) throw_sqfs("record extended attribute '" + k + "' of '" + n.rel_path() + "'", ret);
    }
    if (!any) return kNoXattr;
    uint32_t idx = kNoXattr;
    int ret = sqfs_xattr_writer_end(obj_.xattrs.get(), &idx);
    if (ret) throw_sqfs("record extended attributes of '" + n.rel_path() + "'", ret);
    return idx;
}

InodePtr MetaWriter::make_dir_inode(const Node& n, uint32_t xattr) {
    sqfs_dir_writer_t* dirwr = obj_.dirwr.get();
    int ret = sqfs_dir_writer_begin(dirwr, 0);
    if (ret) throw_sqfs("write directory '" + n.rel_path() + "'", ret);
    uint32_t subdirs = 0;
    for (const auto& c : n.children) {
        const uint32_t num = inodes_.number(*c);
        if (c->is_dir()) subdirs++;
        ret = sqfs_dir_writer_add_entry(dirwr, c->name.c_str(), num, refs_[num - 1],
                                        static_cast<sqfs_u16>(c->inode().mode));
        if (ret) throw_sqfs("write entry '" + c->rel_path() + "'", ret);
    }
    ret = sqfs_dir_writer_end(dirwr);
    if (ret) throw_sqfs("write directory '" + n.rel_path() + "'", ret);
    // The root's parent is one past the last inode, as mksquashfs does.
    uint32_t parent = n.parent ? inodes_.number(*n.parent) : inodes_.count() + 1;
    InodePtr inode(sqfs_dir_writer_create_inode(dirwr, 0, xattr, parent));
    if (!inode) throw std::bad_alloc();
    if (inode->base.type == SQFS_INODE_DIR)
        inode->data.dir.nlink = 2 + subdirs;
    else
        inode->data.dir_ext.nlink = 2 + subdirs;
    return inode;
}

InodePtr MetaWriter::make_special_inode(const Node& n) {
    InodePtr inode;
    uint32_t nlink = n.link_count;
    switch (n.mode & S_IFMT) {
    case S_IFLNK:
        inode = alloc_inode(n.target.size());
        inode->base.type = SQFS_INODE_SLINK;
        inode->data.slink.nlink = nlink;
        inode->data.slink.target_size = static_cast<sqfs_u32>(n.target.size());
        std::memcpy(inode->extra, n.target.data(), n.target.size());
        inode->payload_bytes_available = inode->payload_bytes_used = static_cast<sqfs_u32>(n.target.size());
        break;
    case S_IFBLK:
    case S_IFCHR: {
        inode = alloc_inode(0);
        inode->base.type = S_ISBLK(n.mode) ? SQFS_INODE_BDEV : SQFS_INODE_CDEV;
        inode->data.dev.nlink = nlink;
        uint32_t devno = 0;
        if (!encode_dev(n.rdev, &devno))
            dropped_.add("device numbers beyond squashfs's 12-bit major / 20-bit minor (stored as 0:0)", n);
        inode->data.dev.devno = devno;
        break;
    }
    case S_IFIFO:
    case S_IFSOCK:
        inode = alloc_inode(0);
        inode->base.type = S_ISFIFO(n.mode) ? SQFS_INODE_FIFO : SQFS_INODE_SOCKET;
        inode->data.ipc.nlink = nlink;
        break;
    default:
        throw Error(Exit::bad_input, "Unknown file type of '" + n.rel_path() + "'");
    }
    return inode;
}

}  // namespace remaster
