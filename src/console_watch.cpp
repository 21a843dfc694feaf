#include "console_watch.hpp"

#include <array>

namespace remaster {
namespace {

constexpr std::array<const char*, 8> kFailureSigns = {
    "remaster: live system did not start", "Warning: remaster:", "Kernel panic",
    "Entering emergency mode",             "emergency shell",    "You are in emergency mode",
    // Secure Boot refusing the loader: shim's message box, OVMF's boot manager.
    "Security Violation",                  "Access Denied"};

bool contains_nocase(const std::string& s, const std::string& what) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    for (size_t i = 0; i + what.size() <= s.size(); ++i) {
        size_t j = 0;
        while (j < what.size() && lower(s[i + j]) == lower(what[j])) ++j;
        if (j == what.size()) return true;
    }
    return false;
}

}  // namespace

std::string clean_console_line(const std::string& raw) {
    std::string out;
    for (size_t i = 0; i < raw.size(); ++i) {
        const unsigned char c = raw[i];
        if (c == 0x1b) {
            // CSI: ESC [ parameters... final byte in @..~; other escapes: one more byte.
            if (i + 1 < raw.size() && raw[i + 1] == '[') {
                i += 2;
                while (i < raw.size() && !(raw[i] >= '@' && raw[i] <= '~')) ++i;
            } else {
                ++i;
            }
            continue;
        }
        if (c == '\t') out += ' ';
        else if (c >= 0x20 && c != 0x7f) out += static_cast<char>(c);
    }
    return out;
}

namespace {

// A console line as a terminal would show it: a carriage return inside a
// line redraws it (systemd's "A start job is running" spinner), so what
// counts is the text after the last one.
std::string shown_line(std::string text) {
    while (!text.empty() && text.back() == '\r') text.pop_back();
    const size_t cr = text.rfind('\r');
    if (cr != std::string::npos) text.erase(0, cr + 1);
    return clean_console_line(text);
}

bool is_failure_sign(const std::string& text) {
    for (const char* sign : kFailureSigns)
        if (contains_nocase(text, sign)) return true;
    return false;
}

}  // namespace

void ConsoleWatcher::line(std::string raw) {
    const std::string text = shown_line(std::move(raw));
    if (text.find_first_not_of(' ') == std::string::npos) return;
    last_.push_back(text);
    if (last_.size() > kKeptLines) last_.pop_front();
    const bool ours = text.find("Warning: remaster:") != std::string::npos ||
                      text.find("remaster: live system") != std::string::npos;
    if (verdict_ == BootVerdict::failed && !ours_ && ours) {
        reason_ = text;
        ours_ = true;
    }
    if (verdict_ != BootVerdict::pending) return;
    if (text.find("remaster: live system up") != std::string::npos) {
        verdict_ = BootVerdict::up;
        reason_ = text;
        ours_ = true;
        return;
    }
    if (is_failure_sign(text)) {
        verdict_ = BootVerdict::failed;
        reason_ = text;
        ours_ = ours;
    }
}

BootVerdict ConsoleWatcher::feed(const std::string& chunk) {
    partial_ += chunk;
    size_t start = 0, nl;
    while ((nl = partial_.find('\n', start)) != std::string::npos) {
        line(partial_.substr(start, nl - start));
        start = nl + 1;
    }
    partial_.erase(0, start);
    // A console that never ends a line must not grow without bound.
    if (partial_.size() > 64 * 1024) {
        line(partial_);
        partial_.clear();
    }
    // Firmware and shim draw their refusals in a box and then wait, without
    // ending the line: a failure sign in the unfinished line decides too.
    if (verdict_ == BootVerdict::pending && !partial_.empty()) {
        const std::string shown = shown_line(partial_);
        if (is_failure_sign(shown)) {
            verdict_ = BootVerdict::failed;
            reason_ = shown;
        }
    }
    return verdict_;
}

BootVerdict ConsoleWatcher::finish() {
    if (!partial_.empty()) line(partial_);
    partial_.clear();
    return verdict_;
}

}  // namespace remaster
