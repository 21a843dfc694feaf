#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <future>
#include <memory>
#include <sstream>
#include <thread>

#include "error.hpp"
#include "runner.hpp"

using namespace remaster;

TEST_CASE("commands are printed with shell quoting only where needed") {
    CHECK(format_command({{"grub-install", "--target=i386-pc", "/dev/sdb"}}) == "grub-install --target=i386-pc /dev/sdb");
    CHECK(format_command({{"echo", "a b", "it's"}}) == "echo 'a b' 'it'\\''s'");
    Command c{{"dracut", "-N"}};
    c.chroot = "/run/remaster/1/view";
    CHECK(format_command(c) == "chroot /run/remaster/1/view dracut -N");
}

TEST_CASE("the system runner captures output and reports failures with stderr") {
    SystemRunner r;
    CHECK(r.run({{"echo", "hello"}}).out == "hello\n");
    try {
        r.run({{"ls", "/nonexistent-remaster-path"}});
        FAIL("ls of a missing path should have failed");
    } catch (const Error& e) {
        const std::string what = e.what();
        CHECK(what.find("ls /nonexistent-remaster-path") != std::string::npos);
        CHECK(what.find("No such file") != std::string::npos);
    }
    Command soft{{"false"}};
    soft.allow_failure = true;
    CHECK(r.run(soft).status == 1);
    CHECK_THROWS_AS(r.run({{"remaster-no-such-program"}}), Error);
}

TEST_CASE("stdin is /dev/null, so a command waiting for input ends at once") {
    SystemRunner r;
    CHECK(r.run({{"cat"}}).out.empty());
}

TEST_CASE("the recording runner records and succeeds") {
    RecordingRunner r;
    r.run({{"mkfs.ext4", "/dev/x"}});
    REQUIRE(r.commands().size() == 1);
    CHECK(r.commands()[0].argv[0] == "mkfs.ext4");
}

TEST_CASE("programs are found in PATH") {
    CHECK(find_program("sh") != "");
    CHECK(find_program("remaster-no-such-program") == "");
}

TEST_CASE("the child gets our environment with the command's entries replacing ours") {
    SystemRunner r;
    ::setenv("REMASTER_TEST_KEPT", "kept", 1);
    ::setenv("REMASTER_TEST_REPLACED", "old", 1);
    Command c{{"sh", "-c", "echo $REMASTER_TEST_KEPT $REMASTER_TEST_REPLACED $REMASTER_TEST_NEW"}};
    c.env = {"REMASTER_TEST_REPLACED=new", "REMASTER_TEST_NEW=added"};
    CHECK(r.run(c).out == "kept new added\n");
    ::unsetenv("REMASTER_TEST_KEPT");
    ::unsetenv("REMASTER_TEST_REPLACED");
}

TEST_CASE("a program that cannot be executed is named in the error") {
    SystemRunner r;
    Command c{{"remaster-no-such-program"}};
    c.allow_failure = true;
    const CommandResult res = r.run(c);
    CHECK(res.status == 127);
    CHECK(res.err.find("cannot execute 'remaster-no-such-program'") != std::string::npos);
}

TEST_CASE("the child is in its own process group and dies with its parent") {
    SystemRunner r;
    // $$ is the shell's pid; ps's pgid column must equal it.
    const std::string out = r.run({{"sh", "-c", "echo $$ $(ps -o pgid= -p $$)"}}).out;
    std::istringstream in(out);
    long pid = 0, pgid = 0;
    in >> pid >> pgid;
    CHECK(pid > 0);
    CHECK(pid == pgid);
    // PR_SET_PDEATHSIG, by its effect: a runner in a forked process that is
    // then killed; its child must not outlive it.
    int pipefd[2];
    REQUIRE(::pipe(pipefd) == 0);
    const pid_t middle = ::fork();
    REQUIRE(middle >= 0);
    if (middle == 0) {
        ::close(pipefd[0]);
        ::dup2(pipefd[1], 3);
        SystemRunner inner;
        inner.run({{"sh", "-c", "echo $$ >&3; exec sleep 60"}});
        _exit(0);
    }
    ::close(pipefd[1]);
    char buf[32] = {};
    REQUIRE(::read(pipefd[0], buf, sizeof buf - 1) > 0);
    ::close(pipefd[0]);
    const pid_t grandchild = static_cast<pid_t>(std::atol(buf));
    REQUIRE(grandchild > 0);
    ::kill(middle, SIGKILL);
    ::waitpid(middle, nullptr, 0);
    bool gone = false;
    for (int i = 0; i < 100 && !gone; ++i) {
        // Gone, or a zombie waiting for init to reap it.
        std::ifstream st("/proc/" + std::to_string(grandchild) + "/stat");
        std::string line;
        std::getline(st, line);
        gone = line.empty() || line.find(") Z") != std::string::npos;
        if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    CHECK(gone);
}

// The child must not allocate between fork and exec: another thread may hold
// malloc's lock at the fork, and the child would wait for it forever.
TEST_CASE("many commands run while other threads allocate, without deadlock") {
    std::atomic<bool> stop{false};
    std::vector<std::thread> allocators;
    for (int t = 0; t < 3; ++t)
        allocators.emplace_back([&stop] {
            while (!stop) {
                std::vector<std::unique_ptr<char[]>> v;
                for (int i = 0; i < 64; ++i) v.emplace_back(new char[static_cast<size_t>(16 + i * 97)]);
                std::string s(1000, 'x');
                s += std::to_string(v.size());
            }
        });
    auto work = std::async(std::launch::async, [] {
        SystemRunner r;
        int ok = 0;
        for (int i = 0; i < 300; ++i) {
            Command c{{"true"}};
            c.env = {"REMASTER_TEST_RUN=" + std::to_string(i), "LC_ALL=C"};
            ok += r.run(c).status == 0;
        }
        return ok;
    });
    const bool finished = work.wait_for(std::chrono::seconds(120)) == std::future_status::ready;
    stop = true;
    for (auto& t : allocators) t.join();
    REQUIRE(finished);  // a deadlocked child would hang the run forever
    CHECK(work.get() == 300);
}
