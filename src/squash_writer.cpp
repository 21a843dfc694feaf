// How the image is laid out, and why in this order; each step is one type:
//
//   0. inode numbers (squash_inodes.hpp), handed out before anything is
//      written: they fix the order of everything after;
//   1. super block placeholder and compressor options at offset 0, written
//      when the libsquashfs objects are created (squash_objects.hpp);
//   2. file data (squash_data.hpp): one regular-file inode after the other
//      in sorted pre-order, read on this thread with a read-ahead helper and
//      compressed by the block pipeline's worker threads, or copied from an
//      older image;
//   3. the inode table, in inode-number order, with the directory table
//      built alongside in memory (squash_meta.hpp);
//   4. directory table, fragment table, export table, id table, xattr table;
//   5. the final super block, then zero padding to 4 KiB.
//
// Regular-file inodes are made from what their data became once step 2 is
// complete (squash_data.hpp), so they are serialized only after it.
#include "squash_writer.hpp"

#include <sqfs/compressor.h>
#include <sqfs/super.h>

#include <algorithm>

#include "error.hpp"
#include "squash_data.hpp"
#include "squash_inodes.hpp"
#include "squash_meta.hpp"
#include "squash_objects.hpp"

namespace remaster {
namespace {

// Compressors the kernel can mount that we offer, with their level range.
struct CompressorInfo {
    const char* name;
    SQFS_COMPRESSOR id;
    int min_level, max_level;  // 0, 0: no levels
};
constexpr CompressorInfo kCompressors[] = {
    {"zstd", SQFS_COMP_ZSTD, SQFS_ZSTD_MIN_LEVEL, SQFS_ZSTD_MAX_LEVEL},
    {"xz", SQFS_COMP_XZ, 1, SQFS_XZ_MAX_LEVEL},  // preset 0 would read as "default"
    {"gzip", SQFS_COMP_GZIP, SQFS_GZIP_MIN_LEVEL, SQFS_GZIP_MAX_LEVEL},
    {"lz4", SQFS_COMP_LZ4, 0, 0},
    {"lzo", SQFS_COMP_LZO, SQFS_LZO_MIN_LEVEL, SQFS_LZO_MAX_LEVEL},
};

const CompressorInfo* find_compressor(const std::string& name) {
    for (const auto& c : kCompressors)
        if (name == c.name) return &c;
    return nullptr;
}

bool compressor_available(const CompressorInfo& c) {
    sqfs_compressor_config_t cfg;
    if (sqfs_compressor_config_init(&cfg, c.id, SQFS_DEFAULT_BLOCK_SIZE, 0) != 0) return false;
    sqfs_compressor_t* cmp = nullptr;
    if (sqfs_compressor_create(&cfg, &cmp) != 0) return false;
    sqfs_destroy(cmp);
    return true;
}

std::string choices() {
    std::string out;
    for (const auto& c : kCompressors) {
        if (!compressor_available(c)) continue;
        if (!out.empty()) out += ", ";
        out += c.name;
        if (c.max_level) out += "[:" + std::to_string(c.min_level) + "-" + std::to_string(c.max_level) + "]";
    }
    return out;
}

}  // namespace

std::vector<std::string> available_compressors() {
    std::vector<std::string> out;
    for (const auto& c : kCompressors)
        if (compressor_available(c)) out.push_back(c.name);
    return out;
}

SquashOptions parse_compression(const std::string& spec, uint32_t block_size, unsigned jobs) {
    SquashOptions opt;
    opt.block_size = block_size;
    opt.jobs = jobs;
    if (block_size < SQFS_MIN_BLOCK_SIZE || block_size > SQFS_MAX_BLOCK_SIZE || (block_size & (block_size - 1)))
        throw Error(Exit::bad_input, "Invalid squashfs block size " + std::to_string(block_size),
                    "Use a power of two from 4096 (4 KiB) to 1048576 (1 MiB); the default is 131072.");

    std::string name = spec, level;
    if (auto colon = spec.find(':'); colon != std::string::npos) {
        name = spec.substr(0, colon);
        level = spec.substr(colon + 1);
    }
    const CompressorInfo* info = find_compressor(name);
    if (!info || !compressor_available(*info))
        throw Error(Exit::bad_input,
                    info ? "Compressor '" + name + "' is not supported by this libsquashfs build"
                         : "Unknown compressor '" + spec + "'",
                    "Choose one of: " + choices() + ", e.g. zstd:19.");
    opt.compressor = name;
    if (spec.find(':') == std::string::npos) return opt;

    bool digits = !level.empty() && level.size() <= 3 &&
                  std::all_of(level.begin(), level.end(), [](char c) { return c >= '0' && c <= '9'; });
    int value = digits ? std::stoi(level) : -1;
    if (info->max_level == 0 || !digits || value < info->min_level || value > info->max_level) {
        std::string hint = info->max_level == 0
                               ? name + " takes no level."
                               : name + " takes a level from " + std::to_string(info->min_level) + " to " +
                                     std::to_string(info->max_level) + ".";
        throw Error(Exit::bad_input, "Invalid compression '" + spec + "'", hint + " Choices: " + choices());
    }
    opt.level = value;
    return opt;
}

SquashReport write_squashfs(const Tree& tree, const std::string& root_dir, int out_fd, const SquashOptions& opt,
                            const ProgressFn& progress, ContentDigests* digests, BlockSource* reuse) {
    // Validate what a caller may have filled in by hand.
    parse_compression(opt.compressor + (opt.level ? ":" + std::to_string(opt.level) : ""), opt.block_size,
                      opt.jobs);
    const CompressorInfo* info = find_compressor(opt.compressor);
    if (!tree.root || !tree.root->is_dir()) throw Error(Exit::bad_input, "Cannot write an image of an empty tree");

    // Inode numbers first: they fix the order of everything after.
    const InodeNumbers inodes(tree);
    FileInodes files(inodes.count());
    // Super block placeholder, compressors, block writer, tables.
    ImageObjects obj(out_fd, opt, info->id, inodes.newest_mtime());
    // File contents, compressed by the block pipeline's threads or copied.
    DataStream data(obj, inodes, files, root_dir, opt.block_size, compression_threads(opt), progress, digests,
                    reuse);
    data.write(tree);
    // Inodes, directories and the tables, then the final super block.
    MetaWriter meta(obj, inodes, files);
    meta.write(tree);

    SquashReport report;
    report.image_bytes = obj.size();
    report.inodes = inodes.count();
    report.reused_files = data.reused_files();
    report.dropped = meta.dropped();
    return report;
}

}  // namespace remaster
