// The in-memory picture of a directory tree that the squashfs writer
// serializes: one Node per name, children sorted by name in byte order (the
// order squashfs directories must be stored in), hard links resolved to the
// first name met in that order.
//
// The scan records metadata only; file contents are read later by the writer,
// so a file may change in between. The writer copes with that.
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace remaster {

enum class FilterAction {
    include,
    exclude,
    empty_dir  // keep the directory itself, drop everything below it
};

// rel_path is relative to the scanned root and starts with '/', e.g.
// "/etc/fstab"; the root itself is "/" and is never filtered.
using Filter = std::function<FilterAction(const std::string& rel_path, const struct stat& st)>;

struct Xattr {
    std::string name;   // full name with namespace, e.g. "user.comment"
    std::string value;  // raw bytes
};

struct Node {
    std::string name;        // "" for the root
    Node* parent = nullptr;  // nullptr for the root

    mode_t mode = 0;  // type and permission bits as lstat reports them
    uid_t uid = 0;
    gid_t gid = 0;
    int64_t mtime = 0;  // seconds since the epoch, may be negative
    // For the file manifest of incremental snapshots: the nanoseconds of
    // mtime, and ctime in full (no program can set it, so an unchanged ctime
    // means an unchanged file).
    uint32_t mtime_nsec = 0;
    int64_t ctime_ns = 0;
    dev_t rdev = 0;     // block and character devices
    uint64_t size = 0;  // regular files: st_size at scan time
    // Regular files: bytes that hold data, i.e. without holes as far as
    // st_blocks tells (an estimate for the progress bar, not a promise).
    uint64_t data_bytes = 0;
    std::string target;         // symlinks
    std::vector<Xattr> xattrs;  // sorted by name

    // Hard links: every name but the first (in sorted walk order) of a
    // non-directory inode points at that first Node, which owns the data and
    // the metadata above; link_count on the first Node is the number of names
    // inside the tree (names outside it or filtered out do not count).
    Node* link = nullptr;
    uint32_t link_count = 1;

    std::vector<std::unique_ptr<Node>> children;  // directories, sorted by name

    bool is_dir() const { return S_ISDIR(mode); }
    // The Node holding this name's inode: itself, or the first hard link.
    const Node& inode() const { return link ? *link : *this; }
    // "/a/b" relative to the scanned root, "/" for the root.
    std::string rel_path() const;
};

struct Tree {
    std::unique_ptr<Node> root;
};

struct ScanTotals {
    uint64_t entries = 0;     // names, the root included
    uint64_t files = 0;       // regular-file inodes (hard links count once)
    uint64_t dirs = 0;        // directories, the root included
    uint64_t data_bytes = 0;  // file bytes that will be read, holes excluded
};

// lstat-based walk of root_dir: never follows symlinks. It does not stop at
// mount points or st_dev changes (on overlayfs non-directories report another
// st_dev than directories); the caller composes the view and the filter
// decides. Entries that vanish during the walk are skipped with a warning;
// a directory that cannot be read is an Error naming it. `identity_root`:
// when root_dir is an overlay view of that directory, hard links are told
// apart by the source's own device and inode (an overlay reports one device
// for all the btrfs subvolumes below it, whose inode numbers repeat).
std::unique_ptr<Tree> scan_tree(const std::string& root_dir, const Filter& filter,
                                const std::string& identity_root = {});

ScanTotals totals(const Tree& tree);

// Calls fn(node) for every Node in sorted pre-order, the root first.
void for_each_node(const Tree& tree, const std::function<void(const Node&)>& fn);

}  // namespace remaster
