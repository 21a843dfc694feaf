#include "netboot_output.hpp"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <ostream>

#include "boot_install.hpp"
#include "cpio_newc.hpp"
#include "error.hpp"
#include "file_copy.hpp"
#include "initramfs_build.hpp"
#include "log.hpp"
#include "mount.hpp"
#include "netboot_config.hpp"
#include "output_file.hpp"
#include "paths.hpp"
#include "plan.hpp"
#include "runner.hpp"
#include "small_file.hpp"
#include "stick_store.hpp"
#include "view.hpp"

namespace remaster {
namespace {

bool is_dir(const std::string& path) {
    struct stat st;
    return ::lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

void fsync_dir(const std::string& dir) {
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return;
    ::fsync(fd);
    ::close(fd);
}

}  // namespace

std::string netboot_stage_path(const std::string& dir) {
    const std::string parent = parent_path(dir);
    return child_path(parent, "." + dir.substr(dir.rfind('/') + 1) + ".remaster-new");
}

void remove_netboot_dir(const std::string& dir) {
    if (!is_dir(dir)) return;
    for (const auto& name : NetbootDir::all_files())
        for (const std::string& p : {dir + "/" + name, OutputFile::temp_name_for(dir + "/" + name)})
            if (::unlink(p.c_str()) != 0 && errno != ENOENT) throw_errno("remove '" + p + "'", errno);
    if (::rmdir(dir.c_str()) != 0)
        log::warn() << "left '" << dir << "' in place: it holds files that remaster did not write ("
                    << errno_string(errno) << ")";
}

NetbootStage::NetbootStage(std::string final_dir, const std::string& snapshot_id)
    : final_(std::move(final_dir)), dir_(netboot_stage_path(final_), snapshot_id) {
    remove_netboot_dir(dir_.root());  // left by a run that was killed
    if (::mkdir(dir_.root().c_str(), 0755) != 0) throw_errno("create '" + dir_.root() + "'", errno);
}

NetbootStage::~NetbootStage() {
    if (committed_) return;
    try {
        remove_netboot_dir(dir_.root());
    } catch (const std::exception& e) {
        log::warn() << "could not remove the unfinished netboot directory '" << dir_.root() << "': " << e.what();
    }
}

void NetbootStage::commit() {
    ::sync();  // every file is on the disk before the directory is published
    if (is_dir(final_)) {
        if (::renameat2(AT_FDCWD, dir_.root().c_str(), AT_FDCWD, final_.c_str(), RENAME_EXCHANGE) != 0)
            throw_errno("exchange '" + dir_.root() + "' with '" + final_ + "'", errno);
        committed_ = true;
        fsync_dir(parent_path(final_));
        remove_netboot_dir(dir_.root());  // the earlier directory, under the stage's name now
        return;
    }
    if (::rename(dir_.root().c_str(), final_.c_str()) != 0)
        throw_errno("rename '" + dir_.root() + "' to '" + final_ + "'", errno);
    committed_ = true;
    fsync_dir(parent_path(final_));
}

std::map<std::string, std::string> make_netboot_boot_files(View& view, const Plan& plan, const std::string& datadir,
                                                           const std::string& inputs, Runner& runner, const NetbootDir& dir,
                                                           const std::string& public_pem, bool heartbeat) {
    auto sums = InitramfsBuilder(view, datadir, plan.cache_dir, runner, heartbeat, true)
                    .write_boot_files(plan.stick.kernel, inputs, dir.snap(), SnapshotDir::kKernel, SnapshotDir::kInitrd);
    if (public_pem.empty()) return sums;
    sums.erase(SnapshotDir::kInitrd);  // changed below: read when SHA256SUMS is written
    append_public_key(dir.snap().initrd(), public_pem);
    return sums;
}

void append_public_key(const std::string& initrd, const std::string& public_pem) {
    append_to_initramfs(initrd, newc_archive({{"etc", 0040755, ""},
                                              {"etc/remaster", 0040755, ""},
                                              {NetbootDir::kPublicKeyInInitramfs, 0100644, public_pem}}));
}

void write_netboot_configs(const Plan& plan, const NetbootDir& dir) {
    const StickPlan& s = plan.stick;
    write_file_atomic(dir.ipxe(), ipxe_script(s.os_name, dir.snap().id(), s.kernel_args));
    write_file_atomic(dir.grub_cfg(), grub_netboot_cfg(s.os_name, dir.snap().id(), s.kernel_args));
}

std::string netboot_dir_refusal(const std::string& existing, const std::string& root) {
    if (!is_dir(existing)) return "'" + existing + "' exists and is not a directory";
    std::optional<std::string> text;
    try {
        text = read_small_file(NetbootDir::info_of(existing));
    } catch (const Error& e) {
        return "'" + existing + "' is not a netboot directory made by remaster (" + e.what() + ")";
    }
    const SnapshotInfo info = parse_snapshot_info("", text.value_or(""));
    if (!text || info.get(NetbootDir::kMediumField) != NetbootDir::kMediumValue)
        return "'" + existing + "' exists and is not a netboot directory made by remaster (no " + SnapshotDir::kInfo + " with " +
               NetbootDir::kMediumField + "=" + NetbootDir::kMediumValue + "): it is not replaced";
    if (info.get("root") != root)
        return "'" + existing + "' is the netboot directory of another system (root " + printable(info.get("root")) +
               ", not " + root + "): it is not replaced";
    return "";
}

void print_netboot_plan(const Plan& plan, std::ostream& os) {
    const StickPlan& s = plan.stick;
    os << "  adapter:   " << s.adapter->family() << " (" << printable(s.adapter_why) << "; " << printable(s.os_name)
       << ")\n";
    os << "  kernel:    " << s.kernel.version << " (" << s.kernel.image << "), the netboot's one kernel\n";
    os << "Netboot directory " << plan.netboot_out << " (written as " << netboot_stage_path(plan.netboot_out)
       << ", then renamed into place" << (is_dir(plan.netboot_out) ? ", replacing the earlier one" : "") << "):\n";
    const NetbootDir d("", s.snapshot_id);
    os << "  " << SnapshotDir::kImage << "  the system (squashfs)\n";
    os << "  " << SnapshotDir::kKernel << "  kernel " << s.kernel.version << "\n";
    os << "  " << SnapshotDir::kInitrd << "  generic initramfs with dracut's network module, curl"
       << (plan.sign_key.empty() ? "" : ", openssl and the public key of --sign-key") << "\n";
    os << "  " << SnapshotDir::kSums << "  SHA-256 of those three and of " << SnapshotDir::kInfo << "\n";
    if (!plan.sign_key.empty()) os << "  " << NetbootDir::kSignature << "  Ed25519 signature of " << SnapshotDir::kSums << "\n";
    os << "  " << SnapshotDir::kInfo << "  what the snapshot is (" << NetbootDir::kMediumField << "="
       << NetbootDir::kMediumValue << ")\n";
    os << "  " << NetbootDir::kIpxe << "  iPXE script\n";
    os << "  " << NetbootDir::kGrubCfg << "  GRUB netboot config\n";
    if (plan.sign_key.empty())
        os << "Unsigned: the boot checks only the SHA-256; anyone on the network path could substitute the system "
              "(--sign-key signs it)\n";
    os << "Commands:\n";
    os << "  " << format_command(dracut_command("<view>", s.kernel.version, kInitramfsInView,
                                               dracut_has_module(plan.root, "resume"),
                                               netboot_dracut_modules(plan.root))) << "\n";
    os << "Boot entry: kernel " << SnapshotDir::kKernel << " " << netboot_kernel_args("URL", s.kernel_args) << "\n";
}

}  // namespace remaster
