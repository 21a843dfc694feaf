// The file manifest of a snapshot: one record per name in the system as the
// snapshot captured it (all its layers together), kept on the stick as
// /remaster/<id>/manifest. The next incremental snapshot compares the new
// scan with it to decide what its layer must hold.
//
// Changed or not is decided from metadata: type, mode, owner, size, mtime,
// ctime (which no program can set back), device number, xattrs and symlink
// target, and hard-link group. A file whose ctime falls within a second of
// its scan could have changed again in the same clock tick after it was read
// ("racy", as git calls it): for those the record also holds the SHA-256 of
// the bytes that went into the image, and the next run compares content.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "tree.hpp"

namespace remaster {

struct FileRecord {
    uint32_t mode = 0;
    uint32_t uid = 0, gid = 0;
    uint64_t size = 0;  // regular files and symlinks; 0 for the rest
    int64_t mtime_ns = 0, ctime_ns = 0;
    uint64_t rdev = 0;
    std::string meta;     // hash of xattrs and symlink target
    std::string content;  // SHA-256 of the content for racy files and files the scrub wrote, else ""
    std::string link;     // hard links: the path of the group's first name, "" for it and for others

    // Same metadata (content hashes are compared separately).
    bool same_metadata(const FileRecord& o) const;
    // The same but for the times (and a directory's size, which follows its
    // entries): for what every run writes afresh in its view.
    bool same_but_times(const FileRecord& o) const;
};

struct FileManifest {
    int64_t scanned_ns = 0;  // when the scan began (CLOCK_REALTIME)
    std::vector<std::string> paths;  // sorted pre-order, as scanned
    std::unordered_map<std::string, FileRecord> records;

    const FileRecord* find(const std::string& path) const;
};

// Files whose ctime is this close to the scan (or later) are racy.
constexpr int64_t kRacyWindowNs = 1000000000;

// The records of a scanned tree; no content hashes yet.
FileManifest manifest_of(const Tree& tree, int64_t scanned_ns);

// Whether a regular file's metadata alone cannot vouch for its content.
bool is_racy(const FileRecord& r, int64_t scanned_ns);

// Text, a line per name; paths escaped so any byte survives.
std::string format_manifest(const FileManifest& m);
// Throws Error(Exit::bad_input) on anything malformed.
FileManifest parse_manifest_text(const std::string& text);

void write_manifest_file(const std::string& path, const FileManifest& m);
FileManifest read_manifest_file(const std::string& path);

// "a b\n" -> "a\x20b\x0a"; backslash, space and control bytes are escaped.
std::string escape_path(const std::string& path);
std::string unescape_path(const std::string& text);

// A fingerprint of the records under `prefixes` (a path or a directory's
// whole subtree): equal fingerprints mean nothing there changed. Directories
// count without their times; a path in `by_content` (path -> SHA-256) counts
// by its content, mode, owner and size instead of its times: the files the
// scrub writes afresh in every view.
std::string fingerprint(const FileManifest& m, const std::vector<std::string>& prefixes,
                        const std::map<std::string, std::string>& by_content = {});

}  // namespace remaster
