// Every external command goes through a Runner: argv only (no shell), stdin
// from /dev/null, stdout and stderr captured, the child in its own process
// group so Ctrl-C reaches us first and we decide how to stop it, killed by
// the kernel if remaster dies (PR_SET_PDEATHSIG), its group recorded for the
// next run's recovery (its own children do not get PDEATHSIG). The
// interface lets tests record what would run and lets --dry-run print the
// plan without executing anything.
#pragma once

#include <string>
#include <vector>

namespace remaster {

struct Command {
    std::vector<std::string> argv;
    std::string chroot;            // run inside this root (chroot(2) before exec) when not empty
    std::vector<std::string> env;  // extra NAME=value entries
    bool allow_failure = false;    // return the status instead of throwing
    // When not empty, a Heartbeat (progress.hpp) shows this and how long the
    // command has run, for a long command that shows no progress of its own.
    std::string still_running;
};

struct CommandResult {
    int status = 0;  // exit code, or 128+signal
    std::string out;
    std::string err;
};

// "grub-install --target=i386-pc /dev/sdb" with shell-style quoting where needed;
// for logs, error messages and --dry-run listings only.
std::string format_command(const Command& cmd);

class Runner {
public:
    virtual ~Runner() = default;
    // Throws Error naming the command, its exit status and its stderr when it
    // fails (unless allow_failure), and Error(Exit::interrupted) on a signal.
    virtual CommandResult run(const Command& cmd) = 0;
};

// Executes for real.
class SystemRunner : public Runner {
public:
    CommandResult run(const Command& cmd) override;
};

// Records commands and pretends they succeeded (dry runs, unit tests).
class RecordingRunner : public Runner {
public:
    CommandResult run(const Command& cmd) override;
    const std::vector<Command>& commands() const { return commands_; }

private:
    std::vector<Command> commands_;
};

// Looks a program up in PATH (or in PATH below `root` when not empty).
// Returns the absolute path (relative to root), or "" when missing.
std::string find_program(const std::string& name, const std::string& root = {});

}  // namespace remaster
