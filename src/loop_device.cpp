#include "loop_device.hpp"

#include <fcntl.h>
#include <linux/loop.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include "error.hpp"
#include "log.hpp"
#include "partition.hpp"

namespace remaster {

std::string loop_tag(int pid) { return "remaster-" + std::to_string(pid); }

LoopDevice LoopDevice::attach(const std::string& file) {
    Fd ctl = open_or_throw("/dev/loop-control", O_RDWR);
    Fd backing = open_or_throw(file.c_str(), O_RDWR);
    // Another process may grab the same free device between the two calls: retry.
    for (int attempt = 0; attempt < 10; ++attempt) {
        int n = ::ioctl(ctl.get(), LOOP_CTL_GET_FREE);
        if (n < 0) throw_errno("find a free loop device", errno);
        LoopDevice dev;
        dev.path_ = "/dev/loop" + std::to_string(n);
        dev.fd_ = open_or_throw(dev.path_.c_str(), O_RDWR);
        struct loop_config cfg;
        std::memset(&cfg, 0, sizeof cfg);
        cfg.fd = static_cast<unsigned>(backing.get());
        // Tagged with our pid: a later run can tell which loop devices a killed
        // run left behind (sysfs still shows the real backing file).
        const std::string tag = loop_tag(::getpid());
        std::strncpy(reinterpret_cast<char*>(cfg.info.lo_file_name), tag.c_str(), LO_NAME_SIZE - 1);
        if (::ioctl(dev.fd_.get(), LOOP_CONFIGURE, &cfg) == 0) {
            log::debug() << "attached " << file << " to " << dev.path_;
            return dev;
        }
        if (errno != EBUSY) throw_errno("attach '" + file + "' to " + dev.path_, errno);
        dev.path_.clear();
    }
    throw Error(Exit::failure, "Failed to attach '" + file + "' to a loop device: all candidates were busy");
}

void LoopDevice::detach() {
    if (path_.empty()) return;
    // Partitions added with BLKPG outlive the loop device otherwise and would
    // confuse its next user.
    try {
        drop_kernel_partitions(path_);
    } catch (const Error& e) {
        log::debug() << e.what();
    }
    int err = 0;
    // A just-unmounted partition may hold the device for a moment.
    for (int i = 0; i < 50; ++i) {
        if (::ioctl(fd_.get(), LOOP_CLR_FD, 0) == 0) {
            log::debug() << "detached " << path_;
            path_.clear();
            fd_.reset();
            return;
        }
        err = errno;
        if (err != EBUSY) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (err == ENXIO) {  // already detached
        path_.clear();
        fd_.reset();
        return;
    }
    throw_errno("detach " + path_, err);
}

LoopDevice::~LoopDevice() { release_noexcept(); }

void LoopDevice::release_noexcept() noexcept {
    if (path_.empty()) return;
    try {
        detach();
    } catch (const std::exception& e) {
        // LO_FLAGS_AUTOCLEAR detaches it as soon as the last user closes it.
        struct loop_info64 info;
        std::memset(&info, 0, sizeof info);
        if (::ioctl(fd_.get(), LOOP_GET_STATUS64, &info) == 0) {
            info.lo_flags |= LO_FLAGS_AUTOCLEAR;
            ::ioctl(fd_.get(), LOOP_SET_STATUS64, &info);
        }
        log::warn() << e.what() << "; it will detach itself once no longer used";
        path_.clear();
        fd_.reset();
    }
}

}  // namespace remaster
