// /etc/os-release (or /usr/lib/os-release) as os-release(5) defines it:
// KEY=value lines, values optionally quoted with shell-style escapes.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace remaster {

struct OsRelease {
    std::map<std::string, std::string> fields;
    std::string get(const std::string& key, const std::string& fallback = "") const;
    std::string id() const { return get("ID", "linux"); }
    std::vector<std::string> id_like() const;  // ID_LIKE split on spaces
    std::string pretty_name() const { return get("PRETTY_NAME", get("NAME", id())); }
};

OsRelease parse_os_release(const std::string& text);

// Reads root's os-release (links resolved inside root); an empty OsRelease
// when there is none. Throws Error(bad_input) naming it when it is not a
// regular file (a FIFO, a link to /dev/zero) or is too large.
OsRelease read_os_release(const std::string& root);

}  // namespace remaster
