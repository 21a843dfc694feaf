// Wall time per pipeline phase (view, scan, squash, initramfs, install...),
// printed with --timings so the slow phase is visible.
#pragma once

#include <chrono>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

namespace remaster {

class PhaseClock {
public:
    // Ends the running phase (if any) and starts `name`.
    void start(const std::string& name) {
        stop();
        current_ = name;
        since_ = std::chrono::steady_clock::now();
    }
    void stop() {
        if (current_.empty()) return;
        phases_.emplace_back(current_, std::chrono::duration<double>(std::chrono::steady_clock::now() - since_).count());
        current_.clear();
    }
    // A phase that ran on another thread beside `during`: listed with its
    // own time after the total, which it is not part of.
    void beside(const std::string& name, double secs, const std::string& during) {
        char buf[160];
        std::snprintf(buf, sizeof buf, "; %s %.1f s beside the %s", name.c_str(), secs, during.c_str());
        notes_ += buf;
    }
    const std::vector<std::pair<std::string, double>>& phases() const { return phases_; }
    // "view 0.1 s, scan 1.2 s, squash 9.8 s, ... total 61.0 s; initramfs 9.5 s beside the squash"
    std::string summary() const {
        std::string s;
        double total = 0;
        char buf[64];
        for (const auto& [name, secs] : phases_) {
            std::snprintf(buf, sizeof buf, "%s %.1f s, ", name.c_str(), secs);
            s += buf;
            total += secs;
        }
        std::snprintf(buf, sizeof buf, "total %.1f s", total);
        return s + buf + notes_;
    }

private:
    std::string current_;
    std::chrono::steady_clock::time_point since_;
    std::vector<std::pair<std::string, double>> phases_;
    std::string notes_;
};

}  // namespace remaster
