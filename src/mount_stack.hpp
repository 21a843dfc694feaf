// Mounts made in sequence and undone in exactly the reverse sequence, which a
// plain std::vector<Mount> does not promise.
#pragma once

#include <vector>

#include "mount.hpp"

namespace remaster {

class MountStack {
public:
    MountStack() = default;
    MountStack(MountStack&&) = default;
    MountStack& operator=(MountStack&&) = delete;
    ~MountStack() { clear(); }

    const Mount& push(Mount m) {
        mounts_.push_back(std::move(m));
        return mounts_.back();
    }
    // Unmounts everything, newest first; never throws (Mount logs failures).
    void clear() noexcept {
        while (!mounts_.empty()) mounts_.pop_back();
    }
    // Unmounts everything, newest first, throwing on the first failure.
    void unmount_all() {
        while (!mounts_.empty()) {
            mounts_.back().unmount();
            mounts_.pop_back();
        }
    }
    bool empty() const { return mounts_.empty(); }

private:
    std::vector<Mount> mounts_;
};

}  // namespace remaster
