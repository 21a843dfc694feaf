// Adapt: the generic initramfs with our dracut module for one kernel of the
// view, copied from this machine's cache (initramfs_cache.hpp) when one was
// built from the same inputs, else built by the root's dracut in a chroot of
// the view and kept in the cache. A stick and an ISO get theirs this way.
#pragma once

#include <map>
#include <string>

#include "initramfs_cache.hpp"

namespace remaster {

class Runner;
class SnapshotDir;
class View;
struct Kernel;

class InitramfsBuilder {
public:
    // `datadir`: where our dracut module is; `cache_dir` "" for --no-cache;
    // `heartbeat`: say every few seconds that dracut is still building
    // (not when built beside the squash, which shows its own progress);
    // `netboot`: the initramfs of a netboot directory (dracut_command).
    InitramfsBuilder(View& view, std::string datadir, const std::string& cache_dir, Runner& runner,
                     bool heartbeat = true, bool netboot = false);

    // Writes the initramfs of `k` to `out` (outside the view). `inputs`: the
    // fingerprint of the files it is built from (layering.hpp
    // initramfs_fingerprint). Returns out's SHA-256, known from writing it
    // (or from the cache's check), so that nobody reads it back for one.
    std::string make(const Kernel& k, const std::string& inputs, const std::string& out);

    // A snapshot's boot files for `k`: its image copied to `kernel_name` in
    // `snap` and its initramfs made (make) as `initrd_name`. Returns both
    // files' SHA-256, by name, known without reading them back.
    std::map<std::string, std::string> write_boot_files(const Kernel& k, const std::string& inputs,
                                                        const SnapshotDir& snap, const std::string& kernel_name,
                                                        const std::string& initrd_name);

private:
    View& view_;
    std::string datadir_;
    InitramfsCache cache_;
    Runner& runner_;
    bool omit_resume_;
    bool heartbeat_;
    bool netboot_;
    bool chroot_ready_ = false;  // the view's chroot mounts and our module are in place
};

}  // namespace remaster
