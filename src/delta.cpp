#include "delta.hpp"

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <algorithm>
#include <set>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "paths.hpp"

namespace remaster {
namespace {

class Pruner {
public:
    Pruner(const FileManifest& before, FileManifest& now, const ContentHasher& hash,
           const std::map<std::string, std::string>& by_content)
        : before_(before), now_(now), hash_(hash), by_content_(by_content) {}

    DeltaSummary run(Tree& tree) {
        index(*tree.root, "/");
        mark_links();
        find_removed();
        prune_dir(*tree.root, "/");
        return summary_;
    }

private:
    // Every name of the new tree with whether it differs from before.
    void index(Node& n, const std::string& path) {
        nodes_[path] = &n;
        if (differs(n, path)) changed_.insert(&n);
        for (auto& c : n.children) index(*c, child_path(path, c->name));
    }

    bool differs(const Node& n, const std::string& path) {
        const FileRecord* old = before_.find(path);
        FileRecord& rec = now_.records.at(path);
        if (!old) {
            summary_.added++;
            return true;
        }
        const auto written = by_content_.find(path);
        bool diff;
        if (S_ISDIR(rec.mode)) {
            diff = !old->same_but_times(rec);
        } else if (written != by_content_.end() && S_ISREG(rec.mode)) {
            diff = !old->same_but_times(rec) || old->content != written->second;
            rec.content = written->second;
        } else {
            diff = !old->same_metadata(rec);
        }
        if (!diff && S_ISREG(rec.mode) && !n.link && written == by_content_.end()) {
            if (!old->content.empty()) {
                // Racy when it was recorded: the content decides. Once the
                // file is no longer racy its times vouch for it again, so
                // the digest is carried on only while it is still racy:
                // carried for good it would be hashed in every later run
                // and keep the file's blocks from being reused by --full.
                const std::string h = hash_(path);
                diff = h != old->content;
                if (!diff && is_racy(rec, now_.scanned_ns)) rec.content = h;
            } else if (is_racy(rec, now_.scanned_ns)) {
                diff = true;  // cannot vouch for it either way: take it
            }
        }
        if (diff) summary_.changed++;
        return diff;
    }

    // A hard-link group goes whole: if one name changed, or a name that was
    // in the group before is gone or changed, every name of it goes.
    void mark_links() {
        std::unordered_set<const Node*> dirty;
        for (const Node* n : changed_)
            if (!n->is_dir()) dirty.insert(&n->inode());
        for (const auto& path : before_.paths) {
            const FileRecord& old = before_.records.at(path);
            if (old.link.empty()) continue;
            const FileRecord* now = now_.find(path);
            if (now && now->same_metadata(old)) continue;
            auto it = nodes_.find(old.link);
            if (it != nodes_.end() && !it->second->is_dir()) dirty.insert(&it->second->inode());
        }
        if (dirty.empty()) return;
        for (auto& [path, n] : nodes_)
            if (!n->is_dir() && dirty.count(&n->inode())) changed_.insert(n);
    }

    // Names of the previous snapshot that are gone from a directory that is
    // still a directory: each needs a whiteout.
    void find_removed() {
        for (const auto& path : before_.paths) {
            if (path == "/" || now_.find(path)) continue;
            const std::string dir = parent_path(path);
            const FileRecord* now_dir = now_.find(dir);
            const FileRecord* old_dir = before_.find(dir);
            if (now_dir && old_dir && S_ISDIR(now_dir->mode) && S_ISDIR(old_dir->mode))
                removed_[dir].push_back(path.substr(path.rfind('/') + 1));
        }
    }

    // Keeps what the layer needs below `dir`; returns whether `dir` is needed.
    bool prune_dir(Node& dir, const std::string& path) {
        const FileRecord* old = before_.find(path);
        if (path != "/" && (!old || !S_ISDIR(old->mode))) {
            // New here, or replacing a file: carried whole, and opaque so
            // nothing of a lower layer shows through.
            if (old) {
                dir.xattrs.push_back({"trusted.overlay.opaque", "y"});
                std::sort(dir.xattrs.begin(), dir.xattrs.end(),
                          [](const Xattr& a, const Xattr& b) { return a.name < b.name; });
            }
            return true;
        }
        bool needed = changed_.count(&dir) > 0;
        std::vector<std::unique_ptr<Node>> kept;
        for (auto& c : dir.children) {
            const std::string p = child_path(path, c->name);
            const bool keep = c->is_dir() ? prune_dir(*c, p) : changed_.count(c.get()) > 0;
            if (keep) kept.push_back(std::move(c));
        }
        auto gone = removed_.find(path);
        if (gone != removed_.end()) {
            for (const auto& name : gone->second) {
                auto w = std::make_unique<Node>();
                w->name = name;
                w->parent = &dir;
                w->mode = S_IFCHR;
                w->rdev = makedev(0, 0);
                w->mtime = dir.mtime;
                kept.push_back(std::move(w));
                summary_.removed++;
            }
            std::sort(kept.begin(), kept.end(), [](const auto& a, const auto& b) { return a->name < b->name; });
        }
        dir.children = std::move(kept);
        return needed || !dir.children.empty() || path == "/";
    }

    const FileManifest& before_;
    FileManifest& now_;
    const ContentHasher& hash_;
    const std::map<std::string, std::string>& by_content_;
    std::unordered_map<std::string, Node*> nodes_;
    std::unordered_set<const Node*> changed_;
    std::unordered_map<std::string, std::vector<std::string>> removed_;
    DeltaSummary summary_;
};

}  // namespace

DeltaSummary prune_to_delta(Tree& tree, const FileManifest& before, FileManifest& now, const ContentHasher& hash,
                            const std::map<std::string, std::string>& by_content) {
    return Pruner(before, now, hash, by_content).run(tree);
}

void record_contents(FileManifest& m, const std::map<std::string, std::string>& by_content) {
    for (const auto& [path, hash] : by_content) {
        auto it = m.records.find(path);
        if (it != m.records.end() && S_ISREG(it->second.mode)) it->second.content = hash;
    }
}

std::unordered_set<const Node*> unchanged_files(const Tree& tree, const FileManifest& before, const FileManifest& now) {
    std::unordered_set<const Node*> out;
    for_each_node(tree, [&](const Node& n) {
        if (!S_ISREG(n.mode) || n.link) return;
        const std::string path = n.rel_path();
        const FileRecord* old = before.find(path);
        const FileRecord* rec = now.find(path);
        if (old && rec && old->content.empty() && old->same_metadata(*rec) && !is_racy(*rec, now.scanned_ns))
            out.insert(&n);
    });
    return out;
}

bool is_whiteout(const Node& n) { return S_ISCHR(n.mode) && n.rdev == makedev(0, 0); }

}  // namespace remaster
