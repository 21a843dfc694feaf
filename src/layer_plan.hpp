// The incremental policy of `snapshot --to`, applied to a stick: whether the
// new snapshot is a layer on the newest one of this system or a fresh base,
// the pruning of the scanned tree to what changed, the compressed blocks a
// fresh base may copy from the old layers, and the kernel and initramfs it
// may share with an older snapshot. The rules themselves (when a stack is
// too deep or too large) are in layering.hpp; how layers work: docs/incremental.md.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "file_manifest.hpp"
#include "layer_images.hpp"
#include "medium.hpp"
#include "squash_writer.hpp"
#include "stick_store.hpp"
#include "tree.hpp"

namespace remaster {

// What the new snapshot writes: a layer on `parent` (whose layers are
// `below`), or a fresh base; and the file manifest of the whole new state.
struct Layer {
    bool delta = false;
    std::string parent;
    std::vector<std::string> below;  // base first; empty for a base
    std::string system;
    FileManifest manifest;
    uint64_t data_bytes = 0;
    std::string initramfs_inputs;  // of the default kernel's initramfs
    std::map<std::string, std::string> other_initramfs_inputs;  // by kernel version
};

// Decides before the diff: a layer on the newest snapshot of this system
// (`snaps`: the medium's complete snapshots, newest first), or a base.
Layer plan_layer(const Medium& medium, const std::vector<SnapshotInfo>& snaps, const std::string& os_id,
                 const std::string& root, bool force_full, const Tree& tree, int64_t scanned_ns);

// Prunes the tree (scanned from `view_root`) to what changed since the
// parent. False when the layer turned into a fresh base (the parent's
// manifest cannot be read, or the stack would grow too large): the tree may
// be half pruned then.
// `scrubbed`: the files the scrub wrote (path -> SHA-256), compared by
// content (prune_to_delta).
bool prune_layer(Layer& layer, Tree& tree, const std::string& view_root, const std::vector<SnapshotInfo>& snaps,
                 const Medium& medium, const std::map<std::string, std::string>& scrubbed);

// For a complete snapshot of a system whose newest snapshot is on the
// medium: the layers of that snapshot, to copy the compressed blocks of
// unchanged files from. Null when they were written another way or cannot be read.
std::unique_ptr<LayerImages> reusable_layers(const std::vector<SnapshotInfo>& snaps, const Medium& medium,
                                             const Layer& layer, const SquashOptions& squash, const Tree& tree);

// Racy files (see file_manifest.hpp): their content is hashed as it is read.
ContentDigests racy_files(const Tree& tree, int64_t scanned_ns);

// One kernel of a snapshot: the names of its kernel and initramfs in the
// snapshot directory (medium.hpp), and the fingerprint of the initramfs'
// inputs (layering.hpp: it holds the kernel version).
struct BootSlot {
    std::string kernel_file, initrd_file, inputs;
};
// The kernels of a complete snapshot as its snapshot.info records them:
// the default one, then the others.
std::vector<BootSlot> boot_slots(const SnapshotInfo& info);

// Hard-links into `to`, under `want`'s names, the kernel and initramfs of
// a snapshot on the medium (the newest such) whose initramfs of a kernel was
// built from the same inputs, as its default kernel or another one: no
// dracut run, no copy, and each snapshot still owns its boot files
// (removing one leaves the other's). Returns the snapshot reused, or "",
// and adds the files' SHA-256 from its SHA256SUMS to `sums`, by their new
// names (the same bytes: not read again).
std::string reuse_boot_files(const std::vector<SnapshotInfo>& snaps, const BootSlot& want, const Medium& medium,
                             const SnapshotDir& to, std::map<std::string, std::string>& sums);

// "zstd:3" for the snapshot.info of a layer, so blocks are reused only from
// images compressed the same way.
std::string compression_spec(const SquashOptions& o);

// The fields of snapshot.info that describe the layer (layering.hpp).
void record_layer(const Layer& layer, SnapshotInfo& info);

}  // namespace remaster
