// A small uncompressed cpio archive in the kernel's "newc" format. The
// kernel unpacks every archive of an initramfs image in turn, compressed or
// not, so one appended after the compressed image adds files to it: the
// netboot initramfs gets its public key so, without a dracut run of its own
// (and without a different cache entry for every key).
#pragma once

#include <string>
#include <vector>

namespace remaster {

struct CpioEntry {
    std::string path;     // relative, "etc/remaster/netboot.pub"
    unsigned mode;        // with the type: 0040755 for a directory, 0100644 for a file
    std::string content;  // a file's bytes; empty for a directory
};

// The archive of `entries` in order (parents first), with the trailer.
std::string newc_archive(const std::vector<CpioEntry>& entries);

// Appends `archive` to the image file `image`, after padding it with zeros
// to a multiple of 4 bytes (where the kernel looks for the next archive).
void append_to_initramfs(const std::string& image, const std::string& archive);

}  // namespace remaster
