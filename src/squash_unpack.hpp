// The copy of `remaster install`: a snapshot's squashfs layers unpacked onto
// a directory (the new root filesystem) with everything squashfs holds:
// types, device numbers, owners, modes (setuid included), mtimes, xattrs
// (file capabilities, SELinux labels), hard links, and sparse files kept
// sparse. Read with libsquashfs, never through a kernel mount.
//
// Layers are applied base first, each the way overlayfs stacks them: a
// whiteout (character device 0/0) removes the name below it, an opaque
// directory (trusted.overlay.opaque=y) replaces the one below, any other
// directory merges with it, anything else replaces what was there. The
// overlay's own markers are not copied.
//
// Everything is created relative to directory fds, so trees deeper than
// PATH_MAX are copied too.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace remaster {

struct UnpackStats {
    uint64_t inodes = 0;
    uint64_t bytes = 0;  // file data written (holes not counted)
};

// The bytes and inodes the layers will occupy unpacked (allocated data, not
// holes), for sizing the target before anything is written.
UnpackStats measure_layers(const std::vector<std::string>& layers_base_first);

// The content of the regular file at absolute `path` as the stacked layers
// show it (the topmost layer that has the name; a whiteout hides it),
// symlinks followed within the layers; "" when there is none. Files over
// `max_bytes` count as none: it reads small configuration files (os-release).
std::string read_layered_file(const std::vector<std::string>& layers_base_first, const std::string& path,
                              size_t max_bytes = 65536);

// Unpacks the layers onto `dest` (an existing, preferably empty directory;
// its own metadata becomes the image root's). Throws Error on any failure;
// checks for Ctrl-C between files.
UnpackStats unpack_layers(const std::vector<std::string>& layers_base_first, const std::string& dest, bool quiet);

}  // namespace remaster
