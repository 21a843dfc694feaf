// Incremental snapshots: when a new snapshot is a layer on the newest one and
// when it is a fresh base, and what the stick records for that in each
// snapshot.info:
//
//   system=<id>            which system it is a snapshot of
//   layers=<id> <id> ...   its squashfs layers, base first, itself last
//   layer_data=<bytes>     file bytes in its own layer (before compression)
//   initramfs_inputs=<h>   fingerprint of what its initramfs was built from
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "file_manifest.hpp"
#include "stick_store.hpp"

namespace remaster {

// A stack deeper than this is consolidated into a fresh base: each layer
// costs a loop device and a lookup level at boot.
constexpr size_t kMaxLayers = 8;
// Layers above the base holding more file data than this share of the base
// are consolidated too: past it, a base alone is smaller and faster.
constexpr double kMaxDeltaShare = 0.5;

struct LayerChoice {
    bool delta = false;
    std::string parent;               // the snapshot built upon
    std::vector<std::string> layers;  // the parent's layers, base first
    std::string why;                  // for the log: why a full snapshot
};

// The layers of a snapshot, base first; a snapshot from before layers is its own base.
std::vector<std::string> layers_of(const SnapshotInfo& s);

// Whether the new snapshot can be a layer on the newest complete one
// (`snaps` newest first), before anything is scanned.
LayerChoice choose_parent(const std::vector<SnapshotInfo>& snaps, const std::string& system, bool force_full,
                          bool parent_has_manifest);

// After the diff: whether the layers above the base, with the new one,
// have grown past kMaxDeltaShare of the base.
bool deltas_too_large(const std::vector<SnapshotInfo>& stack, uint64_t new_layer_data);

// Which system a root is: its machine-id (or, without one, its path) and
// its os-release ID, hashed.
std::string system_id(const std::string& root, const std::string& os_id);

// Paths whose change means the initramfs must be built again: the kernel and
// its modules and firmware, dracut and its configuration, and the programs,
// libraries and /etc files a generic initramfs copies.
const std::vector<std::string>& initramfs_inputs();

// The fingerprint stored as initramfs_inputs: those paths in the manifest,
// the kernel version and the dracut module we add. `scrubbed`: the files the
// scrub wrote in the view, by content (see fingerprint()), so that a layer
// of an unchanged system reuses the initramfs although they are new files.
std::string initramfs_fingerprint(const FileManifest& m, const std::string& kernel_version,
                                  const std::string& dracut_module_dir,
                                  const std::map<std::string, std::string>& scrubbed = {});

}  // namespace remaster
