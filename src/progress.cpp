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

std::string minutes(long s) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%ld:%02ld", s / 60, s % 60);
    return buf;
}

// "m:ss" until done at this rate, or "--:--" while there is no rate yet.
std::string eta(uint64_t done, uint64_t total, double rate) {
    if (rate <= 0 || total <= done) return "--:--";
    return minutes(static_cast<long>((total - done) / rate));
}

// As often as Progress: a terminal's line is redrawn; a log (not a terminal)
// gets a line every few seconds, so a captured run is not flooded.
std::chrono::milliseconds redraw_interval(bool tty) {
    return tty ? std::chrono::milliseconds(100) : std::chrono::milliseconds(5000);
}

}  // namespace

void Progress::update(uint64_t done) {
    if (quiet_) return;
    const auto now = std::chrono::steady_clock::now();
    const double secs = std::chrono::duration<double>(now - start_).count();
    const double rate = secs > 0 ? done / secs : 0;
    const int pct = total_ ? static_cast<int>(done * 100 / total_) : 100;
    // Ten times a second on a terminal; every few seconds and once at the
    // end in a log.
    const auto every = redraw_interval(tty_);
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

Heartbeat::Heartbeat(std::string what, bool quiet, std::chrono::milliseconds log_every)
    : what_(std::move(what)), quiet_(quiet), tty_(::isatty(2) == 1), every_(tty_ ? std::chrono::milliseconds(1000) : log_every),
      start_(std::chrono::steady_clock::now()), last_draw_(start_) {}

Heartbeat::~Heartbeat() {
    if (tty_ && drawn_) std::fprintf(stderr, "\n");
}

void Heartbeat::tick() {
    if (quiet_) return;
    const auto now = std::chrono::steady_clock::now();
    // Whole seconds are all it shows, so a terminal needs no more than one
    // redraw a second.
    if (now - last_draw_ < every_) return;
    last_draw_ = now;
    drawn_ = true;
    const std::string elapsed = minutes(static_cast<long>(std::chrono::duration<double>(now - start_).count()));
    if (tty_)
        std::fprintf(stderr, "\r\033[K%s (%s)", what_.c_str(), elapsed.c_str());
    else
        log::info() << what_ << " (" << elapsed << ")";
}

}  // namespace remaster
