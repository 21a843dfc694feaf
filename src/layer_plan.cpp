#include "layer_plan.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "bytes.hpp"
#include "checksum.hpp"
#include "delta.hpp"
#include "error.hpp"
#include "layering.hpp"
#include "log.hpp"

namespace remaster {
namespace {

// snapshot.info's key for the initramfs inputs of another kernel, before its version.
const std::string kOtherInputs = "initramfs_inputs-";

bool file_exists(const std::string& path) {
    struct stat st;
    return ::stat(path.c_str(), &st) == 0;
}

// The SnapshotInfos of `ids`, in that order.
std::vector<SnapshotInfo> infos_of(const std::vector<SnapshotInfo>& snaps, const std::vector<std::string>& ids) {
    std::vector<SnapshotInfo> out;
    for (const auto& id : ids)
        for (const auto& s : snaps)
            if (s.id == id) out.push_back(s);
    return out;
}

// Turns a planned layer into a fresh base of the same system.
void become_base(Layer& layer) {
    Layer base;
    base.system = std::move(layer.system);
    layer = std::move(base);
}

}  // namespace

Layer plan_layer(const Medium& medium, const std::vector<SnapshotInfo>& snaps, const std::string& os_id,
                 const std::string& root, bool force_full, const Tree& tree, int64_t scanned_ns) {
    Layer layer;
    layer.system = system_id(root, os_id);
    const bool has_manifest = !snaps.empty() && file_exists(medium.snapshot(snaps.front().id).manifest());
    const LayerChoice choice = choose_parent(snaps, layer.system, force_full, has_manifest);
    layer.manifest = manifest_of(tree, scanned_ns);
    if (!choice.delta) {
        if (!snaps.empty()) log::info() << "Writing a complete snapshot: " << choice.why;
        return layer;
    }
    layer.delta = true;
    layer.parent = choice.parent;
    layer.below = choice.layers;
    return layer;
}

bool prune_layer(Layer& layer, Tree& tree, const std::string& view_root, const std::vector<SnapshotInfo>& snaps,
                 const Medium& medium, const std::map<std::string, std::string>& scrubbed) {
    FileManifest before;
    try {
        before = read_manifest_file(medium.snapshot(layer.parent).manifest());
    } catch (const Error& e) {
        log::warn() << e.what() << "; writing a complete snapshot instead";
        become_base(layer);
        return false;
    }
    const DeltaSummary d = prune_to_delta(tree, before, layer.manifest, [&](const std::string& rel) {
        return sha256_file(view_root + rel);
    }, scrubbed);
    const uint64_t data = totals(tree).data_bytes;
    if (deltas_too_large(infos_of(snaps, layer.below), data)) {
        log::info() << "Writing a complete snapshot: with this one, the layers above the base would hold more than "
                    << static_cast<int>(kMaxDeltaShare * 100) << "% of its data";
        become_base(layer);
        return false;
    }
    log::info() << "Writing a layer on " << layer.parent << ": " << d.added << " new, " << d.changed << " changed, "
                << d.removed << " removed (" << format_bytes(data) << " of data)";
    return true;
}

std::string compression_spec(const SquashOptions& o) { return o.compressor + ":" + std::to_string(o.level); }

std::unique_ptr<LayerImages> reusable_layers(const std::vector<SnapshotInfo>& snaps, const Medium& medium,
                                             const Layer& layer, const SquashOptions& squash, const Tree& tree) {
    if (snaps.empty() || layer.delta) return nullptr;
    const SnapshotInfo& newest = snaps.front();
    if (newest.get("system") != layer.system) return nullptr;
    const auto ids = layers_of(newest);
    const auto infos = infos_of(snaps, ids);
    if (infos.size() != ids.size()) return nullptr;
    for (const auto& s : infos)
        if (s.get("compress") != compression_spec(squash) || s.get("block_size") != std::to_string(squash.block_size))
            return nullptr;
    try {
        const FileManifest before = read_manifest_file(medium.snapshot(newest.id).manifest());
        std::vector<std::string> files;
        for (auto it = ids.rbegin(); it != ids.rend(); ++it) files.push_back(medium.snapshot(*it).image());
        return std::make_unique<LayerImages>(files, unchanged_files(tree, before, layer.manifest));
    } catch (const Error& e) {
        log::warn() << "not reusing the blocks of " << newest.id << ": " << e.what();
        return nullptr;
    }
}

ContentDigests racy_files(const Tree& tree, int64_t scanned_ns) {
    ContentDigests d;
    for_each_node(tree, [&](const Node& n) {
        if (S_ISREG(n.mode) && !n.link && n.ctime_ns >= scanned_ns - kRacyWindowNs) d.wanted.insert(&n);
    });
    return d;
}

std::vector<BootSlot> boot_slots(const SnapshotInfo& info) {
    std::vector<BootSlot> out = {{SnapshotDir::kKernel, SnapshotDir::kInitrd, info.get("initramfs_inputs")}};
    for (const auto& v : other_kernels(info))
        out.push_back({SnapshotDir::kernel_name(v), SnapshotDir::initrd_name(v), info.get(kOtherInputs + v)});
    return out;
}

std::string reuse_boot_files(const std::vector<SnapshotInfo>& snaps, const BootSlot& want, const Medium& medium,
                             const SnapshotDir& to, std::map<std::string, std::string>& sums) {
    for (const auto& s : snaps)
        for (const auto& have : boot_slots(s)) {
            if (have.inputs.empty() || have.inputs != want.inputs) continue;
            const SnapshotDir from = medium.snapshot(s.id);
            const std::vector<std::pair<std::string, std::string>> files = {{have.kernel_file, want.kernel_file},
                                                                             {have.initrd_file, want.initrd_file}};
            bool linked = true;
            for (const auto& [src, dst] : files)
                if (linked && ::link(from.file(src).c_str(), to.file(dst).c_str()) != 0) {
                    log::warn() << "could not reuse " << s.id << "/" << src << " (" << std::strerror(errno) << ")";
                    linked = false;
                }
            if (!linked) {
                for (const auto& f : files) ::unlink(to.file(f.second).c_str());
                continue;
            }
            const auto known = read_sums(from);
            for (const auto& [src, dst] : files)
                if (known.count(src)) sums[dst] = known.at(src);
            return s.id;
        }
    return "";
}

void record_layer(const Layer& layer, SnapshotInfo& info) {
    info.fields["system"] = layer.system;
    info.fields["layer_data"] = std::to_string(layer.data_bytes);
    info.fields["initramfs_inputs"] = layer.initramfs_inputs;
    for (const auto& [version, inputs] : layer.other_initramfs_inputs) info.fields[kOtherInputs + version] = inputs;
    std::string layers;
    for (const auto& id : layer.below) layers += id + " ";
    info.fields["layers"] = layers + info.id;
    if (layer.delta) info.fields["parent"] = layer.parent;
}

}  // namespace remaster
