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
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "dir_stream.hpp"
#include "error.hpp"
#include "fd.hpp"
#include "log.hpp"
#include "loop_device.hpp"
#include "partition.hpp"
#include "paths.hpp"
#include "run_record.hpp"
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
    DirStream d("/sys/block");
    while (const dirent* e = d.next()) {
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
}

// The processes whose root directory lies below `dir`: the commands a run
// started in a chroot of its view, and everything they started. Nobody else
// has a root there.
std::vector<pid_t> processes_rooted_below(const std::string& dir) {
    std::vector<pid_t> out;
    DirStream d("/proc");
    while (const dirent* e = d.next()) {
        char* end = nullptr;
        const long pid = std::strtol(e->d_name, &end, 10);
        if (pid <= 0 || *end != '\0' || pid == ::getpid()) continue;
        char root[4096];
        const ssize_t n = ::readlink(("/proc/" + std::string(e->d_name) + "/root").c_str(), root, sizeof root - 1);
        if (n > 0 && path_below(std::string(root, static_cast<size_t>(n)), dir, true)) out.push_back(static_cast<pid_t>(pid));
    }
    return out;
}

// Kills what a dead run started and is still running (its children died
// with it by PR_SET_PDEATHSIG; their children did not): every process group
// it recorded whose leader is still the process it started, and every
// process chrooted into its view. They must go before its mounts can.
void kill_processes_of(int pid, const std::string& dir, const run_record::Entries& record) {
    bool killed = false;
    std::vector<pid_t> groups, processes;
    for (const auto& g : record.groups)
        if (run_record::process_start_time(g.pgid) == g.start_time && ::getpgid(g.pgid) == g.pgid &&
            ::kill(-g.pgid, SIGKILL) == 0) {
            log::info() << "Killed the process group " << g.pgid << " left running by a killed run (pid " << pid << ")";
            groups.push_back(g.pgid);
            killed = true;
        }
    // Twice: a process may have forked while we looked.
    for (int pass = 0; pass < 2; ++pass)
        for (pid_t p : processes_rooted_below(dir))
            if (::kill(p, SIGKILL) == 0) {
                log::info() << "Killed process " << p << ", left running in the view of a killed run (pid " << pid << ")";
                processes.push_back(p);
                killed = true;
            }
    // The kernel frees their root and cwd only once they are gone; a killed
    // process is gone only once its new parent (init) has reaped it: until
    // then it is a zombie that still counts as a member of its group.
    auto any_left = [&] {
        for (pid_t g : groups)
            if (::kill(-g, 0) == 0) return true;
        for (pid_t p : processes)
            if (::kill(p, 0) == 0) return true;
        return false;
    };
    for (int i = 0; killed && i < 50 && (!processes_rooted_below(dir).empty() || any_left()); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
}

// Removes the temporary files a dead run recorded, those only that still
// have our temporary name with its pid (".NAME.remaster-PID.tmp") and are
// regular files: a record is a hint, not a licence to delete.
void remove_temps_of(int pid, const run_record::Entries& record) {
    const std::string suffix = ".remaster-" + std::to_string(pid) + ".tmp";
    for (const auto& path : record.temps) {
        const std::string name = path.substr(path.rfind('/') + 1);
        if (name.size() <= suffix.size() + 1 || name[0] != '.' ||
            name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0)
            continue;
        struct stat st;
        if (::lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
        if (::unlink(path.c_str()) == 0)
            log::info() << "Removed the unfinished file " << path << " of a killed run";
        else
            log::warn() << "could not remove '" << path << "' left by a killed run: " << errno_string(errno);
    }
}

// Removes the (now unmounted, empty) directories of a run; never recursive
// through anything that could still be a mount.
void remove_dirs(const std::string& dir) {
    std::vector<std::string> subdirs;
    {
        DirStream d(dir);  // closed before recursing: one fd per level at most
        while (const dirent* e = d.next())
            if (e->d_type == DT_DIR) subdirs.push_back(dir + "/" + e->d_name);
    }
    for (const auto& s : subdirs) remove_dirs(s);
    if (::rmdir(dir.c_str()) != 0 && errno != ENOENT)
        log::warn() << "could not remove '" << dir << "' left by a killed run: " << errno_string(errno);
}

}  // namespace

int recover_stale_runs() {
    const std::string base = RuntimeDir::base();
    std::vector<int> dead;
    DirStream d(base);
    while (const dirent* e = d.next()) {
        char* end = nullptr;
        const long pid = std::strtol(e->d_name, &end, 10);
        if (pid > 0 && *end == '\0' && pid != ::getpid() && !process_alive(static_cast<int>(pid)))
            dead.push_back(static_cast<int>(pid));
    }
    d.close();
    for (int pid : dead) {
        const std::string dir = base + "/" + std::to_string(pid);
        log::info() << "Cleaning up after a killed run (pid " << pid << ")";
        const run_record::Entries record = run_record::read(dir);
        kill_processes_of(pid, dir, record);
        unmount_below(dir);
        detach_loops_of(pid);
        remove_temps_of(pid, record);
        if (::unlink(run_record::file_in(dir).c_str()) != 0 && errno != ENOENT)
            log::warn() << "could not remove '" << run_record::file_in(dir) << "': " << errno_string(errno);
        remove_dirs(dir);
    }
    return static_cast<int>(dead.size());
}

}  // namespace remaster
