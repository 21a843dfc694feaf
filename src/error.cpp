#include "error.hpp"

#include <cerrno>
#include <cstring>

namespace remaster {

std::string errno_string(int err) {
    char buf[256];
    // GNU strerror_r may return a static string instead of filling buf.
    return ::strerror_r(err, buf, sizeof buf);
}

void throw_errno(const std::string& action, int err) {
    if (err == ENOSPC || err == EDQUOT)
        throw Error(Exit::no_space, "Failed to " + action + ": " + errno_string(err),
                    "Free some space on the output device or choose another output path.");
    throw Error(Exit::failure, "Failed to " + action + ": " + errno_string(err));
}

}  // namespace remaster
