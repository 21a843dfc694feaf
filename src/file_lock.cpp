#include "file_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

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
                "'" + path + "' is in use: " + holder + " holds a lock on it" +
                    (mode == Mode::shared ? " to write it" : ""),
                "Wait until it is done (or stop it), then run again.");
}

std::string lock_holder(const struct stat& st) {
    // Lines look like "3: FLOCK  ADVISORY  WRITE 1234 07:03:456 0 EOF";
    // waiters have "->" after the number. Device numbers are in hex.
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
        // The pid is the one that took the lock; when it is gone, a child that
        // inherited the fd holds it, and we cannot tell which.
        std::string comm;
        std::ifstream f("/proc/" + std::to_string(pid) + "/comm");
        if (std::getline(f, comm) && !comm.empty()) return "process " + std::to_string(pid) + " (" + comm + ")";
    }
    return "another process";
}

}  // namespace remaster
