#include "runner.hpp"

#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <optional>

#include "child_process.hpp"
#include "error.hpp"
#include "interrupt.hpp"
#include "log.hpp"
#include "progress.hpp"

namespace remaster {
namespace {

std::string quote(const std::string& s) {
    if (!s.empty() && s.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                                          "-_./=:,+@%") == std::string::npos)
        return s;
    std::string q = "'";
    for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

// Keeps the last part of a long stderr: the end is where tools say what went wrong.
std::string tail(const std::string& s, size_t max = 4000) {
    std::string t = s.size() > max ? "..." + s.substr(s.size() - max) : s;
    while (!t.empty() && (t.back() == '\n' || t.back() == ' ')) t.pop_back();
    return t;
}

}  // namespace

std::string format_command(const Command& cmd) {
    std::string s;
    if (!cmd.chroot.empty()) s = "chroot " + quote(cmd.chroot) + " ";
    for (size_t i = 0; i < cmd.argv.size(); ++i) s += (i ? " " : "") + quote(cmd.argv[i]);
    return s;
}

CommandResult SystemRunner::run(const Command& cmd) {
    if (cmd.argv.empty()) throw Error(Exit::failure, "internal: empty command");
    check_interrupt();
    log::debug() << "Executing: " << format_command(cmd);
    ChildProcess child = ChildProcess::start(cmd);
    // Made in the parent after the fork, like everything below.
    std::optional<Heartbeat> heartbeat;
    if (!cmd.still_running.empty()) heartbeat.emplace(cmd.still_running, log::quiet());

    CommandResult res;
    struct pollfd fds[2] = {{child.out_fd(), POLLIN, 0}, {child.err_fd(), POLLIN, 0}};
    std::string* bufs[2] = {&res.out, &res.err};
    int open_fds = 2;
    bool interrupted = false;
    while (open_fds > 0) {
        if (interrupt_requested()) {
            interrupted = true;
            break;
        }
        int n = ::poll(fds, 2, 200);
        if (n < 0 && errno != EINTR) throw_errno("poll", errno);
        if (heartbeat) heartbeat->tick();
        for (int i = 0; i < 2 && n > 0; ++i) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            char buf[8192];
            ssize_t r = ::read(fds[i].fd, buf, sizeof buf);
            if (r > 0) {
                bufs[i]->append(buf, r);
            } else if (r == 0 || errno != EINTR) {
                fds[i].fd = -1;
                --open_fds;
            }
        }
    }
    if (interrupted) {
        child.stop();
        check_interrupt();
    }
    res.status = child.wait();
    res.err += child.failure_text();
    if (!res.err.empty()) log::debug() << cmd.argv[0] << " stderr: " << tail(res.err, 2000);
    if (res.status != 0 && !cmd.allow_failure) {
        std::string detail = tail(res.err.empty() ? res.out : res.err);
        throw Error(Exit::failure,
                    "Command failed (exit status " + std::to_string(res.status) + "): " + format_command(cmd) +
                        (detail.empty() ? "" : "\n" + detail));
    }
    return res;
}

CommandResult RecordingRunner::run(const Command& cmd) {
    commands_.push_back(cmd);
    return {};
}

std::string find_program(const std::string& name, const std::string& root) {
    if (name.find('/') != std::string::npos) {
        struct stat st;
        return ::stat((root + name).c_str(), &st) == 0 ? name : "";
    }
    // Inside a root we cannot trust the host's PATH; use the usual directories.
    const char* path = root.empty() ? ::getenv("PATH") : nullptr;
    std::string dirs = path ? path : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    if (root.empty()) dirs += ":/usr/sbin:/sbin";
    size_t start = 0;
    while (start <= dirs.size()) {
        size_t end = dirs.find(':', start);
        if (end == std::string::npos) end = dirs.size();
        std::string dir = dirs.substr(start, end - start);
        start = end + 1;
        if (dir.empty()) continue;
        std::string candidate = dir + "/" + name;
        if (::access((root + candidate).c_str(), X_OK) == 0) return candidate;
    }
    return "";
}

}  // namespace remaster
