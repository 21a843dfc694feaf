#include "iso_reader.hpp"

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>

#define LIBISOFS_WITHOUT_LIBBURN 1
#include <libisofs/libisofs.h>

#include "checksum.hpp"
#include "error.hpp"
#include "interrupt.hpp"
#include "log.hpp"
#include "medium.hpp"
#include "small_file.hpp"
#include "verify_listing.hpp"
#include "iso_image.hpp"

namespace remaster {
namespace {

void check(int ret, const std::string& what) {
    if (ret < 0) throw Error(Exit::failure, "Failed to " + what + " (libisofs: " + iso_error_to_msg(ret) + ")");
}

}  // namespace

bool is_iso_image(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    char magic[5] = {};
    return f.seekg(32769) && f.read(magic, 5) && std::memcmp(magic, "CD001", 5) == 0;
}

IsoReader::IsoReader(const std::string& path) : path_(path) {
    init_libisofs();
    IsoDataSource* src = nullptr;
    check(iso_data_source_new_from_file(path.c_str(), &src), "open the ISO '" + path + "'");
    source_ = src;
    IsoReadOpts* ro = nullptr;
    check(iso_read_opts_new(&ro, 0), "make the ISO read options");
    opts_ = ro;
    ::IsoImage* img = nullptr;
    check(iso_image_new("verify", &img), "make an ISO image object");
    image_ = img;
    check(iso_image_import(img, src, ro, nullptr), "read the ISO '" + path + "'");
}

IsoReader::~IsoReader() {
    if (image_) iso_image_unref(static_cast<::IsoImage*>(image_));
    if (opts_) iso_read_opts_free(static_cast<IsoReadOpts*>(opts_));
    if (source_) iso_data_source_unref(static_cast<IsoDataSource*>(source_));
}

std::vector<std::string> IsoReader::subdirs(const std::string& dir) const {
    std::vector<std::string> out;
    IsoNode* node = nullptr;
    if (iso_tree_path_to_node(static_cast<::IsoImage*>(image_), dir.c_str(), &node) != 1 ||
        iso_node_get_type(node) != LIBISO_DIR)
        return out;
    IsoDirIter* it = nullptr;
    check(iso_dir_get_children(reinterpret_cast<IsoDir*>(node), &it), "list '" + dir + "' in the ISO");
    IsoNode* child = nullptr;
    while (iso_dir_iter_next(it, &child) == 1)
        if (iso_node_get_type(child) == LIBISO_DIR) out.push_back(iso_node_get_name(child));
    iso_dir_iter_free(it);
    return out;
}

template <class F>
bool IsoReader::read(const std::string& path, F&& chunk) const {
    IsoNode* node = nullptr;
    if (iso_tree_path_to_node(static_cast<::IsoImage*>(image_), path.c_str(), &node) != 1 ||
        iso_node_get_type(node) != LIBISO_FILE)
        return false;
    IsoStream* stream = iso_file_get_stream(reinterpret_cast<IsoFile*>(node));
    check(iso_stream_open(stream), "open '" + path + "' in the ISO");
    std::string buf(1 << 20, '\0');
    int n = 0;
    try {
        while ((n = iso_stream_read(stream, buf.data(), buf.size())) > 0) {
            check_interrupt();
            if (!chunk(buf.data(), static_cast<size_t>(n))) break;
        }
    } catch (...) {
        iso_stream_close(stream);
        throw;
    }
    iso_stream_close(stream);
    check(n, "read '" + path + "' in the ISO '" + path_ + "'");
    return true;
}

std::optional<std::string> IsoReader::read_small(const std::string& path, size_t max) const {
    std::string text;
    bool too_big = false;
    const bool there = read(path, [&](const char* p, size_t n) {
        text.append(p, n);
        too_big = text.size() > max;
        return !too_big;
    });
    if (!there) return std::nullopt;
    if (too_big) throw Error(Exit::failure, "'" + path + "' in the ISO is larger than " + std::to_string(max) + " bytes");
    return text;
}

std::optional<std::string> IsoReader::sha256(const std::string& path) const {
    Sha256 digest;
    if (!read(path, [&](const char* p, size_t n) {
            digest.update(p, n);
            return true;
        }))
        return std::nullopt;
    return digest.hex();
}

std::optional<uint64_t> IsoReader::file_offset(const std::string& path) const {
    IsoNode* node = nullptr;
    if (iso_tree_path_to_node(static_cast<::IsoImage*>(image_), path.c_str(), &node) != 1 ||
        iso_node_get_type(node) != LIBISO_FILE)
        return std::nullopt;
    int count = 0;
    struct iso_file_section* sections = nullptr;
    if (iso_file_get_old_image_sections(reinterpret_cast<IsoFile*>(node), &count, &sections, 0) != 1) return std::nullopt;
    std::unique_ptr<struct iso_file_section, decltype(&std::free)> owned(sections, &std::free);
    if (count != 1) return std::nullopt;
    return static_cast<uint64_t>(sections[0].block) * 2048;
}

void verify_iso(const std::string& target, bool json) {
    const IsoReader iso(target);
    const Medium layout("");  // the paths as the ISO's own root has them
    VerifyListing listing(target, json);
    size_t checked = 0;  // files named in a SHA256SUMS
    for (const auto& id : iso.subdirs(layout.snapshots_dir())) {
        if (!is_snapshot_id(id)) continue;
        const SnapshotDir snap = layout.snapshot(id);
        const auto sums = iso.read_small(snap.sums(), kConfigMax);
        if (!sums) {
            listing.bad(id, SnapshotDir::kSums, "missing");
            continue;
        }
        for (const auto& [name, hash] : parse_sums(*sums)) {
            // Plain names in the snapshot dir only, as the initramfs reads them.
            const auto got = name.find('/') == std::string::npos ? iso.sha256(snap.file(name)) : std::nullopt;
            if (got && *got == hash) listing.ok(id, name);
            else listing.bad(id, name, got ? "checksum mismatch" : "missing");
            ++checked;
        }
    }
    listing.finish();
    if (checked == 0)
        throw Error(Exit::failure, "Nothing in the ISO '" + target + "' was verified: it holds no snapshot with " + SnapshotDir::kSums,
                    "Is it an ISO made by `remaster snapshot --iso`?");
    const auto& bad = listing.damaged();
    if (!bad.empty())
        throw Error(Exit::failure, "The ISO '" + target + "' is damaged: " + bad.front() +
                                       (bad.size() > 1 ? " (and " + std::to_string(bad.size() - 1) + " more)" : ""),
                    "Do not boot or burn it; make it again with `remaster snapshot --iso " + target + "`.");
    log::info() << "Every file in the ISO " << target << " matches its checksum";
}

}  // namespace remaster
