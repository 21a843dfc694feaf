// How the image is laid out, and why in this order:
//
//   1. super block placeholder and compressor options at offset 0;
//   2. file data: one regular-file inode after the other in sorted pre-order,
//      read here (a helper thread loads the next files into the page cache
//      ahead of us, squash_prefetch.hpp) and compressed by the block
//      processor's worker threads; the processor writes blocks in submission
//      order, so the bytes do not depend on the number of threads;
//   3. the inode table, in inode-number order. Numbers are handed out
//      post-order (subdirectories first, then the entries of a directory,
//      then the directory itself), so every directory is serialized after all
//      of its entries and knows their inode references, and the entries of
//      one directory have neighbouring numbers, which keeps directory headers
//      few. The directory table is built alongside, in memory;
//   4. directory table, fragment table, export table, id table, xattr table;
//   5. the final super block, then zero padding to 4 KiB.
//
// Regular-file inodes come from the block processor (begin_file), which keeps
// updating them until sqfs_block_processor_finish, so they are serialized only
// after step 2 is complete.
#include "squash_writer.hpp"

#include <fcntl.h>
#include <sched.h>
#include <sqfs/block.h>
#include <sqfs/block_processor.h>
#include <sqfs/block_writer.h>
#include <sqfs/compressor.h>
#include <sqfs/dir_writer.h>
#include <sqfs/error.h>
#include <sqfs/frag_table.h>
#include <sqfs/id_table.h>
#include <sqfs/inode.h>
#include <sqfs/meta_writer.h>
#include <sqfs/super.h>
#include <sqfs/xattr_writer.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <map>
#include <thread>
#include <unordered_map>

#include "checksum.hpp"
#include "error.hpp"
#include "fd.hpp"
#include "interrupt.hpp"
#include "log.hpp"
#include "sqfs_objects.hpp"
#include "squash_prefetch.hpp"

namespace remaster {
namespace {

constexpr uint32_t kNoXattr = 0xFFFFFFFF;
constexpr size_t kDevBlockSize = 4096;  // images are padded to this, like mksquashfs
constexpr size_t kReadChunk = 1024 * 1024;
// Blocks in flight in the block processor, whatever the block size: enough
// that the workers never run dry while the reading thread waits for the disk
// or for its turn on a busy CPU (the processor hands blocks back strictly in
// order, so one slow block holds up the rest), little enough to stay a small
// part of our memory.
constexpr size_t kBacklogBytes = 12 * 1024 * 1024;
// How far the read-ahead thread runs ahead of the reader, in page cache.
constexpr uint64_t kPrefetchBytes = 64 * 1024 * 1024;

// Compressors the kernel can mount that we offer, with their level range.
struct CompressorInfo {
    const char* name;
    SQFS_COMPRESSOR id;
    int min_level, max_level;  // 0, 0: no levels
};
constexpr CompressorInfo kCompressors[] = {
    {"zstd", SQFS_COMP_ZSTD, SQFS_ZSTD_MIN_LEVEL, SQFS_ZSTD_MAX_LEVEL},
    {"xz", SQFS_COMP_XZ, 1, SQFS_XZ_MAX_LEVEL},  // preset 0 would read as "default"
    {"gzip", SQFS_COMP_GZIP, SQFS_GZIP_MIN_LEVEL, SQFS_GZIP_MAX_LEVEL},
    {"lz4", SQFS_COMP_LZ4, 0, 0},
    {"lzo", SQFS_COMP_LZO, SQFS_LZO_MIN_LEVEL, SQFS_LZO_MAX_LEVEL},
};

const CompressorInfo* find_compressor(const std::string& name) {
    for (const auto& c : kCompressors)
        if (name == c.name) return &c;
    return nullptr;
}

bool compressor_available(const CompressorInfo& c) {
    sqfs_compressor_config_t cfg;
    if (sqfs_compressor_config_init(&cfg, c.id, SQFS_DEFAULT_BLOCK_SIZE, 0) != 0) return false;
    sqfs_compressor_t* cmp = nullptr;
    if (sqfs_compressor_create(&cfg, &cmp) != 0) return false;
    sqfs_destroy(cmp);
    return true;
}

std::string choices() {
    std::string out;
    for (const auto& c : kCompressors) {
        if (!compressor_available(c)) continue;
        if (!out.empty()) out += ", ";
        out += c.name;
        if (c.max_level) out += "[:" + std::to_string(c.min_level) + "-" + std::to_string(c.max_level) + "]";
    }
    return out;
}

// Linux's "new" dev_t encoding, which the squashfs kernel driver decodes:
// 12-bit major, 20-bit minor, the low 8 minor bits at the bottom.
bool encode_dev(dev_t dev, uint32_t* out) {
    unsigned maj = major(dev), min = minor(dev);
    if (maj > 0xFFF || min > 0xFFFFF) return false;
    *out = (min & 0xFF) | (maj << 8) | ((min & ~0xFFu) << 12);
    return true;
}

// The CPUs this process may run on (taskset, cgroup cpusets), not all the
// machine has.
unsigned usable_cpus() {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (::sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
        return static_cast<unsigned>(CPU_COUNT(&set));
    return std::max(1u, std::thread::hardware_concurrency());
}

// Losses, one row per kind, in a stable order.
class DroppedLog {
public:
    void add(const std::string& what, const Node& n) {
        auto [it, fresh] = rows_.try_emplace(what);
        if (fresh) {
            it->second.what = what;
            it->second.example_path = n.rel_path();
        }
        it->second.count++;
    }
    std::vector<DroppedAttr> rows() const {
        std::vector<DroppedAttr> out;
        for (const auto& [k, v] : rows_) out.push_back(v);
        return out;
    }

private:
    std::map<std::string, DroppedAttr> rows_;
};

using InodePtr = std::unique_ptr<sqfs_inode_generic_t, SqfsFree>;

InodePtr alloc_inode(size_t extra) {
    void* p = std::calloc(1, sizeof(sqfs_inode_generic_t) + extra);
    if (!p) throw std::bad_alloc();
    return InodePtr(static_cast<sqfs_inode_generic_t*>(p));
}

// File inodes the block processor allocated; freed after the processor is
// gone (it keeps pointers to the slots until finish).
struct FileInodes {
    std::vector<sqfs_inode_generic_t*> slots;
    ~FileInodes() {
        for (auto* p : slots) sqfs_free(p);
    }
};

class ImageWriter {
public:
    ImageWriter(const Tree& tree, const std::string& root_dir, int out_fd, const SquashOptions& opt,
                const ProgressFn& progress, ContentDigests* digests, BlockSource* reuse)
        : tree_(tree), root_dir_(root_dir), opt_(opt), progress_(progress), digests_(digests), reuse_(reuse),
          file_(out_fd) {}

    SquashReport run() {
        if (!tree_.root || !tree_.root->is_dir())
            throw Error(Exit::bad_input, "Cannot write an image of an empty tree");
        // Inode numbers first: they fix the order of everything after.
        number_inodes();
        // Super block placeholder, compressor, block processor, tables.
        create_objects();
        // File contents, compressed by the worker threads.
        write_data();
        // Inodes, directories and the tables, then the final super block.
        serialize();
        SquashReport report;
        report.image_bytes = file_.get()->get_size(file_.get());
        report.inodes = order_.size();
        report.reused_files = reused_.size();
        report.dropped = dropped_.rows();
        return report;
    }

private:
    // --- inode numbering -------------------------------------------------

    void number(const Node& dir) {
        for (const auto& c : dir.children)
            if (c->is_dir()) number(*c);
        for (const auto& c : dir.children) assign(c->inode());
    }
    void assign(const Node& n) {
        if (num_.count(&n)) return;
        order_.push_back(&n);
        num_[&n] = static_cast<uint32_t>(order_.size());
    }
    void number_inodes() {
        number(*tree_.root);
        assign(*tree_.root);
        if (order_.size() > 0xFFFFFFFEu) throw Error(Exit::bad_input, "Too many inodes for squashfs");
        refs_.assign(order_.size(), 0);
        files_.slots.assign(order_.size(), nullptr);
    }
    uint32_t num(const Node& n) const { return num_.at(&n.inode()); }

    // --- libsquashfs objects ---------------------------------------------

    void create_objects() {
        const CompressorInfo* info = find_compressor(opt_.compressor);
        if (!info) throw Error(Exit::bad_input, "Unknown compressor '" + opt_.compressor + "'", "Choose one of: " + choices());
        sqfs_compressor_config_t cfg;
        int ret = sqfs_compressor_config_init(&cfg, info->id, opt_.block_size, 0);
        if (ret) throw_sqfs("configure the " + opt_.compressor + " compressor", ret);
        if (opt_.level != 0) cfg.level = static_cast<sqfs_u32>(opt_.level);

        sqfs_compressor_t* raw = nullptr;
        ret = sqfs_compressor_create(&cfg, &raw);
        if (ret) throw_sqfs("create the " + opt_.compressor + " compressor", ret);
        cmp_.reset(raw);
        cfg.flags |= SQFS_COMP_FLAG_UNCOMPRESS;
        raw = nullptr;
        ret = sqfs_compressor_create(&cfg, &raw);
        if (ret) throw_sqfs("create the " + opt_.compressor + " decompressor", ret);
        uncmp_.reset(raw);

        // The real super block is written last; this reserves its place.
        ret = sqfs_super_init(&super_, opt_.block_size, newest_mtime(), info->id);
        if (ret) throw_sqfs("initialise the super block", ret);
        ret = sqfs_super_write(&super_, file_.get());
        if (ret) throw_sqfs("write the super block", ret, &file_);
        ret = cmp_->write_options(cmp_.get(), file_.get());
        if (ret < 0) throw_sqfs("write the compressor options", ret, &file_);
        if (ret > 0) super_.flags |= SQFS_FLAG_COMPRESSOR_OPTIONS;

        blkwr_.reset(sqfs_block_writer_create(file_.get(), kDevBlockSize, 0));
        if (!blkwr_) throw_sqfs("create the block writer", SQFS_ERROR_ALLOC);
        frag_.reset(sqfs_frag_table_create(0));
        if (!frag_) throw_sqfs("create the fragment table", SQFS_ERROR_ALLOC);

        unsigned jobs = opt_.jobs ? opt_.jobs : usable_cpus();
        sqfs_block_processor_desc_t desc;
        std::memset(&desc, 0, sizeof desc);
        desc.size = sizeof desc;
        desc.max_block_size = opt_.block_size;
        desc.num_workers = jobs;
        desc.max_backlog = std::max<size_t>(kBacklogBytes / opt_.block_size, 4 * jobs);
        desc.cmp = cmp_.get();
        desc.wr = blkwr_.get();
        desc.tbl = frag_.get();
        desc.file = file_.get();
        desc.uncmp = uncmp_.get();
        sqfs_block_processor_t* proc = nullptr;
        ret = sqfs_block_processor_create_ex(&desc, &proc);
        if (ret) throw_sqfs("start the compression threads", ret);
        proc_.reset(proc);

        ids_.reset(sqfs_id_table_create(0));
        xattrs_.reset(sqfs_xattr_writer_create(0));
        im_.reset(sqfs_meta_writer_create(file_.get(), cmp_.get(), 0));
        dm_.reset(sqfs_meta_writer_create(file_.get(), cmp_.get(), SQFS_META_WRITER_KEEP_IN_MEMORY));
        if (!ids_ || !xattrs_ || !im_ || !dm_) throw_sqfs("create the metadata writers", SQFS_ERROR_ALLOC);
        dirwr_.reset(sqfs_dir_writer_create(dm_.get(), SQFS_DIR_WRITER_CREATE_EXPORT_TABLE));
        if (!dirwr_) throw_sqfs("create the directory writer", SQFS_ERROR_ALLOC);
    }

    static uint32_t clamp_time(int64_t t) {
        if (t < 0) return 0;
        if (t > int64_t{UINT32_MAX}) return UINT32_MAX;
        return static_cast<uint32_t>(t);
    }

    uint32_t newest_mtime() const {
        uint32_t newest = 0;
        for (const Node* n : order_) newest = std::max(newest, clamp_time(n->mtime));
        return newest;
    }

    // --- file data -------------------------------------------------------
    //
    // Paths in messages are those inside the snapshot ("/etc/shadow"), like
    // the filter's and the report's: root_dir_ is often a temporary view.

    void write_data() {
        total_ = totals(tree_).data_bytes;
        zeros_.assign(opt_.block_size, 0);
        buf_.resize(kReadChunk);
        Fd root = open_or_throw(root_dir_.c_str(), O_RDONLY | O_DIRECTORY);
        std::vector<Prefetcher::File> files;
        list_files(*tree_.root, "", files);
        prefetch_ = std::make_unique<Prefetcher>(root_dir_, std::move(files), kPrefetchBytes);
        write_dir_data(*tree_.root, root.get(), "");
        prefetch_.reset();
        report_progress(true);
        int ret = sqfs_block_processor_finish(proc_.get());
        if (ret) throw_sqfs("write file data to the image", ret, &file_);
        finish_reused();
    }

    // The files write_dir_data reads, in the same order.
    static void list_files(const Node& dir, const std::string& dir_rel, std::vector<Prefetcher::File>& out) {
        for (const auto& c : dir.children) {
            if (c->link) continue;
            if (S_ISREG(c->mode))
                out.push_back({dir_rel + "/" + c->name, c->data_bytes});
            else if (c->is_dir() && !c->children.empty())
                list_files(*c, dir_rel + "/" + c->name, out);
        }
    }

    // dirfd < 0: the directory vanished since the scan; its files are stored
    // empty so the tree stays what the scan promised.
    void write_dir_data(const Node& dir, int dirfd, const std::string& dir_rel) {
        for (const auto& c : dir.children) {
            check_interrupt();
            if (c->link) continue;  // data goes with the first name
            std::string rel = dir_rel + "/" + c->name;
            if (S_ISREG(c->mode)) {
                write_file(*c, dirfd, rel);
            } else if (c->is_dir() && !c->children.empty()) {
                Fd sub;
                if (dirfd >= 0) {
                    sub.reset(::openat(dirfd, c->name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
                    if (!sub && errno != ENOENT && errno != ENOTDIR && errno != ELOOP)
                        throw_errno("open directory '" + rel + "'", errno);
                    if (!sub)
                        log::warn() << "'" << rel
                                    << "' vanished since the scan; its files are stored empty";
                }
                write_dir_data(*c, sub.get(), rel);
            }
        }
    }

    void append(const void* data, size_t size, const std::string& rel) {
        if (digest_) digest_->update(data, size);
        int ret = sqfs_block_processor_append(proc_.get(), data, size);
        if (ret) throw_sqfs("write data of '" + rel + "' to the image", ret, &file_);
    }

    void append_zeros(uint64_t count, const std::string& rel) {
        while (count > 0) {
            size_t n = static_cast<size_t>(std::min<uint64_t>(count, zeros_.size()));
            append(zeros_.data(), n, rel);
            count -= n;
        }
    }

    // Opens the file for reading; returns an invalid Fd (after a warning) if
    // it vanished or is no longer a regular file: it is then stored empty.
    Fd open_file(int dirfd, const Node& n, const std::string& rel, struct stat* st) {
        // O_NONBLOCK: if a fifo took the file's place, do not hang on it.
        int flags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY;
        int fd = ::openat(dirfd, n.name.c_str(), flags | O_NOATIME);
        if (fd < 0 && errno == EPERM) fd = ::openat(dirfd, n.name.c_str(), flags);
        if (fd < 0) {
            if (errno == ENOENT || errno == ELOOP) {
                log::warn() << "'" << rel << "' vanished or changed type since the scan; stored as an empty file";
                return Fd();
            }
            throw_errno("open '" + rel + "' for reading", errno);
        }
        Fd f(fd);
        if (::fstat(fd, st) != 0) throw_errno("stat '" + rel + "'", errno);
        if (!S_ISREG(st->st_mode)) {
            log::warn() << "'" << rel << "' is no longer a regular file; stored as an empty file";
            return Fd();
        }
        return f;
    }

    void write_file(const Node& n, int dirfd, const std::string& rel) {
        uint32_t idx = num_.at(&n) - 1;
        StoredBlocks stored;
        if (reuse_ && dirfd >= 0 && reuse_->find(n, rel, stored) && write_reused(n, idx, dirfd, rel, stored)) {
            if (prefetch_) prefetch_->consumed(++files_read_);
            return;
        }
        int ret = sqfs_block_processor_begin_file(proc_.get(), &files_.slots[idx], nullptr, 0);
        if (ret) throw_sqfs("start file '" + rel + "' in the image", ret, &file_);

        if (digests_ && digests_->wanted.count(&n)) digest_ = std::make_unique<Sha256>();
        struct stat st;
        Fd fd = dirfd >= 0 ? open_file(dirfd, n, rel, &st) : Fd();
        if (fd) {
            uint64_t size = static_cast<uint64_t>(st.st_size);
            if (size != n.size)
                log::warn() << "'" << rel << "' changed size since the scan (" << n.size << " -> " << size
                            << " bytes); storing what is there now";
            copy_contents(fd.get(), size, rel);
        }
        ret = sqfs_block_processor_end_file(proc_.get());
        if (ret) throw_sqfs("write data of '" + rel + "' to the image", ret, &file_);
        blocks_in_flight_ = true;
        if (digest_) {
            digests_->got[&n] = digest_->hex();
            digest_.reset();
        }
        if (prefetch_) prefetch_->consumed(++files_read_);
    }

    // Copies a file's compressed blocks from an older image instead of
    // compressing it again; only its tail, if the older image kept it in a
    // fragment, is read from the file and goes through the processor (into a
    // fragment here too). False, with nothing written, when the file is no
    // longer what the scan saw: it is then compressed as usual.
    bool write_reused(const Node& n, uint32_t idx, int dirfd, const std::string& rel, const StoredBlocks& s) {
        struct stat st;
        Fd fd = open_file(dirfd, n, rel, &st);
        if (!fd || static_cast<uint64_t>(st.st_size) != s.file_size ||
            st.st_ctim.tv_sec * 1000000000ll + st.st_ctim.tv_nsec != n.ctime_ns)
            return false;
        const uint64_t blocks_bytes = static_cast<uint64_t>(s.sizes.size()) * opt_.block_size;
        std::string tail;
        if (s.has_fragment) {
            if (blocks_bytes >= s.file_size) return false;
            tail.resize(static_cast<size_t>(s.file_size - blocks_bytes));
            size_t got = 0;
            while (got < tail.size()) {
                ssize_t r = ::pread(fd.get(), tail.data() + got, tail.size() - got, static_cast<off_t>(blocks_bytes + got));
                if (r < 0 && errno == EINTR) continue;
                if (r <= 0) return false;
                got += static_cast<size_t>(r);
            }
        } else if (blocks_bytes < s.file_size) {
            return false;
        }
        // An all-zero tail would be a hole to the processor, not a fragment.
        if (!tail.empty() && std::all_of(tail.begin(), tail.end(), [](char c) { return c == 0; })) return false;

        // The blocks of files before this one go out first (the blocks of
        // one file must be contiguous); fragments may come in any order.
        int ret = 0;
        if (blocks_in_flight_) {
            ret = sqfs_block_processor_sync(proc_.get());
            if (ret) throw_sqfs("write file data to the image", ret, &file_);
            blocks_in_flight_ = false;
        }
        sqfs_file_t* f = file_.get();
        const uint64_t start = f->get_size(f);
        uint64_t stored = 0;
        for (uint32_t w : s.sizes) stored += w & ((1u << 24) - 1);
        for (uint64_t pos = 0; pos < stored;) {
            check_interrupt();
            const size_t chunk = static_cast<size_t>(std::min<uint64_t>(stored - pos, buf_.size()));
            reuse_->read(s, pos, buf_.data(), chunk);
            ret = f->write_at(f, f->get_size(f), buf_.data(), chunk);
            if (ret) throw_sqfs("copy the blocks of '" + rel + "' into the image", ret, &file_);
            pos += chunk;
        }

        // The processor makes the inode and puts the tail into a fragment;
        // the block list, start and size are filled in once it is done with
        // the inode (finish_reused).
        ret = sqfs_block_processor_begin_file(proc_.get(), &files_.slots[idx], nullptr, 0);
        if (!ret && !tail.empty()) ret = sqfs_block_processor_append(proc_.get(), tail.data(), tail.size());
        if (!ret) ret = sqfs_block_processor_end_file(proc_.get());
        if (ret) throw_sqfs("write data of '" + rel + "' to the image", ret, &file_);
        StoredBlocks copied = s;
        copied.start = start;
        reused_.emplace_back(idx, std::move(copied));
        done_ += n.data_bytes;
        report_progress(false);
        return true;
    }

    // After the processor finished: the copied files' inodes get their block
    // lists, where the blocks start, and their full size.
    void finish_reused() {
        for (auto& [idx, s] : reused_) {
            const std::string rel = order_[idx]->rel_path();
            sqfs_inode_generic_t*& inode = files_.slots[idx];
            const size_t list = s.sizes.size() * sizeof(sqfs_u32);
            if (inode->payload_bytes_available < list) {
                auto* grown = static_cast<sqfs_inode_generic_t*>(std::realloc(inode, sizeof(*inode) + list));
                if (!grown) throw Error(Exit::failure, "Out of memory for the inode of '" + rel + "'");
                inode = grown;
                inode->payload_bytes_available = static_cast<sqfs_u32>(list);
            }
            std::copy(s.sizes.begin(), s.sizes.end(), inode->extra);
            inode->payload_bytes_used = static_cast<sqfs_u32>(list);
            if (s.sparse) {
                sqfs_inode_make_extended(inode);
                inode->data.file_ext.sparse = s.sparse;
            }
            int ret = sqfs_inode_set_file_size(inode, s.file_size);
            if (!ret) ret = sqfs_inode_set_file_block_start(inode, s.start);
            if (ret) throw_sqfs("record the blocks of '" + rel + "'", ret);
        }
    }

    // Reads [0, size) skipping holes (SEEK_DATA/SEEK_HOLE) and feeds the
    // processor; holes become zeros, which it stores as sparse blocks. Files
    // of one read chunk are simply read: most files are small, and for them
    // the three extra calls cost more than reading a rare hole as zeros,
    // which gives the processor the same bytes.
    void copy_contents(int fd, uint64_t size, const std::string& rel) {
        bool seek = size > buf_.size();
        if (seek) ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
        uint64_t pos = 0;
        while (pos < size) {
            check_interrupt();
            uint64_t data = pos;
            if (seek) {
                off_t r = ::lseek(fd, static_cast<off_t>(pos), SEEK_DATA);
                if (r >= 0) data = std::min<uint64_t>(static_cast<uint64_t>(r), size);
                else if (errno == ENXIO) data = size;  // only a hole is left
                else seek = false;                     // not supported here: read everything
            }
            append_zeros(data - pos, rel);
            pos = data;
            if (pos >= size) break;
            uint64_t hole = size;
            if (seek) {
                off_t r = ::lseek(fd, static_cast<off_t>(pos), SEEK_HOLE);
                if (r >= 0) hole = std::min<uint64_t>(static_cast<uint64_t>(r), size);
            }
            while (pos < hole) {
                check_interrupt();
                size_t want = static_cast<size_t>(std::min<uint64_t>(hole - pos, buf_.size()));
                ssize_t got = ::pread(fd, buf_.data(), want, static_cast<off_t>(pos));
                if (got < 0 && errno == EINTR) continue;
                if (got < 0) throw_errno("read '" + rel + "'", errno);
                if (got == 0) {
                    log::warn() << "'" << rel << "' shrank while being read; stored its first " << pos
                                << " bytes";
                    return;
                }
                append(buf_.data(), static_cast<size_t>(got), rel);
                pos += static_cast<uint64_t>(got);
                done_ += static_cast<uint64_t>(got);
                report_progress(false);
            }
        }
    }

    void report_progress(bool final) {
        if (!progress_) return;
        auto now = std::chrono::steady_clock::now();
        if (!final && now - last_progress_ < std::chrono::milliseconds(100)) return;
        last_progress_ = now;
        // total_ is an estimate from st_blocks: never report past it, and
        // report it reached at the end.
        progress_(final ? total_ : std::min(done_, total_), total_);
    }

    // --- metadata --------------------------------------------------------

    // Stores the xattrs squashfs can hold, counts the others; kNoXattr if none.
    uint32_t write_xattrs(const Node& n) {
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
                int ret = sqfs_xattr_writer_begin(xattrs_.get(), 0);
                if (ret) throw_sqfs("record extended attributes of '" + n.rel_path() + "'", ret);
                any = true;
            }
            int ret = sqfs_xattr_writer_add(xattrs_.get(), k.c_str(), x.value.data(), x.value.size());
            if (ret) throw_sqfs("record extended attribute '" + k + "' of '" + n.rel_path() + "'", ret);
        }
        if (!any) return kNoXattr;
        uint32_t idx = kNoXattr;
        int ret = sqfs_xattr_writer_end(xattrs_.get(), &idx);
        if (ret) throw_sqfs("record extended attributes of '" + n.rel_path() + "'", ret);
        return idx;
    }

    InodePtr make_dir_inode(const Node& n, uint32_t xattr) {
        int ret = sqfs_dir_writer_begin(dirwr_.get(), 0);
        if (ret) throw_sqfs("write directory '" + n.rel_path() + "'", ret);
        uint32_t subdirs = 0;
        for (const auto& c : n.children) {
            const Node& in = c->inode();
            if (c->is_dir()) subdirs++;
            ret = sqfs_dir_writer_add_entry(dirwr_.get(), c->name.c_str(), num(in), refs_[num(in) - 1],
                                            static_cast<sqfs_u16>(in.mode));
            if (ret) throw_sqfs("write entry '" + c->rel_path() + "'", ret);
        }
        ret = sqfs_dir_writer_end(dirwr_.get());
        if (ret) throw_sqfs("write directory '" + n.rel_path() + "'", ret);
        // The root's parent is one past the last inode, as mksquashfs does.
        uint32_t parent = n.parent ? num(*n.parent) : static_cast<uint32_t>(order_.size() + 1);
        InodePtr inode(sqfs_dir_writer_create_inode(dirwr_.get(), 0, xattr, parent));
        if (!inode) throw std::bad_alloc();
        if (inode->base.type == SQFS_INODE_DIR)
            inode->data.dir.nlink = 2 + subdirs;
        else
            inode->data.dir_ext.nlink = 2 + subdirs;
        return inode;
    }

    InodePtr make_special_inode(const Node& n) {
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

    void write_inode(uint32_t idx) {
        const Node& n = *order_[idx];
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

        if (n.mtime < 0) dropped_.add("modification times before 1970 (stored as 1970-01-01)", n);
        if (n.mtime > int64_t{UINT32_MAX})
            dropped_.add("modification times after 2106-02-07 (stored as 2106-02-07)", n);
        inode->base.mode = static_cast<sqfs_u16>(n.mode);
        inode->base.mod_time = clamp_time(n.mtime);
        inode->base.inode_number = idx + 1;
        int ret = sqfs_id_table_id_to_index(ids_.get(), n.uid, &inode->base.uid_idx);
        if (!ret) ret = sqfs_id_table_id_to_index(ids_.get(), n.gid, &inode->base.gid_idx);
        if (ret) throw_sqfs("record the owner of '" + n.rel_path() + "'", ret);

        ret = sqfs_inode_set_xattr_index(inode.get(), xattr);
        if (!ret && xattr == kNoXattr && !n.is_dir()) ret = sqfs_inode_make_basic(inode.get());
        if (ret) throw_sqfs("prepare the inode of '" + n.rel_path() + "'", ret);

        sqfs_u64 block = 0;
        sqfs_u32 offset = 0;
        sqfs_meta_writer_get_position(im_.get(), &block, &offset);
        refs_[idx] = (block << 16) | offset;
        ret = sqfs_meta_writer_write_inode(im_.get(), inode.get());
        if (ret) throw_sqfs("write the inode of '" + n.rel_path() + "'", ret, &file_);
    }

    void serialize() {
        sqfs_file_t* f = file_.get();
        super_.inode_table_start = f->get_size(f);
        for (uint32_t i = 0; i < order_.size(); ++i) {
            if (i % 4096 == 0) check_interrupt();
            write_inode(i);
        }
        int ret = sqfs_meta_writer_flush(im_.get());
        if (!ret) ret = sqfs_meta_writer_flush(dm_.get());
        if (ret) throw_sqfs("write the inode table", ret, &file_);

        const Node& root = *tree_.root;
        uint64_t root_ref = refs_[num(root) - 1];
        super_.root_inode_ref = root_ref;
        super_.directory_table_start = f->get_size(f);
        ret = sqfs_meta_write_write_to_file(dm_.get());
        if (ret) throw_sqfs("write the directory table", ret, &file_);

        ret = sqfs_frag_table_write(frag_.get(), f, &super_, cmp_.get());
        if (ret) throw_sqfs("write the fragment table", ret, &file_);
        // libsquashfs marks fragments uncompressed, but the block processor
        // compresses fragment blocks like any other (the flag is informative).
        super_.flags &= ~SQFS_FLAG_UNCOMPRESSED_FRAGMENTS;
        ret = sqfs_dir_writer_write_export_table(dirwr_.get(), f, cmp_.get(), num(root), root_ref, &super_);
        if (ret) throw_sqfs("write the export table", ret, &file_);
        ret = sqfs_id_table_write(ids_.get(), f, &super_, cmp_.get());
        if (ret) throw_sqfs("write the id table", ret, &file_);
        ret = sqfs_xattr_writer_flush(xattrs_.get(), f, &super_, cmp_.get());
        if (ret) throw_sqfs("write the extended attribute table", ret, &file_);

        super_.inode_count = static_cast<sqfs_u32>(order_.size());
        super_.bytes_used = f->get_size(f);
        ret = sqfs_super_write(&super_, f);
        if (ret) throw_sqfs("write the super block", ret, &file_);

        size_t pad = static_cast<size_t>(super_.bytes_used % kDevBlockSize);
        if (pad) {
            std::vector<char> zeros(kDevBlockSize - pad, 0);
            ret = f->write_at(f, super_.bytes_used, zeros.data(), zeros.size());
            if (ret) throw_sqfs("pad the image", ret, &file_);
        }
    }

    const Tree& tree_;
    std::string root_dir_;
    SquashOptions opt_;
    const ProgressFn& progress_;

    std::vector<const Node*> order_;  // inode number - 1 -> Node
    std::unordered_map<const Node*, uint32_t> num_;
    std::vector<uint64_t> refs_;  // inode number - 1 -> inode table reference
    DroppedLog dropped_;
    sqfs_super_t super_{};

    uint64_t done_ = 0, total_ = 0;
    std::chrono::steady_clock::time_point last_progress_{};
    std::vector<char> zeros_, buf_;
    ContentDigests* digests_;
    BlockSource* reuse_;
    bool blocks_in_flight_ = false;  // a compressed file's blocks may not be written yet
    std::vector<std::pair<uint32_t, StoredBlocks>> reused_;  // inode index, copied blocks
    std::unique_ptr<Sha256> digest_;  // of the file being read, when wanted
    std::unique_ptr<Prefetcher> prefetch_;  // while file data is read
    size_t files_read_ = 0;

    // libsquashfs objects in creation order; destroyed in reverse. files_
    // comes first: the block processor points into it until destroyed.
    FileInodes files_;
    FdFile file_;
    SqfsPtr<sqfs_compressor_t> cmp_, uncmp_;
    SqfsPtr<sqfs_block_writer_t> blkwr_;
    SqfsPtr<sqfs_frag_table_t> frag_;
    SqfsPtr<sqfs_block_processor_t> proc_;
    SqfsPtr<sqfs_id_table_t> ids_;
    SqfsPtr<sqfs_xattr_writer_t> xattrs_;
    SqfsPtr<sqfs_meta_writer_t> im_, dm_;
    SqfsPtr<sqfs_dir_writer_t> dirwr_;
};

}  // namespace

std::vector<std::string> available_compressors() {
    std::vector<std::string> out;
    for (const auto& c : kCompressors)
        if (compressor_available(c)) out.push_back(c.name);
    return out;
}

SquashOptions parse_compression(const std::string& spec, uint32_t block_size, unsigned jobs) {
    SquashOptions opt;
    opt.block_size = block_size;
    opt.jobs = jobs;
    if (block_size < SQFS_MIN_BLOCK_SIZE || block_size > SQFS_MAX_BLOCK_SIZE || (block_size & (block_size - 1)))
        throw Error(Exit::bad_input, "Invalid squashfs block size " + std::to_string(block_size),
                    "Use a power of two from 4096 (4 KiB) to 1048576 (1 MiB); the default is 131072.");

    std::string name = spec, level;
    if (auto colon = spec.find(':'); colon != std::string::npos) {
        name = spec.substr(0, colon);
        level = spec.substr(colon + 1);
    }
    const CompressorInfo* info = find_compressor(name);
    if (!info || !compressor_available(*info))
        throw Error(Exit::bad_input,
                    info ? "Compressor '" + name + "' is not supported by this libsquashfs build"
                         : "Unknown compressor '" + spec + "'",
                    "Choose one of: " + choices() + ", e.g. zstd:19.");
    opt.compressor = name;
    if (spec.find(':') == std::string::npos) return opt;

    bool digits = !level.empty() && level.size() <= 3 &&
                  std::all_of(level.begin(), level.end(), [](char c) { return c >= '0' && c <= '9'; });
    int value = digits ? std::stoi(level) : -1;
    if (info->max_level == 0 || !digits || value < info->min_level || value > info->max_level) {
        std::string hint = info->max_level == 0
                               ? name + " takes no level."
                               : name + " takes a level from " + std::to_string(info->min_level) + " to " +
                                     std::to_string(info->max_level) + ".";
        throw Error(Exit::bad_input, "Invalid compression '" + spec + "'", hint + " Choices: " + choices());
    }
    opt.level = value;
    return opt;
}

SquashReport write_squashfs(const Tree& tree, const std::string& root_dir, int out_fd, const SquashOptions& opt,
                            const ProgressFn& progress, ContentDigests* digests, BlockSource* reuse) {
    // Validate what a caller may have filled in by hand.
    parse_compression(opt.compressor + (opt.level ? ":" + std::to_string(opt.level) : ""), opt.block_size,
                      opt.jobs);
    return ImageWriter(tree, root_dir, out_fd, opt, progress, digests, reuse).run();
}

}  // namespace remaster
