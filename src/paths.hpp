// Path helpers for the two kinds of path remaster handles: absolute paths on
// this machine, and paths relative to a root ("/etc/fstab" inside the tree
// being snapshotted, which is "/" or any directory). Nothing here touches the
// filesystem except absolute_path (realpath) and exists_in (stat).
#pragma once

#include <string>

namespace remaster {

// Resolves `path` to an absolute path without requiring the last component to exist.
std::string absolute_path(const std::string& path);

// "/a/b" is below "/a" (or equal when or_equal); both absolute and normalised.
bool path_below(const std::string& path, const std::string& dir, bool or_equal = false);

// Where `rel` ("/etc/fstab", starting with '/') of the tree at `root` is on
// this machine: "/srv/root/etc/fstab", or "/etc/fstab" itself for root "/".
std::string in_root(const std::string& root, const std::string& rel);

// The inverse: `path` (at or below `root`) as seen from `root`; "/" for root itself.
std::string relative_to_root(const std::string& path, const std::string& root);

// "/a/b" -> "/a", "/a" -> "/" (absolute paths).
std::string parent_path(const std::string& path);

// "dir" + "name" with one slash between them, also for dir "/".
std::string child_path(const std::string& dir, const std::string& name);

// True when `rel` exists in the tree at `root` (stat: symlinks followed).
bool exists_in(const std::string& root, const std::string& rel);

}  // namespace remaster
