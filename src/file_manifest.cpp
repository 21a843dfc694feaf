#include "file_manifest.hpp"

#include <sys/stat.h>

#include <cinttypes>
#include <cstdio>
#include <sstream>

#include "checksum.hpp"
#include "error.hpp"
#include "file_copy.hpp"
#include "text.hpp"
#include "small_file.hpp"

namespace remaster {
namespace {

constexpr const char* kHeader = "remaster-file-manifest 1";

// Xattrs and the symlink target in one short digest: both are rare, and
// their values may hold any byte.
std::string meta_hash(const Node& n) {
    if (n.xattrs.empty() && n.target.empty()) return "-";
    Sha256 h;
    for (const Xattr& x : n.xattrs) {
        const uint64_t sizes[2] = {x.name.size(), x.value.size()};
        h.update(sizes, sizeof sizes);
        h.update(x.name.data(), x.name.size());
        h.update(x.value.data(), x.value.size());
    }
    h.update("\0L", 2);
    h.update(n.target.data(), n.target.size());
    return h.hex().substr(0, 32);
}

// "mode uid gid size mtime ctime rdev " of a manifest line.
std::string numeric_fields(const FileRecord& r) {
    char buf[192];
    std::snprintf(buf, sizeof buf, "%o %u %u %" PRIu64 " %" PRId64 " %" PRId64 " %" PRIu64 " ", r.mode, r.uid, r.gid, r.size,
                  r.mtime_ns, r.ctime_ns, r.rdev);
    return buf;
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

[[noreturn]] void malformed(size_t line, const std::string& why) {
    throw Error(Exit::bad_input, "The file manifest on the stick is damaged (line " + std::to_string(line) + ": " + why + ")",
                "Make a fresh base with `remaster snapshot --full --to ...`.");
}

}  // namespace

bool FileRecord::same_metadata(const FileRecord& o) const {
    return mode == o.mode && uid == o.uid && gid == o.gid && size == o.size && mtime_ns == o.mtime_ns &&
           ctime_ns == o.ctime_ns && rdev == o.rdev && meta == o.meta && link == o.link;
}

bool FileRecord::same_but_times(const FileRecord& o) const {
    return mode == o.mode && uid == o.uid && gid == o.gid && (S_ISDIR(mode) || size == o.size) && rdev == o.rdev &&
           meta == o.meta && link == o.link;
}

const FileRecord* FileManifest::find(const std::string& path) const {
    auto it = records.find(path);
    return it == records.end() ? nullptr : &it->second;
}

FileManifest manifest_of(const Tree& tree, int64_t scanned_ns) {
    FileManifest m;
    m.scanned_ns = scanned_ns;
    for_each_node(tree, [&](const Node& n) {
        const Node& ino = n.inode();
        FileRecord r;
        r.mode = ino.mode;
        r.uid = ino.uid;
        r.gid = ino.gid;
        // Directory sizes say how the filesystem stores them, not what they hold.
        r.size = ino.is_dir() ? 0 : S_ISLNK(ino.mode) ? ino.target.size() : ino.size;
        r.mtime_ns = ino.mtime * 1000000000ll + ino.mtime_nsec;
        r.ctime_ns = ino.ctime_ns;
        r.rdev = ino.rdev;
        r.meta = meta_hash(ino);
        if (n.link) r.link = n.link->rel_path();
        std::string path = n.rel_path();
        m.paths.push_back(path);
        m.records.emplace(std::move(path), std::move(r));
    });
    return m;
}

bool is_racy(const FileRecord& r, int64_t scanned_ns) {
    return S_ISREG(r.mode) && r.ctime_ns >= scanned_ns - kRacyWindowNs;
}

std::string escape_path(const std::string& path) {
    std::string out;
    out.reserve(path.size());
    for (unsigned char c : path) {
        if (c <= 0x20 || c == 0x7f || c == '\\') {
            char buf[5];
            std::snprintf(buf, sizeof buf, "\\x%02x", c);
            out += buf;
        } else {
            out += static_cast<char>(c);
        }
    }
    return out;
}

std::string unescape_path(const std::string& text) {
    std::string out;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '\\') {
            out += text[i];
            continue;
        }
        if (i + 3 >= text.size() || text[i + 1] != 'x') throw Error(Exit::bad_input, "bad escape in '" + text + "'");
        const int hi = hex_value(text[i + 2]), lo = hex_value(text[i + 3]);
        if (hi < 0 || lo < 0) throw Error(Exit::bad_input, "bad escape in '" + text + "'");
        out += static_cast<char>(hi * 16 + lo);
        i += 3;
    }
    return out;
}

std::string format_manifest(const FileManifest& m) {
    std::string out = std::string(kHeader) + "\nscanned " + std::to_string(m.scanned_ns) + "\n";
    for (const auto& path : m.paths) {
        const FileRecord& r = m.records.at(path);
        out += numeric_fields(r) + r.meta + " " + (r.content.empty() ? "-" : r.content) + " " + (r.link.empty() ? "-" : escape_path(r.link)) +
               " " + escape_path(path) + "\n";
    }
    return out;
}

FileManifest parse_manifest_text(const std::string& text) {
    FileManifest m;
    const auto lines = split_lines(text);
    if (lines.size() < 2 || lines[0] != kHeader) malformed(1, "not a remaster file manifest");
    {
        std::istringstream s(lines[1]);
        std::string word;
        if (!(s >> word >> m.scanned_ns) || word != "scanned") malformed(2, "no scan time");
    }
    m.paths.reserve(lines.size() - 2);
    m.records.reserve(lines.size() - 2);
    for (size_t i = 2; i < lines.size(); ++i) {
        std::istringstream s(lines[i]);
        FileRecord r;
        std::string mode, content, link, path;
        if (!(s >> mode >> r.uid >> r.gid >> r.size >> r.mtime_ns >> r.ctime_ns >> r.rdev >> r.meta >> content >> link >>
              path))
            malformed(i + 1, "too few fields");
        try {
            r.mode = static_cast<uint32_t>(std::stoul(mode, nullptr, 8));
            r.content = content == "-" ? "" : content;
            r.link = link == "-" ? "" : unescape_path(link);
            path = unescape_path(path);
        } catch (const std::exception& e) {
            malformed(i + 1, e.what());
        }
        if (path.empty() || path[0] != '/') malformed(i + 1, "path is not absolute");
        if (!m.records.emplace(path, std::move(r)).second) malformed(i + 1, "path listed twice");
        m.paths.push_back(std::move(path));
    }
    return m;
}

void write_manifest_file(const std::string& path, const FileManifest& m) { write_file_atomic(path, format_manifest(m)); }

FileManifest read_manifest_file(const std::string& path) {
    const auto text = read_small_file(path, {kManifestMax, false, "the file manifest '" + path + "'", Exit::bad_input});
    if (!text) throw Error(Exit::bad_input, "Cannot read the file manifest '" + path + "': it is missing");
    return parse_manifest_text(*text);
}

std::string fingerprint(const FileManifest& m, const std::vector<std::string>& prefixes,
                        const std::map<std::string, std::string>& by_content) {
    Sha256 h;
    auto under = [&](const std::string& path) {
        for (const auto& p : prefixes)
            if (path == p || (path.size() > p.size() && path.compare(0, p.size(), p) == 0 && path[p.size()] == '/'))
                return true;
        return false;
    };
    for (const auto& path : m.paths) {
        if (!under(path)) continue;
        const FileRecord& r = m.records.at(path);
        // A directory counts without its times: what is in it has records of
        // its own, and the scrub's copy-up gives /etc/systemd a new ctime in
        // every view. A file the scrub wrote counts by its content.
        const auto content = by_content.find(path);
        const std::string owner = std::to_string(r.mode) + " " + std::to_string(r.uid) + " " + std::to_string(r.gid) + " ";
        std::string line;
        if (S_ISDIR(r.mode))
            line = owner + r.meta + " " + path + "\n";
        else if (content != by_content.end())
            line = owner + std::to_string(r.size) + " " + content->second + " " + r.meta + " " + r.link + " " + path + "\n";
        else
            line = numeric_fields(r) + r.meta + " " + r.link + " " + path + "\n";
        h.update(line.data(), line.size());
    }
    return h.hex();
}

}  // namespace remaster
