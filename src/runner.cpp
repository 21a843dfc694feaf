#include "runner.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
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
#include "run_record.hpp"

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

// Everything the child needs, made before fork: after fork, in a process
// with compression and prefetch threads, another thread may have held the
// malloc lock at the moment of the fork, so the child must not allocate.
// It calls only async-signal-safe functions (signal-safety(7)) until exec.
struct ChildSetup {
    std::vector<std::string> env_storage;
    std::vector<char*> argv, envp;
    std::string program;  // resolved path (inside the chroot when chrooting), "" when not found
    const char* chroot = nullptr;
    int devnull = -1, out_w = -1, err_w = -1, report_w = -1;
    pid_t parent = 0;
};

// The environment the child gets: ours, with cmd.env's entries replacing
// those of the same name.
std::vector<std::string> child_environment(const std::vector<std::string>& extra) {
    std::vector<std::string> env;
    auto name_of = [](const std::string& e) { return e.substr(0, e.find('=')); };
    for (char** e = environ; e && *e; ++e) {
        const std::string entry = *e;
        bool replaced = false;
        for (const auto& x : extra) replaced = replaced || name_of(x) == name_of(entry);
        if (!replaced) env.push_back(entry);
    }
    env.insert(env.end(), extra.begin(), extra.end());
    return env;
}

void prepare_child(const Command& cmd, ChildSetup& c) {
    for (auto& a : cmd.argv) c.argv.push_back(const_cast<char*>(a.c_str()));
    c.argv.push_back(nullptr);
    c.env_storage = child_environment(cmd.env);
    for (auto& e : c.env_storage) c.envp.push_back(e.data());
    c.envp.push_back(nullptr);
    // execvp's PATH search is not async-signal-safe: look the program up now.
    c.program = find_program(cmd.argv[0], cmd.chroot);
    if (!cmd.chroot.empty()) c.chroot = cmd.chroot.c_str();
    c.parent = ::getpid();
}

// What the child reports through the close-on-exec pipe when it cannot exec.
struct ChildFailure {
    int stage;  // 1 chroot, 2 exec, 3 parent gone
    int err;
};

[[noreturn]] void child_fail(const ChildSetup& c, int stage, int err) {
    const ChildFailure f{stage, err};
    ssize_t ignored = ::write(c.report_w, &f, sizeof f);
    (void)ignored;
    _exit(127);
}

[[noreturn]] void exec_child(const ChildSetup& c) {
    // Its own process group: Ctrl-C on the terminal reaches us, not it, and
    // we (or the next run's recovery) can stop it with all its children.
    ::setpgid(0, 0);
    // If remaster dies (even by SIGKILL), so does the child. It is tied to
    // the thread that forked, which waits for it in run(). The parent may
    // have died before prctl took effect: then we are adopted already.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != c.parent) child_fail(c, 3, 0);
    if (c.devnull >= 0) ::dup2(c.devnull, 0);
    ::dup2(c.out_w, 1);
    ::dup2(c.err_w, 2);
    struct sigaction sa;
    std::memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_DFL;
    for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGPIPE}) ::sigaction(sig, &sa, nullptr);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);  // a worker thread may have forked us with signals blocked
    if (c.chroot && (::chroot(c.chroot) != 0 || ::chdir("/") != 0)) child_fail(c, 1, errno);
    if (c.program.empty()) child_fail(c, 2, ENOENT);
    ::execve(c.program.c_str(), c.argv.data(), c.envp.data());
    child_fail(c, 2, errno);
}

// The child's own words, when it could not exec, for the error message.
std::string child_failure_text(int report_r, const Command& cmd) {
    ChildFailure f{};
    if (::read(report_r, &f, sizeof f) != static_cast<ssize_t>(sizeof f)) return "";
    if (f.stage == 1) return "chroot '" + cmd.chroot + "' failed: " + errno_string(f.err) + "\n";
    if (f.stage == 3) return "remaster ended before '" + cmd.argv[0] + "' started\n";
    return "cannot execute '" + cmd.argv[0] + "'" + (cmd.chroot.empty() ? "" : " in '" + cmd.chroot + "'") + ": " +
           errno_string(f.err) + "\n";
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
    ChildSetup child;
    prepare_child(cmd, child);
    int out_pipe[2], err_pipe[2], report_pipe[2];
    if (::pipe2(out_pipe, O_CLOEXEC) != 0) throw_errno("create a pipe", errno);
    Fd out_r(out_pipe[0]), out_w(out_pipe[1]);
    if (::pipe2(err_pipe, O_CLOEXEC) != 0) throw_errno("create a pipe", errno);
    Fd err_r(err_pipe[0]), err_w(err_pipe[1]);
    if (::pipe2(report_pipe, O_CLOEXEC) != 0) throw_errno("create a pipe", errno);
    Fd report_r(report_pipe[0]), report_w(report_pipe[1]);
    Fd devnull(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    child.devnull = devnull.get();
    child.out_w = out_w.get();
    child.err_w = err_w.get();
    child.report_w = report_w.get();

    pid_t pid = ::fork();
    if (pid < 0) throw_errno("fork for '" + cmd.argv[0] + "'", errno);
    if (pid == 0) exec_child(child);
    // Also here, so the group exists before we record or signal it.
    ::setpgid(pid, pid);
    run_record::add_group(pid);
    out_w.reset();
    err_w.reset();
    report_w.reset();

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
    res.err += child_failure_text(report_r.get(), cmd);
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
