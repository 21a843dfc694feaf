// The initramfs's compression, done by us instead of dracut.
//
// dracut compresses its image with one single-threaded compressor that
// must exist inside the root; on Debian that is gzip -9, and it was 40 of
// the 50 s a generic initramfs took (134 MB of cpio). So dracut writes the
// image uncompressed (--compress cat) and we compress it in-process with
// libzstd on every core (about 2 s) when the kernel can unpack zstd
// (CONFIG_RD_ZSTD, which Debian's, Fedora's and Arch's kernels set), else
// with zlib's gzip, which every kernel with an initramfs reads.
//
// An early cpio (dracut's microcode archive, marked by its first entry
// "early_cpio") must stay uncompressed in front: the kernel's microcode
// loader reads it before anything is unpacked. It is copied as it is.
#pragma once

#include <cstdint>
#include <string>

namespace remaster {

enum class InitramfsCompression { zstd, gzip };

// "zstd" or "gzip": for logs and the cache key.
const char* compression_name(InitramfsCompression c);

// What the root's kernel `kver` can unpack: zstd when its config (under
// /boot or the modules dir of `root`) sets CONFIG_RD_ZSTD=y, else gzip.
InitramfsCompression initramfs_compression_for(const std::string& root, const std::string& kver);

// The length of the early cpio at the start of `data` (with the zero
// padding after its trailer), or 0 when the image has none.
uint64_t early_cpio_length(const unsigned char* data, uint64_t size);

// Writes the uncompressed image `in` (dracut's --compress cat output) to
// `out`: the early cpio as it is, the rest compressed. `threads` zstd
// workers (0: one per core). Returns the SHA-256 of what it wrote, computed
// as it wrote it. Throws Error on a read, write or library failure.
std::string compress_initramfs(const std::string& in, const std::string& out, InitramfsCompression c,
                               unsigned threads = 0);

}  // namespace remaster
