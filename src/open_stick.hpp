// A stick opened for one command on it (list, remove, profile, verify,
// update): as root, refused while in use, after cleaning up what killed
// runs left, its data partition mounted in this run's directory. The runtime
// directory is declared first, so it is removed last.
#pragma once

#include <memory>
#include <string>

#include "runtime_dir.hpp"
#include "stick.hpp"

namespace remaster {

class OpenStick {
public:
    OpenStick(const std::string& target, StickAccess access);
    Stick* operator->() const { return stick_.get(); }
    const Stick& operator*() const { return *stick_; }

private:
    std::unique_ptr<RuntimeDir> run_;
    std::unique_ptr<Stick> stick_;
};

}  // namespace remaster
