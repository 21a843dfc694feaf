#include "recovery.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "error.hpp"
#include "fd.hpp"
#include "log.hpp"
#include "loop_device.hpp"
#include "partition.hpp"
#include "paths.hpp"
#include "runtime_dir.hpp"
#include "system_mounts.hpp"

namespace remaster {
namespace {

bool process_alive(int pid) { return ::kill(pid, 0) == 0 || errno == EPERM; }

void unmount_below(const std::string& dir) {
    std::vector<std::string> targets;
    for (const auto& m : read_mount_table())
        if (path_below(m.target, dir, true)) targets.push_back(m.target);
    // Deepest first; a mount point listed twice is unmounted twice.
    std::stable_sort(targets.begin(), targets.end(),
                     [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
    for (const auto& t : targets)
        if (::umount2(t.c_str(), UMOUNT_NOFOLLOW) != 0 && ::umount2(t.c_str(), MNT_DETACH) != 0)
            log::warn() << "could not unmount '" << t << "' left by a killed run: " << errno_string(errno)
                        << "; try: umount -l '" << t << "'";
}

void detach_loops_of(int pid) {
    const std::string tag = loop_tag(pid);
    DIR* d = ::opendir("/sys/block");
    if (!d) return;
    while (dirent* e = ::readdir(d)) {
        const std::string name = e->d_name;
        if (name.rfind("loop", 0) != 0) continue;
        Fd fd(::open(("/dev/" + name).c_str(), O_RDWR | O_CLOEXEC));
        struct loop_info64 info;
        std::memset(&info, 0, sizeof info);
        if (!fd || ::ioctl(fd.get(), LOOP_GET_STATUS64, &info) != 0) continue;
        if (tag != reinterpret_cast<const char*>(info.lo_file_name)) continue;
        std::string backing;
        std::getline(std::ifstream("/sys/block/" + name + "/loop/backing_file"), backing);
        try {
            drop_kernel_partitions("/dev/" + name);  // or they outlive the device
        } catch (const Error& e) {
            log::debug() << e.what();
        }
        if (::ioctl(fd.get(), LOOP_CLR_FD, 0) != 0) {
            log::warn() << "could not detach /dev/" << name << " left by a killed run; try: losetup -d /dev/" << name;
            continue;
        }
        log::info() << "Detached /dev/" << name << " left by a killed run (" << backing << ")";
        // A half-written image under our temporary name is worthless.
        const std::string suffix = ".remaster-" + std::to_string(pid) + ".tmp";
        if (backing.size() > suffix.size() && backing.compare(backing.size() - suffix.size(), suffix.size(), suffix) == 0 &&
            ::unlink(backing.c_str()) == 0)
            log::info() << "Removed the unfinished image " << backing;
    }
    ::closedir(d);
}

// Removes the (now unmounted, empty) directories of a run; never recursive
// through anything that could still be a mount.
void remove_dirs(const std::string& dir) {
    if (DIR* d = ::opendir(dir.c_str())) {
        std::vector<std::string> subdirs;
        while (dirent* e = ::readdir(d)) {
            const std::string n = e->d_name;
            if (n != "." && n != ".." && e->d_type == DT_DIR) subdirs.push_back(dir + "/" + n);
        }
        ::closedir(d);
        for (const auto& s : subdirs) remove_dirs(s);
    }
    if (::rmdir(dir.c_str()) != 0 && errno != ENOENT)
        log::warn() << "could not remove '" << dir << "' left by a killed run: " << errno_string(errno);
}

}  // namespace

int recover_stale_runs() {
    const std::string base = RuntimeDir::base();
    DIR* d = ::opendir(base.c_str());
    if (!d) return 0;
    std::vector<int> dead;
    while (dirent* e = ::readdir(d)) {
        char* end = nullptr;
        const long pid = std::strtol(e->d_name, &end, 10);
        if (pid > 0 && *end == '\0' && pid != ::getpid() && !process_alive(static_cast<int>(pid)))
            dead.push_back(static_cast<int>(pid));
    }
    ::closedir(d);
    for (int pid : dead) {
        const std::string dir = base + "/" + std::to_string(pid);
        log::info() << "Cleaning up after a killed run (pid " << pid << ")";
        unmount_below(dir);
        detach_loops_of(pid);
        remove_dirs(dir);
    }
    return static_cast<int>(dead.size());
}

}  // namespace remaster
