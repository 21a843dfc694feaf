#include "initramfs_build.hpp"

#include <unistd.h>

#include <vector>

#include "boot_install.hpp"
#include "checksum.hpp"
#include "file_copy.hpp"
#include "initramfs_compress.hpp"
#include "log.hpp"
#include "medium.hpp"
#include "preflight.hpp"
#include "runner.hpp"
#include "view.hpp"

namespace remaster {

InitramfsBuilder::InitramfsBuilder(View& view, std::string datadir, const std::string& cache_dir, Runner& runner,
                                   bool heartbeat, bool netboot)
    : view_(view),
      datadir_(std::move(datadir)),
      cache_(cache_dir),
      runner_(runner),
      omit_resume_(dracut_has_module(view.path(), "resume")),
      heartbeat_(heartbeat),
      netboot_(netboot) {}

std::string InitramfsBuilder::make(const Kernel& k, const std::string& inputs, const std::string& out) {
    Command dracut = dracut_command(view_.path(), k.version, kInitramfsInView, omit_resume_,
                                    netboot_ ? netboot_dracut_modules(view_.path()) : "");
    const InitramfsCompression compression = initramfs_compression_for(view_.path(), k.version);
    std::vector<std::string> key_words = dracut.argv;
    key_words.push_back(std::string("compressed with ") + compression_name(compression));
    const std::string key = InitramfsCache::key(inputs, key_words);
    if (const auto sum = cache_.fetch(key, out)) {
        log::info() << "The initramfs for " << k.version << " was built from the same files before: taken from "
                    << cache_.image_path(key);
        return *sum;
    }
    if (!chroot_ready_) {
        view_.prepare_chroot();
        install_dracut_module(datadir_, view_.path());
        chroot_ready_ = true;
    }
    log::info() << "Building the initramfs for " << k.version << " (dracut, generic, " << compression_name(compression)
                << ") ...";
    // dracut says nothing about how far it is; silence looks like a hang.
    // Not beside the squash, whose progress line is on the same terminal.
    if (heartbeat_) dracut.still_running = "The initramfs for " + k.version + " is still building";
    runner_.run(dracut);
    const std::string sum = compress_initramfs(view_.at(kInitramfsInView), out, compression);
    ::unlink(view_.at(kInitramfsInView).c_str());  // 43 MB or more on the view's tmpfs
    cache_.store(key, out, sum);
    return sum;
}

std::map<std::string, std::string> InitramfsBuilder::write_boot_files(const Kernel& k, const std::string& inputs,
                                                                      const SnapshotDir& snap,
                                                                      const std::string& kernel_name,
                                                                      const std::string& initrd_name) {
    std::map<std::string, std::string> sums;
    sums[kernel_name] = sha256_file(view_.at(k.image));
    copy_file(view_.at(k.image), snap.file(kernel_name));
    sums[initrd_name] = make(k, inputs, snap.file(initrd_name));
    return sums;
}

}  // namespace remaster
