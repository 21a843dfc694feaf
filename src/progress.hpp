// Progress of a long step: one updating line with done/total, rate and ETA on
// a terminal, a plain log line every few seconds and at the end otherwise,
// nothing with --quiet.
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

}  // namespace remaster
