// One function run on a thread of its own beside the caller's work: the
// initramfs is built while the squash runs (dracut reads the view, the
// squash reads the view, neither writes what the other reads).
#pragma once

#include <chrono>
#include <exception>
#include <functional>
#include <thread>
#include <utility>

namespace remaster {

class BackgroundTask {
public:
    explicit BackgroundTask(std::function<void()> fn);
    BackgroundTask(const BackgroundTask&) = delete;
    BackgroundTask& operator=(const BackgroundTask&) = delete;
    // Joins without throwing. When the caller unwinds from an error of its
    // own, the task runs to its end first (a Ctrl-C stops it as it stops
    // the caller: both watch the same flag); the caller's error is the one
    // reported.
    ~BackgroundTask();

    // Joins; rethrows what the function threw.
    void wait();
    // How long the function ran, once it has ended.
    double seconds() const { return seconds_; }

private:
    std::exception_ptr error_;
    double seconds_ = 0;
    std::thread thread_;  // last: started once the fields above exist
};

}  // namespace remaster
