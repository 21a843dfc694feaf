#include "file_lock.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "dir_stream.hpp"
#include "error.hpp"

namespace remaster {

FileLock FileLock::acquire(const std::string& path, Mode mode) {
    FileLock l;
    l.path_ = path;
    // Read-only and non-blocking: the lock needs no write access, and closing
    // a device opened for writing would send udev a change event.
    l.fd_ = open_or_throw(path.c_str(), O_RDONLY | O_NOCTTY | O_NONBLOCK);
    const int op = (mode == Mode::exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB;
    // udev probes a device under a shared lock for a moment after every
    // change (our own last run's, too): wait that out, but not a real user.
    for (int attempt = 0;; ++attempt) {
        if (::flock(l.fd_.get(), op) == 0) return l;
        if (errno != EWOULDBLOCK && errno != EINTR) throw_errno("lock '" + path + "'", errno);
        if (attempt == 20) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    struct stat st;
    const std::string holder = ::fstat(l.fd_.get(), &st) == 0 ? lock_holder(st) : "another process";
    throw Error(Exit::unsafe_target,
                "'" + path + "' is in use: " + holder + (holder.rfind("processes", 0) == 0 ? " hold" : " holds") +
                    " a lock on it" +
                    (mode == Mode::shared ? " to write it" : ""),
                "Wait until it is done (or stop it), then run again.");
}

namespace {

std::string comm_of(const std::string& pid) {
    std::string comm;
    std::ifstream f("/proc/" + pid + "/comm");
    std::getline(f, comm);
    return comm;
}

// Processes with an fd on the file whose fdinfo shows an flock: whoever
// holds the lock now, also a child that inherited it from the locker.
std::vector<std::string> fd_holders(const struct stat& st) {
    std::vector<std::string> out;
    const std::string self = std::to_string(::getpid());
    DirStream proc("/proc");
    while (const dirent* p = proc.next()) {
        const std::string pid = p->d_name;
        if (pid.find_first_not_of("0123456789") != std::string::npos || pid == self) continue;
        const std::string fds = "/proc/" + pid + "/fd";
        DirStream d(fds);
        bool holds = false;
        while (const dirent* e = d.next()) {
            struct stat fs;
            if (holds || e->d_name[0] == '.' || ::stat((fds + "/" + e->d_name).c_str(), &fs) != 0 ||
                fs.st_dev != st.st_dev || fs.st_ino != st.st_ino)
                continue;
            std::ifstream info("/proc/" + pid + "/fdinfo/" + e->d_name);
            std::string line;
            while (std::getline(info, line))
                if (line.rfind("lock:", 0) == 0 && line.find("FLOCK") != std::string::npos) holds = true;
        }
        if (holds) out.push_back(pid + " (" + comm_of(pid) + ")");
    }
    std::sort(out.begin(), out.end(), [](const std::string& a, const std::string& b) { return std::stol(a) < std::stol(b); });
    return out;
}

// The pid that took a lock on the file, from /proc/locks, while it lives.
// Lines look like "3: FLOCK  ADVISORY  WRITE 1234 07:03:456 0 EOF"; waiters
// have "->" after the number. Device numbers are in hex.
std::string locker(const struct stat& st) {
    std::ifstream locks("/proc/locks");
    std::string line;
    while (std::getline(locks, line)) {
        std::istringstream ls(line);
        std::string num, kind, advisory, access, id;
        long pid = 0;
        if (!(ls >> num >> kind) || kind == "->" || !(ls >> advisory >> access >> pid >> id)) continue;
        unsigned maj = 0, min = 0;
        unsigned long ino = 0;
        if (std::sscanf(id.c_str(), "%x:%x:%lu", &maj, &min, &ino) != 3) continue;
        if (maj != major(st.st_dev) || min != minor(st.st_dev) || ino != st.st_ino) continue;
        if (pid <= 0 || pid == ::getpid()) continue;
        const std::string comm = comm_of(std::to_string(pid));
        if (!comm.empty()) return std::to_string(pid) + " (" + comm + ")";
    }
    return "";
}

}  // namespace

std::string lock_holder(const struct stat& st) {
    const auto holders = fd_holders(st);
    if (holders.empty()) {
        const std::string l = locker(st);
        return l.empty() ? "another process" : "process " + l;
    }
    std::string out = holders.size() == 1 ? "process " : "processes ";
    for (size_t i = 0; i < holders.size() && i < 3; ++i) out += (i ? ", " : "") + holders[i];
    return out;
}

}  // namespace remaster
