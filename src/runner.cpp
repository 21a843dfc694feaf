#include "runner.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include "error.hpp"
#include "fd.hpp"
#include "interrupt.hpp"
#include "log.hpp"

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

// Kills the child's process group and reaps it; used when we are interrupted.
int stop_child(pid_t pid) {
    ::kill(-pid, SIGTERM);
    int status = 0;
    for (int i = 0; i < 50; ++i) {
        if (::waitpid(pid, &status, WNOHANG) == pid) return status;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ::kill(-pid, SIGKILL);
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return status;
}

[[noreturn]] void exec_child(const Command& cmd, int out_w, int err_w) {
    // In the child: only async-signal-safe calls until exec.
    ::setpgid(0, 0);
    int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, 0);
    ::dup2(out_w, 1);
    ::dup2(err_w, 2);
    struct sigaction sa;
    std::memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_DFL;
    for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGPIPE}) ::sigaction(sig, &sa, nullptr);
    if (!cmd.chroot.empty()) {
        if (::chroot(cmd.chroot.c_str()) != 0 || ::chdir("/") != 0) {
            dprintf(2, "chroot '%s' failed: %s\n", cmd.chroot.c_str(), strerror(errno));
            _exit(127);
        }
    }
    std::vector<char*> argv;
    for (auto& a : cmd.argv) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    for (auto& e : cmd.env) ::putenv(const_cast<char*>(e.c_str()));
    ::execvp(argv[0], argv.data());
    dprintf(2, "cannot execute '%s': %s\n", argv[0], strerror(errno));
    _exit(127);
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
    int out_pipe[2], err_pipe[2];
    if (::pipe2(out_pipe, O_CLOEXEC) != 0) throw_errno("create a pipe", errno);
    Fd out_r(out_pipe[0]), out_w(out_pipe[1]);
    if (::pipe2(err_pipe, O_CLOEXEC) != 0) throw_errno("create a pipe", errno);
    Fd err_r(err_pipe[0]), err_w(err_pipe[1]);

    pid_t pid = ::fork();
    if (pid < 0) throw_errno("fork for '" + cmd.argv[0] + "'", errno);
    if (pid == 0) exec_child(cmd, out_w.get(), err_w.get());
    out_w.reset();
    err_w.reset();

    CommandResult res;
    struct pollfd fds[2] = {{out_r.get(), POLLIN, 0}, {err_r.get(), POLLIN, 0}};
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
    int status = 0;
    if (interrupted) {
        stop_child(pid);
        check_interrupt();
    }
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) throw_errno("wait for '" + cmd.argv[0] + "'", errno);
        if (interrupt_requested()) {
            stop_child(pid);
            check_interrupt();
        }
    }
    res.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
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
