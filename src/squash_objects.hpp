// The libsquashfs objects one image is written with, created in the order
// they depend on each other and destroyed in reverse (sqfs_objects.hpp: they
// are not reference counted). Creating them also writes the first bytes of
// the image: the super block placeholder and the compressor options at
// offset 0; the real super block is written last, from `super`.
#pragma once

#include <sqfs/block_writer.h>
#include <sqfs/compressor.h>
#include <sqfs/dir_writer.h>
#include <sqfs/frag_table.h>
#include <sqfs/id_table.h>
#include <sqfs/inode.h>
#include <sqfs/meta_writer.h>
#include <sqfs/super.h>
#include <sqfs/xattr_writer.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "sqfs_objects.hpp"
#include "squash_writer.hpp"

namespace remaster {

constexpr size_t kDevBlockSize = 4096;  // images are padded to this, like mksquashfs

// Regular-file inodes, made once their data is written (DataStream), taken
// by the metadata stage; index = inode number - 1, null for other inodes.
struct FileInodes {
    explicit FileInodes(size_t count) : slots(count, nullptr) {}
    FileInodes(const FileInodes&) = delete;
    FileInodes& operator=(const FileInodes&) = delete;
    ~FileInodes() {
        for (auto* p : slots) sqfs_free(p);
    }
    std::vector<sqfs_inode_generic_t*> slots;
};

// The compression threads for opt: its jobs, else the CPUs we may use.
unsigned compression_threads(const SquashOptions& opt);

struct ImageObjects {
    // Writes to out_fd (O_RDWR, empty) from offset 0; opt is validated
    // already, compressor is its libsquashfs id, mod_time the super block's.
    ImageObjects(int out_fd, const SquashOptions& opt, SQFS_COMPRESSOR compressor, uint32_t mod_time);

    // The bytes written so far.
    uint64_t size() { return file.get()->get_size(file.get()); }

    // In creation order; destroyed in reverse.
    FdFile file;
    SqfsPtr<sqfs_compressor_t> cmp, uncmp;
    SqfsPtr<sqfs_block_writer_t> blkwr;
    SqfsPtr<sqfs_frag_table_t> frag;
    SqfsPtr<sqfs_id_table_t> ids;
    SqfsPtr<sqfs_xattr_writer_t> xattrs;
    SqfsPtr<sqfs_meta_writer_t> im, dm;  // inode table; directory table (in memory)
    SqfsPtr<sqfs_dir_writer_t> dirwr;
    sqfs_super_t super{};

private:
    void create_compressors(const SquashOptions& opt, SQFS_COMPRESSOR compressor);
    void write_super_placeholder(const SquashOptions& opt, SQFS_COMPRESSOR compressor, uint32_t mod_time);
    void create_block_writer();
    void create_meta_writers();
};

}  // namespace remaster
