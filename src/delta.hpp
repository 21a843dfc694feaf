// The layer of an incremental snapshot: what changed since the previous
// snapshot, in overlayfs' terms, so that stacking it on the older layers
// gives exactly the scanned system:
//
//  - new and changed names, with all their parent directories (a directory
//    in an upper layer merges with the same directory below);
//  - a whiteout (character device 0/0) for each name that is gone;
//  - a directory that replaced a file is opaque (trusted.overlay.opaque=y)
//    and carried whole;
//  - a hard-link group goes whole if any of its names changed, so its names
//    stay one inode in the stacked view.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <unordered_set>

#include "file_manifest.hpp"
#include "tree.hpp"

namespace remaster {

struct DeltaSummary {
    uint64_t added = 0;    // names not in the previous snapshot
    uint64_t changed = 0;  // names whose metadata or content differ
    uint64_t removed = 0;  // whiteouts
};

// SHA-256 of the current content of a regular file, by path in the tree.
using ContentHasher = std::function<std::string(const std::string& rel)>;

// Prunes `tree` (scanned, with `now` its manifest) down to the layer on top of
// the state `before` describes. Racy files whose content proves unchanged get
// their hash carried into `now`.
//
// Times that say nothing are not compared: a directory's (its entries have
// records of their own; the scrub's copy-up and writes give /etc and
// /etc/systemd new ones in every view), and those of the files in
// `by_content` (path -> SHA-256: what the scrub wrote, afresh in each run),
// which differ when their content, mode, owner or size does.
DeltaSummary prune_to_delta(Tree& tree, const FileManifest& before, FileManifest& now, const ContentHasher& hash,
                            const std::map<std::string, std::string>& by_content = {});

// Records the content hashes of `by_content` in `m`, so that the next layer
// can compare those files by content (prune_to_delta).
void record_contents(FileManifest& m, const std::map<std::string, std::string>& by_content);

// The inode-owning regular files of `tree` (with `now` its manifest) whose
// content is what `before` recorded: same metadata, and not racy. A new
// complete snapshot can copy their compressed blocks from the layers
// `before` describes.
std::unordered_set<const Node*> unchanged_files(const Tree& tree, const FileManifest& before, const FileManifest& now);

// The whiteout overlayfs reads in a lower layer: char device 0/0.
bool is_whiteout(const Node& n);

}  // namespace remaster
