#include "error.hpp"

#include <cerrno>
#include <cstring>

namespace remaster {

std::string errno_string(int err) {
    char buf[256];
    // GNU strerror_r may return a static string instead of filling buf.
    return ::strerror_r(err, buf, sizeof buf);
}

namespace {

int specificity(Exit code) {
    switch (code) {
        case Exit::unsafe_target: return 4;
        case Exit::missing: return 3;
        case Exit::no_space: return 2;  // the plan's space checks (--iso)
        case Exit::bad_input: return 1;
        default: return 0;
    }
}

}  // namespace

void Problems::add(Exit code, std::string problem) {
    if (specificity(code) > specificity(code_)) code_ = code;
    list_.push_back(std::move(problem));
}

std::string Problems::joined() const {
    if (list_.size() == 1) return list_[0];
    std::string s = "Cannot start:";
    for (const auto& p : list_) s += "\n  - " + p;
    return s;
}

std::string printable(const std::string& text) {
    static const char hex[] = "0123456789abcdef";
    std::string out;
    for (const char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if ((u < 0x20 && c != '\n') || u == 0x7f) {
            out += "\\x";
            out += hex[u >> 4];
            out += hex[u & 15];
        } else {
            out += c;
        }
    }
    return out;
}

void throw_errno(const std::string& action, int err) {
    if (err == ENOSPC || err == EDQUOT)
        throw Error(Exit::no_space, "Failed to " + action + ": " + errno_string(err),
                    "Free some space on the output device or choose another output path.");
    throw Error(Exit::failure, "Failed to " + action + ": " + errno_string(err));
}

}  // namespace remaster
