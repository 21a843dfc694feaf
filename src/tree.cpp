// The walk works relative to open directory fds (openat/fstatat/readlinkat)
// so that 60-deep chains of 255-byte names, far beyond PATH_MAX, still work.
// Extended attributes have no *at() calls; for them a path through
// /proc/self/fd/<dirfd>/<name> keeps the path short when the real one is not.
//
// The walk is one thread, in sorted order, because the filter and the hard
// link rule ("the first name in sorted pre-order owns the inode") want that
// order. With a cold cache that thread waits on the disk for every directory
// block and inode table block in turn; so a few helper threads walk the same
// tree ahead of it, only reading directories and stat-ing entries, to load
// them into the kernel's caches while the disk can serve several requests at
// once. They call no filter (so they may visit an excluded directory too) and
// keep nothing; whatever fails for them is left to the real walk, and they
// stop when it ends.
#include "tree.hpp"

#include <fcntl.h>
#include <limits.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <thread>
#include <tuple>
#include <utility>

#include "dir_stream.hpp"
#include "error.hpp"
#include "fd.hpp"
#include "interrupt.hpp"
#include "log.hpp"
#include "paths.hpp"

namespace remaster {

std::string Node::rel_path() const {
    if (!parent) return "/";
    std::vector<const Node*> chain;
    for (const Node* n = this; n->parent; n = n->parent) chain.push_back(n);
    std::string out;
    for (auto it = chain.rbegin(); it != chain.rend(); ++it) out += "/" + (*it)->name;
    return out;
}

namespace {

// llistxattr/lgetxattr with the size dance; a value that changes size between
// the two calls (ERANGE) is simply asked for again.
std::vector<Xattr> read_xattrs(const std::string& path, const std::string& shown) {
    std::vector<Xattr> out;
    std::string names;
    for (;;) {
        ssize_t n = ::llistxattr(path.c_str(), nullptr, 0);
        if (n < 0) {
            if (errno == ENOTSUP || errno == ENOSYS) return out;
            if (errno == ENOENT) return out;  // vanished; the writer will notice
            throw_errno("list extended attributes of '" + shown + "'", errno);
        }
        if (n == 0) return out;
        names.resize(static_cast<size_t>(n));
        n = ::llistxattr(path.c_str(), names.data(), names.size());
        if (n < 0 && errno == ERANGE) continue;
        if (n < 0) throw_errno("list extended attributes of '" + shown + "'", errno);
        names.resize(static_cast<size_t>(n));
        break;
    }
    for (size_t pos = 0; pos < names.size();) {
        size_t end = names.find('\0', pos);
        if (end == std::string::npos) end = names.size();
        std::string name = names.substr(pos, end - pos);
        pos = end + 1;
        if (name.empty()) continue;
        std::string value;
        for (;;) {
            ssize_t n = ::lgetxattr(path.c_str(), name.c_str(), nullptr, 0);
            if (n < 0 && (errno == ENODATA || errno == ENOENT)) break;  // removed meanwhile
            if (n < 0) throw_errno("read extended attribute '" + name + "' of '" + shown + "'", errno);
            value.resize(static_cast<size_t>(n));
            n = ::lgetxattr(path.c_str(), name.c_str(), value.data(), value.size());
            if (n < 0 && errno == ERANGE) continue;
            if (n < 0 && (errno == ENODATA || errno == ENOENT)) break;
            if (n < 0) throw_errno("read extended attribute '" + name + "' of '" + shown + "'", errno);
            value.resize(static_cast<size_t>(n));
            out.push_back({name, value});
            break;
        }
    }
    std::sort(out.begin(), out.end(), [](const Xattr& a, const Xattr& b) { return a.name < b.name; });
    return out;
}

// Enough requests in flight for an SSD or a virtual disk; the helpers mostly
// wait for the disk, so more of them than cores is fine.
constexpr unsigned kWarmerThreads = 4;

struct InodeKey {
    dev_t dev;
    ino_t ino;
    bool operator<(const InodeKey& o) const { return std::tie(dev, ino) < std::tie(o.dev, o.ino); }
};

// The helper threads described at the top. Directories are handed out in
// the walk's own order (a stack fed with each directory's subdirectories in
// reverse), so the helpers stay just ahead of the walk rather than far away.
class CacheWarmer {
public:
    CacheWarmer(const std::string& root_dir, unsigned threads)
        : root_(::open(root_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) {
        if (!root_) return;
        todo_.push_back("");
        SignalsBlocked blocked;  // they stay with the scanning thread
        try {
            for (unsigned i = 0; i < threads; ++i) threads_.emplace_back([this] { run(); });
        } catch (...) {
            // Fewer helpers or none: the walk only gets slower.
        }
    }
    CacheWarmer(const CacheWarmer&) = delete;
    CacheWarmer& operator=(const CacheWarmer&) = delete;
    ~CacheWarmer() {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            stop_ = true;
        }
        more_.notify_all();
        for (auto& t : threads_) t.join();
    }

private:
    void run() {
        for (;;) {
            std::string rel;
            {
                std::unique_lock<std::mutex> lock(mutex_);
                more_.wait(lock, [&] { return stop_ || !todo_.empty() || busy_ == 0; });
                if (stop_ || todo_.empty()) return;  // stopped, or nothing left anywhere
                rel = std::move(todo_.front());
                todo_.pop_front();
                busy_++;
            }
            std::vector<std::string> subdirs = visit(rel);
            {
                std::lock_guard<std::mutex> lock(mutex_);
                for (auto it = subdirs.rbegin(); it != subdirs.rend(); ++it) todo_.push_front(std::move(*it));
                busy_--;
            }
            more_.notify_all();
        }
    }

    // Reads one directory and stats its entries; returns its subdirectories.
    std::vector<std::string> visit(const std::string& rel) {
        std::vector<std::string> names, subdirs;
        int fd = rel.empty() ? ::fcntl(root_.get(), F_DUPFD_CLOEXEC, 0)
                             : ::openat(root_.get(), rel.c_str() + 1, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) return subdirs;
        DirStream d = DirStream::adopt(fd);
        if (!d) return subdirs;
        while (const dirent* e = d.next()) names.emplace_back(e->d_name);
        std::sort(names.begin(), names.end());
        for (const std::string& name : names) {
            if (stopping()) break;
            struct stat st;
            if (::fstatat(d.fd(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode))
                subdirs.push_back(rel + "/" + name);
        }
        return subdirs;
    }

    bool stopping() {
        std::lock_guard<std::mutex> lock(mutex_);
        return stop_;
    }

    Fd root_;
    std::mutex mutex_;
    std::condition_variable more_;
    std::deque<std::string> todo_;  // relative paths, "" for the root
    unsigned busy_ = 0;             // helpers visiting a directory now
    bool stop_ = false;
    std::vector<std::thread> threads_;  // last: they use everything above
};

class Scanner {
public:
    Scanner(const std::string& root_dir, const Filter& filter, const std::string& identity_root)
        : root_dir_(root_dir), filter_(filter), identity_root_(identity_root) {
        while (root_dir_.size() > 1 && root_dir_.back() == '/') root_dir_.pop_back();
        while (identity_root_.size() > 1 && identity_root_.back() == '/') identity_root_.pop_back();
    }

    std::unique_ptr<Tree> run() {
        auto tree = std::make_unique<Tree>();
        tree->root = std::make_unique<Node>();
        Fd dir = open_or_throw(root_dir_.c_str(), O_RDONLY | O_DIRECTORY);
        CacheWarmer warmer(root_dir_, kWarmerThreads);
        struct stat st;
        if (::fstat(dir.get(), &st) != 0) throw_errno("stat '" + root_dir_ + "'", errno);
        fill(*tree->root, st);
        tree->root->xattrs = read_xattrs(root_dir_, root_dir_);
        // The source's directory beside each of the view's, for link_key.
        Fd src;
        if (!identity_root_.empty())
            src = Fd(::open(identity_root_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
        walk(*tree->root, std::move(dir), std::move(src), "");
        return tree;
    }

private:
    static void fill(Node& n, const struct stat& st) {
        n.mode = st.st_mode;
        n.uid = st.st_uid;
        n.gid = st.st_gid;
        n.mtime = st.st_mtim.tv_sec;
        n.mtime_nsec = static_cast<uint32_t>(st.st_mtim.tv_nsec);
        n.ctime_ns = st.st_ctim.tv_sec * 1000000000ll + st.st_ctim.tv_nsec;
        if (S_ISBLK(st.st_mode) || S_ISCHR(st.st_mode)) n.rdev = st.st_rdev;
        if (S_ISREG(st.st_mode)) {
            n.size = static_cast<uint64_t>(st.st_size);
            uint64_t allocated = static_cast<uint64_t>(st.st_blocks) * 512;
            n.data_bytes = std::min(n.size, allocated);
            // Tiny files can live inline in metadata with st_blocks == 0.
            if (allocated == 0 && n.size <= 4096) n.data_bytes = n.size;
        }
    }

    // A path for the xattr syscalls: the real one while it is short enough.
    std::string syscall_path(int dirfd, const std::string& rel) const {
        std::string real = in_root(root_dir_, rel);
        if (real.size() < PATH_MAX - 1) return real;
        return "/proc/self/fd/" + std::to_string(dirfd) + "/" + rel.substr(rel.rfind('/') + 1);
    }

    // dir_rel is "" for the root, "/a/b" otherwise.
    // `src`: the same directory in the source (identity_root_), or invalid.
    void walk(Node& dir_node, Fd dir, Fd src, const std::string& dir_rel) {
        int dirfd = dir.get();
        int dup_fd = ::fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
        if (dup_fd < 0) throw_errno("duplicate a directory fd", errno);
        DirStream d = DirStream::adopt(dup_fd);
        if (!d) {
            int err = errno;
            throw_errno("read directory '" + shown(dir_rel) + "'", err);
        }
        std::vector<std::string> names;
        while (const dirent* e = d.next()) names.emplace_back(e->d_name);
        if (d.error()) throw_errno("read directory '" + shown(dir_rel) + "'", d.error());
        d.close();
        // Byte order, as squashfs lookups (strcmp) require.
        std::sort(names.begin(), names.end());

        for (const std::string& name : names) {
            check_interrupt();
            std::string rel = dir_rel + "/" + name;
            struct stat st;
            if (::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
                if (errno == ENOENT) {
                    log::warn() << "'" << shown(rel) << "' vanished during the scan; skipped";
                    continue;
                }
                throw_errno("stat '" + shown(rel) + "'", errno);
            }
            FilterAction action = filter_ ? filter_(rel, st) : FilterAction::include;
            if (action == FilterAction::exclude) continue;

            auto node = std::make_unique<Node>();
            node->name = name;
            node->parent = &dir_node;
            Node& n = *node;

            if (!S_ISDIR(st.st_mode) && st.st_nlink > 1) {
                auto [it, fresh] = links_.try_emplace(link_key(src.get(), name, st), &n);
                if (!fresh) {
                    n.link = it->second;
                    n.link->link_count++;
                    n.mode = n.link->mode;  // directory entries need the type
                    dir_node.children.push_back(std::move(node));
                    continue;
                }
            }
            fill(n, st);
            if (S_ISLNK(st.st_mode)) n.target = read_link(dirfd, name, rel, st);
            n.xattrs = read_xattrs(syscall_path(dirfd, rel), shown(rel));
            dir_node.children.push_back(std::move(node));

            if (S_ISDIR(st.st_mode) && action == FilterAction::include) {
                int fd = ::openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0) {
                    if (errno == ENOENT) {
                        log::warn() << "'" << shown(rel) << "' vanished during the scan; kept empty";
                        continue;
                    }
                    throw_errno("open directory '" + shown(rel) + "'", errno);
                }
                Fd sub_src;
                if (src) sub_src = Fd(::openat(src.get(), name.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
                walk(n, Fd(fd), std::move(sub_src), rel);
            }
        }
    }

    std::string read_link(int dirfd, const std::string& name, const std::string& rel,
                          const struct stat& st) const {
        std::string buf(static_cast<size_t>(st.st_size > 0 ? st.st_size : PATH_MAX) + 1, '\0');
        for (;;) {
            ssize_t n = ::readlinkat(dirfd, name.c_str(), buf.data(), buf.size());
            if (n < 0) throw_errno("read symlink '" + shown(rel) + "'", errno);
            if (static_cast<size_t>(n) < buf.size()) {
                buf.resize(static_cast<size_t>(n));
                return buf;
            }
            buf.resize(buf.size() * 2);  // it grew since lstat
        }
    }

    // Paths in messages are those inside the tree ("/etc/shadow"), as the
    // filter sees them: root_dir_ is often a temporary view.
    std::string shown(const std::string& rel) const { return rel.empty() ? root_dir_ : rel; }

    // Which inode a name with several links is. Through an overlay, every
    // file of a btrfs root reports the overlay's device and its own inode
    // number, but each btrfs subvolume numbers its inodes from 256 again:
    // two unrelated files of two subvolumes (/ and a nested /var/lib/machines)
    // would look like one, and the squashfs would store one's data for both.
    // The source itself (identity_root_) tells them apart by device: its
    // directory beside the view's (`src_dir`, opened along the walk, so no
    // path is too long for it). A file the view changed, or one the source
    // lacks, keeps the view's identity.
    static InodeKey link_key(int src_dir, const std::string& name, const struct stat& st) {
        struct stat src;
        if (src_dir >= 0 && ::fstatat(src_dir, name.c_str(), &src, AT_SYMLINK_NOFOLLOW) == 0 &&
            (src.st_mode & S_IFMT) == (st.st_mode & S_IFMT) && src.st_nlink == st.st_nlink)
            return InodeKey{src.st_dev, src.st_ino};
        return InodeKey{st.st_dev, st.st_ino};
    }

    std::string root_dir_;
    const Filter& filter_;
    std::string identity_root_;
    std::map<InodeKey, Node*> links_;
};

void visit(const Node& n, const std::function<void(const Node&)>& fn) {
    fn(n);
    for (const auto& c : n.children) visit(*c, fn);
}

}  // namespace

std::unique_ptr<Tree> scan_tree(const std::string& root_dir, const Filter& filter, const std::string& identity_root) {
    return Scanner(root_dir, filter, identity_root).run();
}

void for_each_node(const Tree& tree, const std::function<void(const Node&)>& fn) {
    if (tree.root) visit(*tree.root, fn);
}

ScanTotals totals(const Tree& tree) {
    ScanTotals t;
    for_each_node(tree, [&](const Node& n) {
        t.entries++;
        if (n.link) return;  // a hard link adds a name, not an inode
        if (n.is_dir()) t.dirs++;
        if (S_ISREG(n.mode)) {
            t.files++;
            t.data_bytes += n.data_bytes;
        }
    });
    return t;
}

}  // namespace remaster
