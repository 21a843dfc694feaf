// A remaster stick, owned for as long as a command works on it: the lock on
// its device or image file, the new image file, the loop device an image is
// attached to (and its lock), and its data partition mounted in our runtime
// directory. They are members in that order, so they are released in
// reverse, on success, error and Ctrl-C alike. Once open, the stick is a
// Medium: it knows its layout and hands out its snapshot directories
// (medium.hpp); nobody else joins paths onto its mount point.
//
// A Stick is claimed before it is touched: its device or image file is
// locked (exclusive to write, shared to read; see file_lock.hpp) and refused
// when anything uses it (device_use.hpp: a mount of it or of a device built
// on it, anywhere), and the loop device attached to an image is locked too.
// The locks are held until the Stick is gone.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "file_lock.hpp"
#include "loop_device.hpp"
#include "medium.hpp"
#include "mount.hpp"
#include "output_file.hpp"
#include "partition.hpp"
#include "runner.hpp"
#include "runtime_dir.hpp"

namespace remaster {

enum class StickAccess {
    read,  // shared lock; a read-write mount elsewhere is refused, a read-only one is not;
           // the data partition mounted read-only, its journal not replayed
    write  // exclusive lock; any mount or swap on it is refused
};

class Stick : public Medium {
public:
    // Locks an existing target (device or image file) for `access`. Throws
    // Error(Exit::unsafe_target) naming the holder. The plan takes it this
    // way so that it holds the stick from its first look to the end of the run.
    static std::shared_ptr<FileLock> lock(const std::string& target, StickAccess access);

    // The data partition's filesystem UUID if `target` (a block device, or
    // an image file) is a remaster stick, else "". Reads only; claims the
    // target for writing (`held`: its lock, taken by the plan).
    static std::string probe(const std::string& target, bool image_file, std::shared_ptr<FileLock> held = {});

    // An existing stick, its data partition mounted below `run`. Throws
    // Error(bad_input) when the target is no remaster stick,
    // Error(unsafe_target) when `expect_uuid` is given and the stick's
    // differs (it changed since the plan), or when it is locked or in use.
    // `held`: the target's lock taken earlier (by the plan).
    static std::unique_ptr<Stick> open(const std::string& target, StickAccess access, RuntimeDir& run,
                                       const std::string& expect_uuid = "", std::shared_ptr<FileLock> held = {});

    struct Size {
        uint64_t image = 0;    // a new image file's size (sparse)
        uint64_t minimum = 0;  // the least a device must hold
    };
    // A new stick: the device as it is (already confirmed for wiping), or a
    // new image file under a temporary name beside `target`; partitioned,
    // formatted (through `runner`) and mounted below `run`. `held`: the
    // target's lock taken earlier (by the plan); otherwise it is taken here.
    static std::unique_ptr<Stick> create(const std::string& target, bool image_file, const Size& size, Runner& runner,
                                         RuntimeDir& run, std::shared_ptr<FileLock> held = {});

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
    // Locks the target (unless `held`) and throws if anything uses it.
    void claim(StickAccess access, std::shared_ptr<FileLock> held);
    void attach(bool image_file, StickAccess access);
    void mount_data(RuntimeDir& run, StickAccess access);

    std::string target_;
    std::shared_ptr<FileLock> target_lock_;  // released last
    std::unique_ptr<OutputFile> image_;      // a new image file: removed after the loop device is detached
    LoopDevice loop_;
    FileLock loop_lock_;  // released before the loop device is detached
    std::string disk_, uuid_;
    Mount data_;  // unmounted first
};

}  // namespace remaster
