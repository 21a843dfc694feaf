#include "squash_data.hpp"

#include <fcntl.h>
#include <sqfs/error.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "error.hpp"
#include "fd.hpp"
#include "interrupt.hpp"
#include "log.hpp"

namespace remaster {
namespace {

constexpr size_t kReadChunk = 1024 * 1024;
// How far the read-ahead thread runs ahead of the reader, in page cache.
constexpr uint64_t kPrefetchBytes = 64 * 1024 * 1024;

// The files DataStream::write_dir reads, in the same order.
void list_files(const Node& dir, const std::string& dir_rel, std::vector<Prefetcher::File>& out) {
    for (const auto& c : dir.children) {
        if (c->link) continue;
        if (S_ISREG(c->mode))
            out.push_back({dir_rel + "/" + c->name, c->data_bytes});
        else if (c->is_dir() && !c->children.empty())
            list_files(*c, dir_rel + "/" + c->name, out);
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

// The part of a reused file after its stored blocks, which the older image
// kept in a fragment: read from the file into tail. False when the file is
// shorter now.
bool read_tail(int fd, uint64_t from, std::string& tail) {
    size_t got = 0;
    while (got < tail.size()) {
        ssize_t r = ::pread(fd, tail.data() + got, tail.size() - got, static_cast<off_t>(from + got));
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return false;
        got += static_cast<size_t>(r);
    }
    return true;
}

}  // namespace

void ProgressMeter::add(uint64_t bytes, bool final) {
    done_ += bytes;
    if (!fn_) return;
    auto now = std::chrono::steady_clock::now();
    if (!final && now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    // total_ is an estimate from st_blocks: never report past it, and
    // report it reached at the end.
    fn_(final ? total_ : std::min(done_, total_), total_);
}

DataStream::DataStream(ImageObjects& obj, const InodeNumbers& inodes, FileInodes& files, const std::string& root_dir,
                       uint32_t block_size, unsigned threads, const ProgressFn& progress, ContentDigests* digests,
                       BlockSource* reuse)
    : obj_(obj), inodes_(inodes), files_(files), root_dir_(root_dir), block_size_(block_size), digests_(digests),
      block_(block_size), records_(inodes.count()), reuse_(reuse), progress_(progress),
      pipe_(obj, block_size, threads), packer_(pipe_, block_size) {}

void DataStream::write(const Tree& tree) {
    progress_.start(totals(tree).data_bytes);
    buf_.resize(kReadChunk);
    Fd root = open_or_throw(root_dir_.c_str(), O_RDONLY | O_DIRECTORY);
    std::vector<Prefetcher::File> files;
    list_files(*tree.root, "", files);
    ahead_.thread = std::make_unique<Prefetcher>(root_dir_, std::move(files), kPrefetchBytes);
    write_dir(*tree.root, root.get(), "");
    ahead_.thread.reset();
    progress_.add(0, true);
    packer_.finish();
    pipe_.drain();
    for (const FragmentLocation& frag : pipe_.fragments()) {
        sqfs_u32 index = 0;
        int ret = sqfs_frag_table_append(obj_.frag.get(), frag.start, frag.size, &index);
        if (ret) throw_sqfs("record the fragment blocks", ret);
    }
    make_inodes();
}

// dirfd < 0: the directory vanished since the scan; its files are stored
// empty so the tree stays what the scan promised.
void DataStream::write_dir(const Node& dir, int dirfd, const std::string& dir_rel) {
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
                if (!sub) log::warn() << "'" << rel << "' vanished since the scan; its files are stored empty";
            }
            write_dir(*c, sub.get(), rel);
        }
    }
}

void DataStream::write_file(const Node& n, int dirfd, const std::string& rel) {
    const uint32_t idx = inodes_.number(n) - 1;
    written_.push_back(idx);
    FileBlocks& f = records_[idx];
    StoredBlocks stored;
    if (reuse_ && dirfd >= 0 && reuse_->find(n, rel, stored) && write_reused(n, dirfd, rel, stored, f)) {
        ahead_.file_done();
        return;
    }
    if (digests_ && digests_->wanted.count(&n)) digest_ = std::make_unique<Sha256>();
    struct stat st;
    Fd fd = dirfd >= 0 ? open_file(dirfd, n, rel, &st) : Fd();
    if (fd) {
        uint64_t size = static_cast<uint64_t>(st.st_size);
        if (size != n.size)
            log::warn() << "'" << rel << "' changed size since the scan (" << n.size << " -> " << size
                        << " bytes); storing what is there now";
        copy_contents(fd.get(), size, rel, f);
    }
    end_file(f);
    if (digest_) {
        digests_->got[&n] = digest_->hex();
        digest_.reset();
    }
    ahead_.file_done();
}

// `bytes` more of the file are in the block at fill_; a full block goes to
// the pipeline, which hands back an empty one.
void DataStream::filled(size_t bytes, FileBlocks& f) {
    if (digest_) digest_->update(block_.data() + fill_, bytes);
    fill_ += bytes;
    f.size += bytes;
    if (fill_ < block_size_) return;
    pipe_.submit_data(block_, f, file_blocks_ == 0);
    ++file_blocks_;
    fill_ = 0;
}

void DataStream::add_zeros(uint64_t count, FileBlocks& f) {
    while (count > 0) {
        const size_t n = static_cast<size_t>(std::min<uint64_t>(count, block_size_ - fill_));
        std::memset(block_.data() + fill_, 0, n);
        filled(n, f);
        count -= n;
    }
}

// After the file's last byte: its run of blocks ends (the block writer
// deduplicates it), then what is left is its tail.
void DataStream::end_file(FileBlocks& f) {
    if (file_blocks_ > 0) pipe_.submit_end(f);
    if (fill_ > 0) packer_.add(f, block_.data(), fill_);
    fill_ = 0;
    file_blocks_ = 0;
}

// Reads [0, size) straight into blocks, skipping holes (SEEK_DATA/SEEK_HOLE):
// they become zeros, which the pipeline stores as sparse blocks. Files of
// one read chunk are simply read: most files are small, and for them the
// three extra calls cost more than reading a rare hole as zeros, which gives
// the same blocks.
void DataStream::copy_contents(int fd, uint64_t size, const std::string& rel, FileBlocks& f) {
    bool seek = size > kReadChunk;
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
        add_zeros(data - pos, f);
        pos = data;
        if (pos >= size) break;
        uint64_t hole = size;
        if (seek) {
            off_t r = ::lseek(fd, static_cast<off_t>(pos), SEEK_HOLE);
            if (r >= 0) hole = std::min<uint64_t>(static_cast<uint64_t>(r), size);
        }
        while (pos < hole) {
            check_interrupt();
            size_t want = static_cast<size_t>(std::min<uint64_t>(hole - pos, block_size_ - fill_));
            ssize_t got = ::pread(fd, block_.data() + fill_, want, static_cast<off_t>(pos));
            if (got < 0 && errno == EINTR) continue;
            if (got < 0) throw_errno("read '" + rel + "'", errno);
            if (got == 0) {
                log::warn() << "'" << rel << "' shrank while being read; stored its first " << pos << " bytes";
                return;
            }
            filled(static_cast<size_t>(got), f);
            pos += static_cast<uint64_t>(got);
            progress_.add(static_cast<uint64_t>(got));
        }
    }
}

// Copies a file's compressed blocks from an older image instead of
// compressing it again; only its tail, if the older image kept it in a
// fragment, is read from the file and goes to the fragment packer. False,
// with nothing written, when the file is no longer what the scan saw: it is
// then compressed as usual.
bool DataStream::write_reused(const Node& n, int dirfd, const std::string& rel, const StoredBlocks& s,
                              FileBlocks& f) {
    struct stat st;
    Fd fd = open_file(dirfd, n, rel, &st);
    if (!fd || static_cast<uint64_t>(st.st_size) != s.file_size ||
        st.st_ctim.tv_sec * 1000000000ll + st.st_ctim.tv_nsec != n.ctime_ns)
        return false;
    const uint64_t blocks_bytes = static_cast<uint64_t>(s.sizes.size()) * block_size_;
    std::string tail;
    if (s.has_fragment) {
        if (blocks_bytes >= s.file_size) return false;
        tail.resize(static_cast<size_t>(s.file_size - blocks_bytes));
        if (!read_tail(fd.get(), blocks_bytes, tail)) return false;
    } else if (blocks_bytes < s.file_size) {
        return false;
    }
    f.start = copy_stored_blocks(s, rel);
    f.sizes = s.sizes;
    f.sparse = s.sparse;
    f.size = s.file_size;
    if (!tail.empty()) packer_.add(f, reinterpret_cast<const uint8_t*>(tail.data()), tail.size());
    ++reused_;
    progress_.add(n.data_bytes);
    return true;
}

// Appends the stored blocks to the image as they are; returns where they start.
uint64_t DataStream::copy_stored_blocks(const StoredBlocks& s, const std::string& rel) {
    // The blocks of files before this one go out first (the blocks of one
    // file must be contiguous); then nothing else writes until we submit again.
    pipe_.drain();
    sqfs_file_t* f = obj_.file.get();
    const uint64_t start = f->get_size(f);
    uint64_t stored = 0;
    for (uint32_t w : s.sizes) stored += w & ((1u << 24) - 1);
    for (uint64_t pos = 0; pos < stored;) {
        check_interrupt();
        const size_t chunk = static_cast<size_t>(std::min<uint64_t>(stored - pos, buf_.size()));
        reuse_->read(s, pos, buf_.data(), chunk);
        int ret = f->write_at(f, f->get_size(f), buf_.data(), chunk);
        if (ret) throw_sqfs("copy the blocks of '" + rel + "' into the image", ret, &obj_.file);
        pos += chunk;
    }
    return start;
}

// Every regular file's inode, from what its data became.
void DataStream::make_inodes() {
    for (uint32_t idx : written_) {
        int ret = make_file_inode(records_[idx], &files_.slots[idx]);
        if (ret) throw_sqfs("record the blocks of '" + inodes_.node(idx).rel_path() + "'", ret);
    }
}

}  // namespace remaster
