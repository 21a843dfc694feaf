// Reading a small file that someone else controls: a config, os-release, a
// manifest or snapshot.info from the root being snapshotted or from a stick.
// Such a path can be a FIFO (an open(2) that never returns), a link to
// /dev/zero (a read that never ends) or a huge file; each is refused with a
// message naming the file instead of hanging the run or exhausting memory.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "error.hpp"

namespace remaster {

constexpr size_t kConfigMax = 1 << 20;         // os-release, stick.conf, snapshot.info, templates
constexpr size_t kManifestMax = size_t{256} << 20;  // a file manifest: ~100 bytes per file of the root

struct SmallFileOptions {
    size_t max_bytes = kConfigMax;
    bool follow_symlink = true;  // false: O_NOFOLLOW
    std::string shown;           // the name in messages ("'/etc/os-release' in the root"); the path if empty
    Exit code = Exit::bad_input; // the exit code of a refusal
};

// The content of `path`; nullopt when it does not exist (ENOENT, ENOTDIR).
// Throws Error when it is not a regular file, is larger than max_bytes or
// cannot be read.
std::optional<std::string> read_small_file(const std::string& path, const SmallFileOptions& opt = {});

// The same for an fd opened by the caller (e.g. open_in_root with
// O_NONBLOCK|O_NOCTTY): checks it is a regular file, then reads at most
// max_bytes.
std::string read_small_fd(int fd, const SmallFileOptions& opt, const std::string& path);

// The open(2) flags for such a file: O_RDONLY|O_NONBLOCK|O_CLOEXEC|O_NOCTTY,
// and O_NOFOLLOW unless follow_symlink.
int small_file_open_flags(bool follow_symlink);

}  // namespace remaster
