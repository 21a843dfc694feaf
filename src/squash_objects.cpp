#include "squash_objects.hpp"

#include <sqfs/error.h>

#include "error.hpp"
#include "usable_cpus.hpp"

namespace remaster {

ImageObjects::ImageObjects(int out_fd, const SquashOptions& opt, SQFS_COMPRESSOR compressor, uint32_t mod_time)
    : file(out_fd) {
    create_compressors(opt, compressor);
    write_super_placeholder(opt, compressor, mod_time);
    create_block_writer();
    create_meta_writers();
}

void ImageObjects::create_compressors(const SquashOptions& opt, SQFS_COMPRESSOR compressor) {
    sqfs_compressor_config_t cfg;
    int ret = sqfs_compressor_config_init(&cfg, compressor, opt.block_size, 0);
    if (ret) throw_sqfs("configure the " + opt.compressor + " compressor", ret);
    if (opt.level != 0) cfg.level = static_cast<sqfs_u32>(opt.level);

    sqfs_compressor_t* raw = nullptr;
    ret = sqfs_compressor_create(&cfg, &raw);
    if (ret) throw_sqfs("create the " + opt.compressor + " compressor", ret);
    cmp.reset(raw);
    cfg.flags |= SQFS_COMP_FLAG_UNCOMPRESS;
    raw = nullptr;
    ret = sqfs_compressor_create(&cfg, &raw);
    if (ret) throw_sqfs("create the " + opt.compressor + " decompressor", ret);
    uncmp.reset(raw);
}

// The real super block is written last; this reserves its place.
void ImageObjects::write_super_placeholder(const SquashOptions& opt, SQFS_COMPRESSOR compressor, uint32_t mod_time) {
    int ret = sqfs_super_init(&super, opt.block_size, mod_time, compressor);
    if (ret) throw_sqfs("initialise the super block", ret);
    ret = sqfs_super_write(&super, file.get());
    if (ret) throw_sqfs("write the super block", ret, &file);
    ret = cmp->write_options(cmp.get(), file.get());
    if (ret < 0) throw_sqfs("write the compressor options", ret, &file);
    if (ret > 0) super.flags |= SQFS_FLAG_COMPRESSOR_OPTIONS;
}

void ImageObjects::create_block_writer() {
    blkwr.reset(sqfs_block_writer_create(file.get(), kDevBlockSize, 0));
    if (!blkwr) throw_sqfs("create the block writer", SQFS_ERROR_ALLOC);
    frag.reset(sqfs_frag_table_create(0));
    if (!frag) throw_sqfs("create the fragment table", SQFS_ERROR_ALLOC);
}

unsigned compression_threads(const SquashOptions& opt) { return opt.jobs ? opt.jobs : usable_cpus(); }

void ImageObjects::create_meta_writers() {
    ids.reset(sqfs_id_table_create(0));
    xattrs.reset(sqfs_xattr_writer_create(0));
    im.reset(sqfs_meta_writer_create(file.get(), cmp.get(), 0));
    dm.reset(sqfs_meta_writer_create(file.get(), cmp.get(), SQFS_META_WRITER_KEEP_IN_MEMORY));
    if (!ids || !xattrs || !im || !dm) throw_sqfs("create the metadata writers", SQFS_ERROR_ALLOC);
    dirwr.reset(sqfs_dir_writer_create(dm.get(), SQFS_DIR_WRITER_CREATE_EXPORT_TABLE));
    if (!dirwr) throw_sqfs("create the directory writer", SQFS_ERROR_ALLOC);
}

}  // namespace remaster
