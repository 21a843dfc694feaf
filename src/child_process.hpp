// One running child process, owned: started from a Command (argv, no shell,
// stdin from /dev/null, stdout and stderr on pipes we read, its own process
// group, killed by the kernel if remaster dies, its group recorded for the
// next run's recovery), stopped and reaped by the destructor if it still
// runs. SystemRunner runs every command through it and waits; boot-test
// keeps one (QEMU) and reads its console while it runs.
#pragma once

#include <sys/types.h>

#include <string>

#include "fd.hpp"
#include "runner.hpp"

namespace remaster {

class ChildProcess {
public:
    // Everything the child needs is prepared before fork (see the .cpp).
    // Throws Error when a pipe or the fork fails; a program that cannot be
    // executed shows as exit status 127 and failure_text().
    static ChildProcess start(const Command& cmd);

    ChildProcess() = default;
    ChildProcess(ChildProcess&& o) noexcept;
    ChildProcess& operator=(ChildProcess&& o) noexcept;
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;
    ~ChildProcess() { stop(); }

    int out_fd() const { return out_.get(); }
    int err_fd() const { return err_.get(); }
    bool running() const { return pid_ > 0; }

    // Reaps the child; its exit code, or 128+signal. On SIGINT/SIGTERM while
    // waiting, stops it and throws Error(Exit::interrupted).
    int wait();
    // SIGTERM to its process group, SIGKILL after 5 s, reaped. Never throws;
    // a no-op once reaped. Returns the status as wait() does (0 if none).
    int stop() noexcept;
    // The child's own words when it could not exec, for an error message
    // (after wait() or stop()); "" when it did exec.
    std::string failure_text();

private:
    pid_t pid_ = -1;
    Command cmd_;
    Fd out_, err_, report_;
};

}  // namespace remaster
