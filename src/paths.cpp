#include "paths.hpp"

#include <sys/stat.h>

#include <climits>
#include <cstdlib>

namespace remaster {

std::string absolute_path(const std::string& path) {
    if (path.empty()) return path;
    char buf[PATH_MAX];
    if (::realpath(path.c_str(), buf)) return buf;
    // The last component may not exist yet (an output file): resolve its directory.
    const size_t slash = path.rfind('/');
    const std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
    const std::string name = path.substr(slash == std::string::npos ? 0 : slash + 1);
    if (!::realpath(dir.c_str(), buf)) return path[0] == '/' ? path : "";
    return child_path(buf, name);
}

bool path_below(const std::string& path, const std::string& dir, bool or_equal) {
    if (path == dir) return or_equal;
    if (dir == "/") return path.size() > 1 && path[0] == '/';
    return path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 && path[dir.size()] == '/';
}

std::string in_root(const std::string& root, const std::string& rel) { return root == "/" ? rel : root + rel; }

std::string relative_to_root(const std::string& path, const std::string& root) {
    if (root == "/") return path;
    return path.size() == root.size() ? "/" : path.substr(root.size());
}

std::string parent_path(const std::string& path) {
    const size_t slash = path.rfind('/');
    return slash == 0 ? "/" : path.substr(0, slash);
}

std::string child_path(const std::string& dir, const std::string& name) {
    return dir == "/" ? "/" + name : dir + "/" + name;
}

bool exists_in(const std::string& root, const std::string& rel) {
    struct stat st;
    return ::stat(in_root(root, rel).c_str(), &st) == 0;
}

}  // namespace remaster
