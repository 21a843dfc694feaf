#include "os_release.hpp"

#include "error.hpp"
#include "fd.hpp"
#include "small_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <sstream>

namespace remaster {
namespace {

std::string unquote(const std::string& v) {
    if (v.size() < 2 || (v[0] != '"' && v[0] != '\'') || v.back() != v[0]) return v;
    const char q = v[0];
    std::string out;
    for (size_t i = 1; i + 1 < v.size(); ++i) {
        // Inside double quotes a backslash escapes $ " \ and `, as in the shell.
        if (q == '"' && v[i] == '\\' && i + 2 < v.size()) ++i;
        out += v[i];
    }
    return out;
}

std::string trim(const std::string& s) {
    const size_t a = s.find_first_not_of(" \t\r");
    if (a == std::string::npos) return "";
    return s.substr(a, s.find_last_not_of(" \t\r") - a + 1);
}

}  // namespace

std::string OsRelease::get(const std::string& key, const std::string& fallback) const {
    auto it = fields.find(key);
    return it == fields.end() || it->second.empty() ? fallback : it->second;
}

std::vector<std::string> OsRelease::id_like() const {
    std::vector<std::string> out;
    std::istringstream in(get("ID_LIKE"));
    for (std::string w; in >> w;) out.push_back(w);
    return out;
}

OsRelease parse_os_release(const std::string& text) {
    OsRelease os;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        line = trim(line);
        if (line.empty() || line[0] == '#') continue;
        const size_t eq = line.find('=');
        if (eq == std::string::npos || eq == 0) continue;
        const std::string key = line.substr(0, eq);
        if (key.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != std::string::npos) continue;
        os.fields[key] = unquote(trim(line.substr(eq + 1)));
    }
    return os;
}

OsRelease read_os_release(const std::string& root) {
    // /etc/os-release is often a link; an absolute one must resolve inside the root.
    Fd dir(::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!dir) return {};
    for (const char* p : {"/etc/os-release", "/usr/lib/os-release"}) {
        SmallFileOptions opt;
        opt.shown = "'" + std::string(p) + "' in the root '" + root + "'";
        Fd f = open_in_root(dir.get(), p, small_file_open_flags(true));
        if (!f) {
            if (errno == ENOENT || errno == ENOTDIR) continue;
            throw Error(opt.code, "Cannot open " + opt.shown + ": " + errno_string(errno));
        }
        // A FIFO or a link to /dev/zero there must not hang the plan.
        return parse_os_release(read_small_fd(f.get(), opt, p));
    }
    return {};
}

}  // namespace remaster
