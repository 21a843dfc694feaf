// Errors are exceptions inside the program and one message plus one exit code
// outside it: main catches Error, prints what() and hint(), returns code().
#pragma once

#include <stdexcept>
#include <string>

namespace remaster {

// Distinct exit codes so scripts can tell "you asked for something wrong" from
// "the machine is missing something" from "the disk failed".
enum class Exit : int {
    ok = 0,
    failure = 1,      // a step failed while running (command, I/O)
    usage = 2,        // bad command line
    bad_input = 3,    // source root, output path or option value unusable
    missing = 4,      // a tool, kernel, module or package is missing (preflight)
    unsafe_target = 5,// the target was refused by a guard
    no_space = 6,     // out of space on the output or target
    interrupted = 130 // SIGINT/SIGTERM/SIGHUP
};

class Error : public std::runtime_error {
public:
    Error(Exit code, const std::string& what, std::string hint = {})
        : std::runtime_error(what), code_(code), hint_(std::move(hint)) {}
    Exit code() const noexcept { return code_; }
    // What the user should do next; may be empty.
    const std::string& hint() const noexcept { return hint_; }

private:
    Exit code_;
    std::string hint_;
};

// strerror as a std::string, thread-safe.
std::string errno_string(int err);

// Throws Error(Exit::failure or no_space for ENOSPC/EDQUOT) naming the action:
// "Failed to <action>: <strerror>".
[[noreturn]] void throw_errno(const std::string& action, int err);

}  // namespace remaster
