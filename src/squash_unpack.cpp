#include "squash_unpack.hpp"

#include <fcntl.h>
#include <sqfs/compressor.h>
#include <sqfs/data_reader.h>
#include <sqfs/dir_reader.h>
#include <sqfs/error.h>
#include <sqfs/id_table.h>
#include <sqfs/inode.h>
#include <sqfs/io.h>
#include <sqfs/super.h>
#include <sqfs/xattr.h>
#include <sqfs/xattr_reader.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <unordered_map>

#include "dir_stream.hpp"
#include "error.hpp"
#include "fd.hpp"
#include "interrupt.hpp"
#include "progress.hpp"
#include "sqfs_objects.hpp"

namespace remaster {
namespace {

struct TreeDestroy {
    void operator()(sqfs_tree_node_t* t) const noexcept { sqfs_dir_tree_destroy(t); }
};

void check(int ret, const std::string& what) {
    if (ret) throw Error(Exit::failure, "Failed to " + what + ": " + sqfs_error_text(ret));
}

// One squashfs image opened for reading, objects in creation order.
struct SquashImage {
    std::string path;
    SqfsPtr<sqfs_file_t> file;
    sqfs_super_t super{};
    SqfsPtr<sqfs_compressor_t> cmp;
    SqfsPtr<sqfs_id_table_t> ids;
    SqfsPtr<sqfs_dir_reader_t> dirs;
    SqfsPtr<sqfs_data_reader_t> data;
    SqfsPtr<sqfs_xattr_reader_t> xattrs;
    std::unique_ptr<sqfs_tree_node_t, TreeDestroy> tree;

    explicit SquashImage(const std::string& p) : path(p) {
        file.reset(sqfs_open_file(p.c_str(), SQFS_FILE_OPEN_READ_ONLY));
        if (!file) throw Error(Exit::bad_input, "Cannot open the squashfs image '" + p + "'");
        check(sqfs_super_read(&super, file.get()), "read the super block of '" + p + "'");
        sqfs_compressor_config_t cfg;
        check(sqfs_compressor_config_init(&cfg, static_cast<SQFS_COMPRESSOR>(super.compression_id), super.block_size,
                                          SQFS_COMP_FLAG_UNCOMPRESS),
              "set up the decompressor of '" + p + "'");
        sqfs_compressor_t* raw = nullptr;
        check(sqfs_compressor_create(&cfg, &raw), "create the decompressor of '" + p + "'");
        cmp.reset(raw);
        if (super.flags & SQFS_FLAG_COMPRESSOR_OPTIONS)
            check(cmp->read_options(cmp.get(), file.get()), "read the compressor options of '" + p + "'");
        ids.reset(sqfs_id_table_create(0));
        if (!ids) throw Error(Exit::failure, "Out of memory reading '" + p + "'");
        check(sqfs_id_table_read(ids.get(), file.get(), &super, cmp.get()), "read the owners of '" + p + "'");
        dirs.reset(sqfs_dir_reader_create(&super, cmp.get(), file.get(), 0));
        if (!dirs) throw Error(Exit::failure, "Cannot read the directories of '" + p + "'");
        data.reset(sqfs_data_reader_create(file.get(), super.block_size, cmp.get(), 0));
        if (!data) throw Error(Exit::failure, "Cannot read the data of '" + p + "'");
        check(sqfs_data_reader_load_fragment_table(data.get(), &super), "read the fragment table of '" + p + "'");
        xattrs.reset(sqfs_xattr_reader_create(0));
        if (!xattrs) throw Error(Exit::failure, "Out of memory reading '" + p + "'");
        check(sqfs_xattr_reader_load(xattrs.get(), &super, file.get(), cmp.get()), "read the xattrs of '" + p + "'");
        sqfs_tree_node_t* t = nullptr;
        check(sqfs_dir_reader_get_full_hierarchy(dirs.get(), ids.get(), nullptr, 0, &t), "read the tree of '" + p + "'");
        tree.reset(t);
    }
};

struct Xattr {
    std::string name, value;
};

std::vector<Xattr> read_xattrs(SquashImage& img, const sqfs_inode_generic_t* inode) {
    std::vector<Xattr> out;
    sqfs_u32 index = 0xFFFFFFFF;
    if (sqfs_inode_get_xattr_index(inode, &index) || index == 0xFFFFFFFF) return out;
    sqfs_xattr_id_t desc;
    check(sqfs_xattr_reader_get_desc(img.xattrs.get(), index, &desc), "read an xattr descriptor of '" + img.path + "'");
    check(sqfs_xattr_reader_seek_kv(img.xattrs.get(), &desc), "seek to the xattrs in '" + img.path + "'");
    for (sqfs_u32 i = 0; i < desc.count; ++i) {
        sqfs_xattr_entry_t* key = nullptr;
        check(sqfs_xattr_reader_read_key(img.xattrs.get(), &key), "read an xattr key of '" + img.path + "'");
        std::unique_ptr<sqfs_xattr_entry_t, SqfsFree> k(key);
        sqfs_xattr_value_t* value = nullptr;
        check(sqfs_xattr_reader_read_value(img.xattrs.get(), key, &value), "read an xattr value of '" + img.path + "'");
        std::unique_ptr<sqfs_xattr_value_t, SqfsFree> v(value);
        // libsquashfs hands the key out whole, its prefix ("user.") put back
        // in front; `size` still counts the suffix only.
        const char* prefix = sqfs_get_xattr_prefix(static_cast<SQFS_XATTR_TYPE>(key->type & SQFS_XATTR_PREFIX_MASK));
        if (!prefix) continue;
        out.push_back({std::string(reinterpret_cast<const char*>(key->key), std::strlen(prefix) + key->size),
                       std::string(reinterpret_cast<const char*>(value->value), value->size)});
    }
    return out;
}

bool is_dir(const sqfs_inode_generic_t* i) {
    return i->base.type == SQFS_INODE_DIR || i->base.type == SQFS_INODE_EXT_DIR;
}
bool is_file(const sqfs_inode_generic_t* i) {
    return i->base.type == SQFS_INODE_FILE || i->base.type == SQFS_INODE_EXT_FILE;
}

// Linux's "new" dev_t encoding, as the writer stores it (squash_meta.cpp).
dev_t decode_dev(sqfs_u32 devno) {
    return makedev((devno >> 8) & 0xFFF, (devno & 0xFF) | ((devno >> 12) & 0xFFF00));
}

sqfs_u32 devno_of(const sqfs_inode_generic_t* i) {
    switch (i->base.type) {
    case SQFS_INODE_BDEV:
    case SQFS_INODE_CDEV: return i->data.dev.devno;
    case SQFS_INODE_EXT_BDEV:
    case SQFS_INODE_EXT_CDEV: return i->data.dev_ext.devno;
    default: return 0;
    }
}

bool is_whiteout(const sqfs_inode_generic_t* i) {
    return (i->base.type == SQFS_INODE_CDEV || i->base.type == SQFS_INODE_EXT_CDEV) && devno_of(i) == 0;
}

// Data blocks stored with size 0 are holes (sparse files).
constexpr sqfs_u32 kBlockSizeMask = 0x00FFFFFF;

// Removes `name` below `dirfd`, a whole directory tree included, without
// following symlinks: only ever inside the new root we are filling.
void remove_at(int dirfd, const std::string& name) {
    struct stat st;
    if (::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return;
    if (S_ISDIR(st.st_mode)) {
        Fd d = openat_or_throw(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
        std::vector<std::string> names;
        {
            DirStream s = DirStream::adopt(::dup(d.get()));
            while (const dirent* e = s.next())
                if (std::string(e->d_name) != "." && std::string(e->d_name) != "..") names.push_back(e->d_name);
        }
        for (const auto& n : names) remove_at(d.get(), n);
    }
    if (::unlinkat(dirfd, name.c_str(), S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0) != 0)
        throw_errno("remove '" + name + "' from the new root", errno);
}

class Unpacker {
public:
    Unpacker(SquashImage& img, Progress* progress, UnpackStats& stats) : img_(img), progress_(progress), stats_(stats) {}

    // The image root onto `root` (an open directory).
    void unpack_root(int root_fd) {
        fill_dir(root_fd, img_.tree.get());
        apply_meta_fd(root_fd, img_.tree.get());
    }

private:
    void fill_dir(int dirfd, const sqfs_tree_node_t* dir) {
        for (const sqfs_tree_node_t* c = dir->children; c; c = c->next) {
            check_interrupt();
            const std::string name = reinterpret_cast<const char*>(c->name);
            make_entry(dirfd, name, c);
        }
    }

    void make_entry(int dirfd, const std::string& name, const sqfs_tree_node_t* n) {
        const sqfs_inode_generic_t* in = n->inode;
        ++stats_.inodes;
        if (is_whiteout(in)) {
            remove_at(dirfd, name);
            return;
        }
        struct stat st;
        const bool exists = ::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0;
        if (is_dir(in)) {
            const auto xattrs = read_xattrs(img_, in);
            bool opaque = false;
            for (const auto& x : xattrs) opaque |= x.name == "trusted.overlay.opaque" && x.value == "y";
            if (exists && (!S_ISDIR(st.st_mode) || opaque)) remove_at(dirfd, name);
            if ((!exists || !S_ISDIR(st.st_mode) || opaque) && ::mkdirat(dirfd, name.c_str(), 0700) != 0)
                throw_errno("create the directory '" + name + "'", errno);
            Fd d = openat_or_throw(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
            fill_dir(d.get(), n);
            apply_meta_fd(d.get(), n);
            return;
        }
        if (exists) remove_at(dirfd, name);
        // A second name of an inode already made here: a hard link to it.
        auto link = links_.find(in->base.inode_number);
        if (link != links_.end()) {
            const std::string from = "/proc/self/fd/" + std::to_string(link->second.get());
            if (::linkat(AT_FDCWD, from.c_str(), dirfd, name.c_str(), AT_SYMLINK_FOLLOW) != 0)
                throw_errno("hard-link '" + name + "'", errno);
            return;
        }
        const mode_t mode = in->base.mode;
        if (is_file(in)) {
            write_file(dirfd, name, in);
        } else if (in->base.type == SQFS_INODE_SLINK || in->base.type == SQFS_INODE_EXT_SLINK) {
            const std::string target(reinterpret_cast<const char*>(in->extra), in->data.slink.target_size);
            if (::symlinkat(target.c_str(), dirfd, name.c_str()) != 0) throw_errno("create the symlink '" + name + "'", errno);
        } else {
            const mode_t type = S_ISBLK(mode) || S_ISCHR(mode) || S_ISFIFO(mode) || S_ISSOCK(mode) ? (mode & S_IFMT) : 0;
            if (!type) throw Error(Exit::failure, "'" + name + "' in '" + img_.path + "' has an unknown inode type");
            if (::mknodat(dirfd, name.c_str(), type | 0600, decode_dev(devno_of(in))) != 0)
                throw_errno("create the special file '" + name + "'", errno);
        }
        apply_meta_at(dirfd, name, n);
        if (nlink_of(in) > 1) {
            Fd keep(::openat(dirfd, name.c_str(), O_PATH | O_NOFOLLOW));
            if (!keep) throw_errno("open '" + name + "' for its hard links", errno);
            links_.emplace(in->base.inode_number, std::move(keep));
        }
    }

    static sqfs_u32 nlink_of(const sqfs_inode_generic_t* in) {
        switch (in->base.type) {
        case SQFS_INODE_FILE: return 1;
        case SQFS_INODE_EXT_FILE: return in->data.file_ext.nlink;
        case SQFS_INODE_SLINK: return in->data.slink.nlink;
        case SQFS_INODE_EXT_SLINK: return in->data.slink_ext.nlink;
        case SQFS_INODE_BDEV:
        case SQFS_INODE_CDEV: return in->data.dev.nlink;
        case SQFS_INODE_EXT_BDEV:
        case SQFS_INODE_EXT_CDEV: return in->data.dev_ext.nlink;
        case SQFS_INODE_FIFO:
        case SQFS_INODE_SOCKET: return in->data.ipc.nlink;
        case SQFS_INODE_EXT_FIFO:
        case SQFS_INODE_EXT_SOCKET: return in->data.ipc_ext.nlink;
        default: return 1;
        }
    }

    // The blocks as stored; holes stay holes (seeked over, the size set last).
    void write_file(int dirfd, const std::string& name, const sqfs_inode_generic_t* in) {
        Fd out(::openat(dirfd, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
        if (!out) throw_errno("create '" + name + "'", errno);
        sqfs_u64 size = 0;
        sqfs_inode_get_file_size(in, &size);
        const size_t blocks = in->payload_bytes_used / sizeof(sqfs_u32);
        const uint64_t bs = img_.super.block_size;
        uint64_t offset = 0;
        for (size_t i = 0; i < blocks; ++i, offset += bs) {
            check_interrupt();
            if ((in->extra[i] & kBlockSizeMask) == 0) continue;  // a hole
            size_t got = 0;
            sqfs_u8* raw = nullptr;
            check(sqfs_data_reader_get_block(img_.data.get(), in, i, &got, &raw), "read '" + name + "'");
            std::unique_ptr<sqfs_u8, SqfsFree> buf(raw);
            write_at(out.get(), name, buf.get(), got, offset);
            // Within a file too: one big image or database would stall the line.
            if (progress_) progress_->update(stats_.bytes);
        }
        if (offset < size) {
            size_t got = 0;
            sqfs_u8* raw = nullptr;
            check(sqfs_data_reader_get_fragment(img_.data.get(), in, &got, &raw), "read the tail of '" + name + "'");
            std::unique_ptr<sqfs_u8, SqfsFree> buf(raw);
            if (got) write_at(out.get(), name, buf.get(), got, offset);
        }
        if (::ftruncate(out.get(), static_cast<off_t>(size)) != 0) throw_errno("size '" + name + "'", errno);
        if (progress_) progress_->update(stats_.bytes);
    }

    void write_at(int fd, const std::string& name, const sqfs_u8* p, size_t n, uint64_t offset) {
        while (n) {
            const ssize_t w = ::pwrite(fd, p, n, static_cast<off_t>(offset));
            if (w < 0 && errno == EINTR) continue;
            if (w <= 0) throw_errno("write '" + name + "' on the new root", w < 0 ? errno : EIO);
            p += w, n -= static_cast<size_t>(w), offset += static_cast<uint64_t>(w);
            stats_.bytes += static_cast<uint64_t>(w);
        }
    }

    // Owner first (chown clears setuid and capabilities), then the mode,
    // then xattrs (an ACL, a capability), the mtime last.
    void apply_meta_at(int dirfd, const std::string& name, const sqfs_tree_node_t* n) {
        const sqfs_inode_generic_t* in = n->inode;
        if (::fchownat(dirfd, name.c_str(), n->uid, n->gid, AT_SYMLINK_NOFOLLOW) != 0)
            throw_errno("set the owner of '" + name + "'", errno);
        const bool link = S_ISLNK(in->base.mode);
        if (!link && ::fchmodat(dirfd, name.c_str(), in->base.mode & 07777, 0) != 0)
            throw_errno("set the mode of '" + name + "'", errno);
        const std::string path = "/proc/self/fd/" + std::to_string(dirfd) + "/" + name;
        for (const auto& x : read_xattrs(img_, in)) {
            if (x.name.rfind("trusted.overlay.", 0) == 0) continue;
            if (::lsetxattr(path.c_str(), x.name.c_str(), x.value.data(), x.value.size(), 0) != 0)
                throw_errno("set the xattr " + x.name + " of '" + name + "'", errno);
        }
        const struct timespec times[2] = {{in->base.mod_time, 0}, {in->base.mod_time, 0}};
        if (::utimensat(dirfd, name.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0)
            throw_errno("set the times of '" + name + "'", errno);
    }

    void apply_meta_fd(int fd, const sqfs_tree_node_t* n) {
        const sqfs_inode_generic_t* in = n->inode;
        if (::fchown(fd, n->uid, n->gid) != 0) throw_errno("set the owner of a directory", errno);
        if (::fchmod(fd, in->base.mode & 07777) != 0) throw_errno("set the mode of a directory", errno);
        for (const auto& x : read_xattrs(img_, in)) {
            if (x.name.rfind("trusted.overlay.", 0) == 0) continue;
            if (::fsetxattr(fd, x.name.c_str(), x.value.data(), x.value.size(), 0) != 0)
                throw_errno("set the xattr " + x.name + " of a directory", errno);
        }
        const struct timespec times[2] = {{in->base.mod_time, 0}, {in->base.mod_time, 0}};
        if (::futimens(fd, times) != 0) throw_errno("set the times of a directory", errno);
    }

    SquashImage& img_;
    Progress* progress_;
    UnpackStats& stats_;
    std::unordered_map<sqfs_u32, Fd> links_;  // inode number -> its first name (O_PATH)
};

void measure(const sqfs_tree_node_t* node, uint64_t block_size, UnpackStats& s) {
    for (const sqfs_tree_node_t* c = node->children; c; c = c->next) {
        ++s.inodes;
        const sqfs_inode_generic_t* in = c->inode;
        if (is_file(in)) {
            sqfs_u64 size = 0;
            sqfs_inode_get_file_size(in, &size);
            const size_t blocks = in->payload_bytes_used / sizeof(sqfs_u32);
            uint64_t data = 0;
            for (size_t i = 0; i < blocks; ++i)
                if (in->extra[i] & kBlockSizeMask) data += block_size;
            if (size > blocks * block_size) data += size - blocks * block_size;
            s.bytes += data;
        }
        if (c->children) measure(c, block_size, s);
    }
}

const sqfs_tree_node_t* child(const sqfs_tree_node_t* dir, const std::string& name) {
    for (const sqfs_tree_node_t* c = dir->children; c; c = c->next)
        if (name == reinterpret_cast<const char*>(c->name)) return c;
    return nullptr;
}

std::vector<std::string> components(const std::string& path) {
    std::vector<std::string> out;
    for (size_t at = 0; at < path.size();) {
        const size_t end = std::min(path.find('/', at), path.size());
        const std::string c = path.substr(at, end - at);
        if (c == "..") {
            if (!out.empty()) out.pop_back();
        } else if (!c.empty() && c != ".") {
            out.push_back(c);
        }
        at = end + 1;
    }
    return out;
}

}  // namespace

std::string read_layered_file(const std::vector<std::string>& layers, const std::string& path, size_t max_bytes) {
    std::vector<std::unique_ptr<SquashImage>> images;
    for (const auto& l : layers) images.push_back(std::make_unique<SquashImage>(l));
    std::string want = path;
    for (int hops = 0; hops < 8; ++hops) {
        const auto parts = components(want);
        bool resolved = false;
        // The topmost layer with the name wins; a whiteout means none.
        for (auto img = images.rbegin(); img != images.rend() && !resolved; ++img) {
            const sqfs_tree_node_t* n = (*img)->tree.get();
            for (const auto& c : parts)
                if (!(n = n ? child(n, c) : nullptr)) break;
            if (!n) continue;
            const sqfs_inode_generic_t* in = n->inode;
            if (is_whiteout(in)) return "";
            if (in->base.type == SQFS_INODE_SLINK || in->base.type == SQFS_INODE_EXT_SLINK) {
                const std::string target(reinterpret_cast<const char*>(in->extra), in->data.slink.target_size);
                std::string dir = "/";
                for (size_t i = 0; i + 1 < parts.size(); ++i) dir += parts[i] + "/";
                want = target[0] == '/' ? target : dir + target;
                resolved = true;
                break;
            }
            if (!is_file(in)) return "";
            sqfs_u64 size = 0;
            sqfs_inode_get_file_size(in, &size);
            if (size > max_bytes) return "";
            std::string text(size, '\0');
            const sqfs_s32 got = sqfs_data_reader_read((*img)->data.get(), in, 0, text.data(), static_cast<sqfs_u32>(size));
            if (got < 0) check(got, "read '" + path + "' in '" + (*img)->path + "'");
            text.resize(static_cast<size_t>(got));
            return text;
        }
        if (!resolved) return "";
    }
    return "";
}

UnpackStats measure_layers(const std::vector<std::string>& layers) {
    UnpackStats s;
    for (const auto& l : layers) {
        SquashImage img(l);
        measure(img.tree.get(), img.super.block_size, s);
    }
    return s;
}

UnpackStats unpack_layers(const std::vector<std::string>& layers, const std::string& dest, bool quiet) {
    const UnpackStats total = measure_layers(layers);
    UnpackStats stats;
    Fd root = open_or_throw(dest.c_str(), O_RDONLY | O_DIRECTORY);
    Progress progress("Copying the system", total.bytes, quiet);
    for (const auto& l : layers) {
        SquashImage img(l);
        Unpacker u(img, &progress, stats);
        u.unpack_root(root.get());
    }
    progress.finish();
    return stats;
}

}  // namespace remaster
