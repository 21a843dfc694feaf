// Reading the kernel's small files: sysfs (or a fake tree laid out like it,
// in tests) and /proc, which say what a block device is, what sits on it
// and who holds it. Missing things read as empty: a device or a process can
// go away while we look.
#pragma once

#include <string>
#include <vector>

namespace remaster {

// The first line of a file, without its newline; "" when it cannot be read.
std::string first_line(const std::string& path);

// The names in a directory but dot files, sorted (the same messages on
// every run); none when it cannot be read.
std::vector<std::string> dir_names(const std::string& dir);

// Whether `path` exists (its last component not followed).
bool path_exists(const std::string& path);

}  // namespace remaster
