#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <thread>

#include "background_task.hpp"
#include "error.hpp"
#include "phase_clock.hpp"

using namespace remaster;

TEST_CASE("a background task runs beside the caller and wait() hands back its error") {
    std::atomic<bool> ran{false};
    BackgroundTask ok([&] { ran = true; });
    ok.wait();
    CHECK(ran);
    CHECK(ok.seconds() >= 0);

    BackgroundTask bad([] { throw Error(Exit::failure, "dracut failed"); });
    CHECK_THROWS_WITH(bad.wait(), "dracut failed");
    // Reported once: a second wait has nothing left to throw.
    CHECK_NOTHROW(bad.wait());
}

TEST_CASE("a background task is joined, not thrown from, when the caller unwinds") {
    std::atomic<bool> ended{false};
    try {
        BackgroundTask t([&] {
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
            ended = true;
            throw Error(Exit::failure, "the task's error");
        });
        throw Error(Exit::no_space, "the caller's error");
    } catch (const Error& e) {
        // The task ended before the caller's error got here, and the
        // caller's error is the one reported.
        CHECK(ended);
        CHECK(e.code() == Exit::no_space);
    }
}

TEST_CASE("the phase clock lists a phase that ran beside another after the total") {
    PhaseClock c;
    c.start("squash");
    c.start("initramfs");
    c.stop();
    c.beside("initramfs", 9.25, "squash");
    const std::string s = c.summary();
    CHECK(s.find("total ") != std::string::npos);
    CHECK(s.size() > 0);
    CHECK(s.substr(s.find("; ")) == "; initramfs 9.2 s beside the squash");
}
