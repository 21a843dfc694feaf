// Reads a booting machine's serial console line by line and decides whether
// the live system came up. The signs, in the order they are checked on each
// line:
//   up      "remaster: live system up (STATE)": the dracut module's
//           remaster-ready unit, once systemd reached its default target
//           (running, or degraded: a unit failed but the system is usable)
//   failed  "remaster: live system did not start (STATE)" (same unit),
//           "Warning: remaster: ..." (the module's own failures, through
//           dracut's warn), "Kernel panic", dracut's "Entering emergency
//           mode" and "emergency shell", systemd's "You are in emergency mode"
// The module's plain "remaster: ..." lines are progress, not failures.
#pragma once

#include <deque>
#include <string>

namespace remaster {

enum class BootVerdict { pending, up, failed };

class ConsoleWatcher {
public:
    // Feeds console output as it arrives, in any pieces. Returns the verdict
    // so far; once decided it no longer changes.
    BootVerdict feed(const std::string& chunk);
    // The whole console is over (QEMU ended): an unfinished last line counts.
    BootVerdict finish();

    BootVerdict verdict() const { return verdict_; }
    // The line that decided the verdict, without escape sequences; after a
    // generic sign (emergency shell, panic), the module's own "Warning:
    // remaster:" line when one follows: it says why.
    const std::string& reason() const { return reason_; }
    // Whether reason() is the module's or the unit's own line.
    bool reason_is_ours() const { return ours_; }
    // The last `kKeptLines` complete lines, without escape sequences.
    const std::deque<std::string>& last_lines() const { return last_; }
    static constexpr size_t kKeptLines = 20;

private:
    void line(std::string text);

    BootVerdict verdict_ = BootVerdict::pending;
    std::string reason_, partial_;
    bool ours_ = false;
    std::deque<std::string> last_;
};

// A console line without carriage returns, ANSI escape sequences (GRUB's
// menu, systemd's colours) and other control characters.
std::string clean_console_line(const std::string& raw);

}  // namespace remaster
