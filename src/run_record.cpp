#include "run_record.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <mutex>

#include "log.hpp"
#include "small_file.hpp"
#include "text.hpp"

namespace remaster {
namespace run_record {
namespace {

std::mutex mutex;
std::string current;  // the record file, "" when none

void append(const std::string& line) {
    std::lock_guard<std::mutex> lock(mutex);
    if (current.empty()) return;
    const int fd = ::open(current.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
    // Losing an entry only makes a later recovery less thorough; the run goes on.
    if (fd < 0) {
        log::debug() << "could not write '" << current << "': " << errno_string(errno);
        return;
    }
    if (::write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size()))
        log::debug() << "could not write '" << current << "': " << errno_string(errno);
    ::close(fd);
}

}  // namespace

std::string file_in(const std::string& runtime_dir) { return runtime_dir + "/record"; }

void open(const std::string& runtime_dir) {
    std::lock_guard<std::mutex> lock(mutex);
    current = file_in(runtime_dir);
}

void close() {
    std::lock_guard<std::mutex> lock(mutex);
    if (!current.empty() && ::unlink(current.c_str()) != 0 && errno != ENOENT)
        log::warn() << "could not remove '" << current << "': " << errno_string(errno);
    current.clear();
}

void add_group(pid_t pgid) {
    append("group " + std::to_string(pgid) + " " + std::to_string(process_start_time(pgid)) + "\n");
}

void add_temp(const std::string& path) {
    if (path.find('\n') == std::string::npos) append("temp " + path + "\n");
}

Entries read(const std::string& runtime_dir) {
    Entries e;
    std::optional<std::string> text;
    try {
        text = read_small_file(file_in(runtime_dir), {kConfigMax, false, "", Exit::failure});
    } catch (const Error& err) {
        log::warn() << err.what();
    }
    for (const std::string& line : split_lines(text.value_or(""))) {
        if (line.rfind("temp /", 0) == 0) {
            e.temps.push_back(line.substr(5));
        } else if (line.rfind("group ", 0) == 0) {
            char* end = nullptr;
            const long pgid = std::strtol(line.c_str() + 6, &end, 10);
            const unsigned long long start = std::strtoull(end, nullptr, 10);
            if (pgid > 1 && start > 0) e.groups.push_back({static_cast<pid_t>(pgid), start});
        }
    }
    return e;
}

unsigned long long process_start_time(pid_t pid) {
    std::optional<std::string> stat;
    try {
        stat = read_small_file("/proc/" + std::to_string(pid) + "/stat", {8192, true, "", Exit::failure});
    } catch (const Error&) {
        return 0;
    }
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so
    // count fields from the last ')'; starttime is field 22, the 20th after it.
    const size_t paren = stat ? stat->rfind(')') : std::string::npos;
    if (paren == std::string::npos) return 0;
    const char* p = stat->c_str() + paren + 1;
    for (int field = 3; field < 22; ++field) {
        while (*p == ' ') ++p;
        while (*p && *p != ' ') ++p;
    }
    return std::strtoull(p, nullptr, 10);
}

}  // namespace run_record
}  // namespace remaster
