#include "kernel_files.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <fstream>

#include "dir_stream.hpp"

namespace remaster {

std::string first_line(const std::string& path) {
    std::ifstream f(path);
    std::string s;
    std::getline(f, s);
    return s;
}

std::vector<std::string> dir_names(const std::string& dir) {
    std::vector<std::string> out;
    DirStream d(dir);
    while (const dirent* e = d.next())
        if (e->d_name[0] != '.') out.push_back(e->d_name);
    std::sort(out.begin(), out.end());
    return out;
}

bool path_exists(const std::string& path) {
    struct stat st;
    return ::lstat(path.c_str(), &st) == 0;
}

}  // namespace remaster
