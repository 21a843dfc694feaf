#include "open_stick.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include "device_use.hpp"
#include "error.hpp"
#include "recovery.hpp"
#include "system_mounts.hpp"

namespace remaster {

OpenStick::OpenStick(const std::string& target, StickAccess access) {
    if (::geteuid() != 0)
        throw Error(Exit::bad_input, "remaster must run as root to open '" + target + "'", "Run it with sudo.");
    // Probing re-registers a loop device's partitions: never under a mount.
    struct stat st;
    if (::stat(target.c_str(), &st) == 0 && S_ISBLK(st.st_mode))
        for (const auto& use : device_uses(target, live_device_system(read_mount_table())))
            throw Error(Exit::unsafe_target, "The stick '" + target + "' is in use: " + use, "Unmount it first.");
    recover_stale_runs();
    run_ = std::make_unique<RuntimeDir>();
    stick_ = Stick::open(target, access, *run_);
}

}  // namespace remaster
