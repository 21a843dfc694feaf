#include "log.hpp"

#include <cstdio>
#include <mutex>

namespace remaster::log {
namespace {
bool g_quiet = false;
bool g_verbose = false;
std::mutex g_mutex;
}  // namespace

void set_quiet(bool q) { g_quiet = q; }
void set_verbose(bool v) { g_verbose = v; }
bool quiet() { return g_quiet; }

void write(Level level, const std::string& msg) {
    if (level == Level::debug && !g_verbose) return;
    if (level == Level::info && g_quiet) return;
    const char* prefix = level == Level::warn ? "remaster: warning: "
                         : level == Level::error ? "remaster: error: "
                                                 : "remaster: ";
    std::lock_guard<std::mutex> lock(g_mutex);
    std::fprintf(stderr, "%s%s\n", prefix, msg.c_str());
}

}  // namespace remaster::log
