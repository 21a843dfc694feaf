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

namespace {

// "m:ss" until done at this rate, or "--:--" while there is no rate yet.
std::string eta(uint64_t done, uint64_t total, double rate) {
    if (rate <= 0 || total <= done) return "--:--";
    const long s = static_cast<long>((total - done) / rate);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%ld:%02ld", s / 60, s % 60);
    return buf;
}

}  // namespace

void Progress::update(uint64_t done) {
    if (quiet_) return;
    const auto now = std::chrono::steady_clock::now();
    const double secs = std::chrono::duration<double>(now - start_).count();
    const double rate = secs > 0 ? done / secs : 0;
    const int pct = total_ ? static_cast<int>(done * 100 / total_) : 100;
    // A terminal's line is redrawn ten times a second; a log (not a
    // terminal) gets a line every few seconds and one at the end.
    const auto every = tty_ ? std::chrono::milliseconds(100) : std::chrono::milliseconds(5000);
    const bool last = done >= total_;
    if ((now - last_draw_ < every && !last) || (last && logged_last_)) return;
    last_draw_ = now;
    logged_last_ = last;
    if (tty_)
        std::fprintf(stderr, "\r\033[K%s %3d%%  %s / %s  %s/s  ETA %s", label_.c_str(), pct, format_bytes(done).c_str(),
                     format_bytes(total_).c_str(), format_bytes(rate).c_str(), eta(done, total_, rate).c_str());
    else
        log::info() << label_ << " " << pct << "% (" << format_bytes(done) << " of " << format_bytes(total_) << ", "
                    << format_bytes(rate) << "/s, ETA " << eta(done, total_, rate) << ")";
}

void Progress::finish() {
    if (finished_) return;
    update(total_);
    finished_ = true;
    if (tty_ && !quiet_) std::fprintf(stderr, "\n");
}

}  // namespace remaster
