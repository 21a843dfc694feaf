#include "child_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>
#include <utility>

#include "error.hpp"
#include "interrupt.hpp"
#include "run_record.hpp"

namespace remaster {
namespace {

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

ChildProcess::ChildProcess(ChildProcess&& o) noexcept
    : pid_(std::exchange(o.pid_, -1)),
      cmd_(std::move(o.cmd_)),
      out_(std::move(o.out_)),
      err_(std::move(o.err_)),
      report_(std::move(o.report_)) {}

ChildProcess& ChildProcess::operator=(ChildProcess&& o) noexcept {
    if (this != &o) {
        stop();
        pid_ = std::exchange(o.pid_, -1);
        cmd_ = std::move(o.cmd_);
        out_ = std::move(o.out_);
        err_ = std::move(o.err_);
        report_ = std::move(o.report_);
    }
    return *this;
}

ChildProcess ChildProcess::start(const Command& cmd) {
    if (cmd.argv.empty()) throw Error(Exit::failure, "internal: empty command");
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
    ChildProcess p;
    p.pid_ = pid;
    p.cmd_ = cmd;
    p.out_ = std::move(out_r);
    p.err_ = std::move(err_r);
    p.report_ = std::move(report_r);
    return p;
}

int ChildProcess::wait() {
    int status = 0;
    while (pid_ > 0 && ::waitpid(pid_, &status, 0) < 0) {
        if (errno != EINTR) throw_errno("wait for '" + cmd_.argv[0] + "'", errno);
        if (interrupt_requested()) {
            stop();
            check_interrupt();
        }
    }
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int ChildProcess::stop() noexcept {
    if (pid_ <= 0) return 0;
    const int status = stop_child(std::exchange(pid_, -1));
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string ChildProcess::failure_text() {
    return report_ ? child_failure_text(report_.get(), cmd_) : "";
}

}  // namespace remaster
