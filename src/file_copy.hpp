#pragma once

#include <string>

namespace remaster {

// Copies a regular file (copy_file_range, so the kernel moves the bytes),
// writes it under a temporary name, fsyncs and renames it into place.
void copy_file(const std::string& from, const std::string& to);

// Writes `content` to `path` the same way.
void write_file_atomic(const std::string& path, const std::string& content);

}  // namespace remaster
