// A remaster stick, owned for as long as a command works on it: the image
// file or the device, the loop device an image is attached to, and its data
// partition mounted in our runtime directory. They are members in that
// order, so they are released in reverse, on success, error and Ctrl-C
// alike. Once open, the stick is a Medium: it knows its layout and hands out
// its snapshot directories (medium.hpp); nobody else joins paths onto its
// mount point.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "loop_device.hpp"
#include "medium.hpp"
#include "mount.hpp"
#include "output_file.hpp"
#include "partition.hpp"
#include "runner.hpp"
#include "runtime_dir.hpp"

namespace remaster {

enum class StickAccess {
    read,  // looked at: the data partition mounted read-only, its journal not replayed
    write  // changed in place
};

class Stick : public Medium {
public:
    // The data partition's filesystem UUID if `target` (a block device, or
    // an image file) is a remaster stick, else "". Reads only.
    static std::string probe(const std::string& target, bool image_file);

    // An existing stick, its data partition mounted below `run`. Throws
    // Error(bad_input) when the target is no remaster stick,
    // Error(unsafe_target) when `expect_uuid` is given and the stick's
    // differs (it changed since the plan).
    static std::unique_ptr<Stick> open(const std::string& target, StickAccess access, RuntimeDir& run,
                                       const std::string& expect_uuid = "");

    struct Size {
        uint64_t image = 0;    // a new image file's size (sparse)
        uint64_t minimum = 0;  // the least a device must hold
    };
    // A new stick: the device as it is (already confirmed for wiping), or a
    // new image file under a temporary name beside `target`; partitioned,
    // formatted (through `runner`) and mounted below `run`.
    static std::unique_ptr<Stick> create(const std::string& target, bool image_file, const Size& size, Runner& runner,
                                         RuntimeDir& run);

    Stick(const Stick&) = delete;
    Stick& operator=(const Stick&) = delete;
    ~Stick() override = default;

    const std::string& target() const { return target_; }  // as the user named it
    const std::string& disk() const { return disk_; }      // the device or the loop device
    std::string partition(int n) const { return partition_path(disk_, n); }
    const std::string& uuid() const { return uuid_; }      // the data partition's filesystem UUID

    // Unmounts the data partition (reporting a failure), syncs, and for an
    // image file detaches the loop device and gives the file its name.
    void close();

private:
    explicit Stick(std::string target) : target_(std::move(target)) {}
    void attach(bool image_file);
    void mount_data(RuntimeDir& run, StickAccess access);

    std::string target_;
    std::unique_ptr<OutputFile> image_;  // a new image file: removed last unless committed
    LoopDevice loop_;
    std::string disk_, uuid_;
    Mount data_;  // unmounted first
};

}  // namespace remaster
