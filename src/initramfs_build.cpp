#include "initramfs_build.hpp"

#include "boot_install.hpp"
#include "file_copy.hpp"
#include "log.hpp"
#include "preflight.hpp"
#include "runner.hpp"
#include "view.hpp"

namespace remaster {

InitramfsBuilder::InitramfsBuilder(View& view, std::string datadir, const std::string& cache_dir, Runner& runner)
    : view_(view),
      datadir_(std::move(datadir)),
      cache_(cache_dir),
      runner_(runner),
      omit_resume_(dracut_has_module(view.path(), "resume")) {}

void InitramfsBuilder::make(const Kernel& k, const std::string& inputs, const std::string& out) {
    Command dracut = dracut_command(view_.path(), k.version, kInitramfsInView, omit_resume_);
    const std::string key = InitramfsCache::key(inputs, dracut.argv);
    if (cache_.fetch(key, out)) {
        log::info() << "The initramfs for " << k.version << " was built from the same files before: taken from "
                    << cache_.image_path(key);
        return;
    }
    if (!chroot_ready_) {
        view_.prepare_chroot();
        install_dracut_module(datadir_, view_.path());
        chroot_ready_ = true;
    }
    log::info() << "Building the initramfs for " << k.version << " (dracut, generic) ...";
    // dracut says nothing about how far it is; a minute or more of silence
    // looks like a hang.
    dracut.still_running = "The initramfs for " + k.version + " is still building";
    runner_.run(dracut);
    copy_file(view_.at(kInitramfsInView), out);
    cache_.store(key, out);
}

}  // namespace remaster
