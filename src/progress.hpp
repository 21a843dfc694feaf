// Progress of a long step: one updating line with done/total, rate and ETA on
// a terminal, a plain log line every few seconds and at the end otherwise,
// nothing with --quiet. A step with no measure of how far it is (dracut) gets
// a Heartbeat instead: how long it has been running.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace remaster {

class Progress {
public:
    Progress(std::string label, uint64_t total, bool quiet);
    ~Progress();
    void update(uint64_t done);
    void finish();

private:
    std::string label_;
    uint64_t total_;
    bool quiet_, tty_, finished_ = false;
    bool logged_last_ = false;  // the line for done == total is out
    std::chrono::steady_clock::time_point start_, last_draw_;
};

class Heartbeat {
public:
    // "<what> (m:ss)", e.g. "The initramfs for 6.1.0-9 is still building (1:05)",
    // on a terminal each second, in a log every `log_every`.
    Heartbeat(std::string what, bool quiet, std::chrono::milliseconds log_every = std::chrono::milliseconds(5000));
    ~Heartbeat();
    Heartbeat(const Heartbeat&) = delete;
    Heartbeat& operator=(const Heartbeat&) = delete;
    // Call often (the runner does, every 200 ms at most); draws when due.
    void tick();

private:
    std::string what_;
    bool quiet_, tty_, drawn_ = false;
    std::chrono::milliseconds every_;
    std::chrono::steady_clock::time_point start_, last_draw_;
};

}  // namespace remaster
