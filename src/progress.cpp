#include "progress.hpp"

#include <unistd.h>

#include <cstdio>

#include "bytes.hpp"
#include "log.hpp"

namespace remaster {

Progress::Progress(std::string label, uint64_t total, bool quiet)
    : label_(std::move(label)), total_(total), quiet_(quiet), tty_(::isatty(2) == 1),
      start_(std::chrono::steady_clock::now()), last_draw_(start_) {}

Progress::~Progress() {
    if (tty_ && !quiet_ && !finished_) std::fprintf(stderr, "\n");
}

void Progress::update(uint64_t done) {
    if (quiet_) return;
    const auto now = std::chrono::steady_clock::now();
    const double secs = std::chrono::duration<double>(now - start_).count();
    const double rate = secs > 0 ? done / secs : 0;
    const int pct = total_ ? static_cast<int>(done * 100 / total_) : 100;
    if (tty_) {
        if (now - last_draw_ < std::chrono::milliseconds(100) && done < total_) return;
        last_draw_ = now;
        char eta[32] = "--:--";
        if (rate > 0 && total_ > done) {
            long s = static_cast<long>((total_ - done) / rate);
            std::snprintf(eta, sizeof eta, "%ld:%02ld", s / 60, s % 60);
        }
        std::fprintf(stderr, "\r\033[K%s %3d%%  %s / %s  %s/s  ETA %s", label_.c_str(), pct,
                     format_bytes(done).c_str(), format_bytes(total_).c_str(), format_bytes(rate).c_str(), eta);
    } else if (pct / 10 > last_decile_) {
        last_decile_ = pct / 10;
        log::info() << label_ << " " << pct << "% (" << format_bytes(done) << " of " << format_bytes(total_) << ")";
    }
}

void Progress::finish() {
    if (finished_) return;
    update(total_);
    finished_ = true;
    if (tty_ && !quiet_) std::fprintf(stderr, "\n");
}

}  // namespace remaster
