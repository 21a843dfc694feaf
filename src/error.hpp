// Errors are exceptions inside the program and one message plus one exit code
// outside it: main catches Error, prints what() and hint(), returns code().
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

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

// Every problem a check phase finds, so that all are reported at once. The
// exit code is that of the most specific class among them: a refused target
// (unsafe_target) before something to install (missing) before bad input, so
// a script sees "the target was refused" even when an option was wrong too.
class Problems {
public:
    void push_back(std::string problem) { add(Exit::bad_input, std::move(problem)); }
    void add(Exit code, std::string problem);
    bool empty() const noexcept { return list_.empty(); }
    const std::vector<std::string>& list() const noexcept { return list_; }
    Exit code() const noexcept { return code_; }
    // One problem as it is, several as "Cannot start:" and a list.
    std::string joined() const;

private:
    std::vector<std::string> list_;
    Exit code_ = Exit::bad_input;
};

// Text from the system being snapshotted (os-release, file names) as it may be
// printed: control characters other than newline become \xNN, so a file
// cannot move the cursor or rewrite the terminal through our messages.
std::string printable(const std::string& text);

// strerror as a std::string, thread-safe.
std::string errno_string(int err);

// Throws Error(Exit::failure or no_space for ENOSPC/EDQUOT) naming the action:
// "Failed to <action>: <strerror>".
[[noreturn]] void throw_errno(const std::string& action, int err);

}  // namespace remaster
