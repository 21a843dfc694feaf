// A compressor for data blocks that first tries a fast compressor and stores
// the block raw when that cannot make it noticeably smaller.
//
// Why: a system holds a good share of data that is already compressed (the
// kernel image and initramfs, .gz/.xz/.zst files, pictures). The block
// processor stores a block raw anyway when compression does not shrink it, but
// only after running the real compressor over it, and at high zstd levels or
// with xz that is the most expensive thing we do: a slow compressor spends as
// long failing on such a block as succeeding on a text one. zstd level 1
// tells the two apart at a small fraction of the cost.
//
// The result depends only on the block's bytes, so the image stays the same
// whatever the number of threads. A block that zstd:1 cannot shrink by
// kProbeMinGain might have shrunk by a hair at level 19: that hair is lost.
#pragma once

#include <sqfs/compressor.h>

#include <string>

#include "sqfs_objects.hpp"

namespace remaster {

// Whether probing pays for this compressor and level: only for the slow ones,
// where a zstd:1 pass costs a few percent of the real one.
bool probe_pays(const std::string& compressor, int level);

// Takes ownership of `real` (the configured data compressor) and returns the
// probing one in its place; `real`'s options are what it writes and reports.
// Throws Error if the probe compressor cannot be created.
SqfsPtr<sqfs_compressor_t> make_probing_compressor(SqfsPtr<sqfs_compressor_t> real, uint32_t block_size);

}  // namespace remaster
