#include "iso_output.hpp"

#include <sys/statvfs.h>
#include <unistd.h>

#include <ostream>

#include "bytes.hpp"
#include "checksum.hpp"
#include "error.hpp"
#include "file_copy.hpp"
#include "initramfs_build.hpp"
#include "iso_image.hpp"
#include "iso_menu.hpp"
#include "log.hpp"
#include "paths.hpp"
#include "plan.hpp"
#include "progress.hpp"
#include "runner.hpp"
#include "stick_menu.hpp"
#include "view.hpp"

namespace remaster {
namespace {

// The label: shown by file managers and blkid, never used to find the ISO
// (two ISOs share it); the UUID is what the boot side looks for.
constexpr const char* kVolumeId = "REMASTER";

uint64_t free_bytes(const std::string& dir) {
    struct statvfs vfs;
    if (::statvfs(dir.c_str(), &vfs) != 0) throw_errno("look at the free space in '" + dir + "'", errno);
    return static_cast<uint64_t>(vfs.f_bavail) * vfs.f_frsize;
}

}  // namespace

std::string iso_squashfs_name(const std::string& iso_out) { return iso_out + ".squashfs"; }

IsoStage::IsoStage(RuntimeDir& run, const std::string& iso_out, const std::string& snapshot_id, const std::string& view)
    : squashfs_(iso_squashfs_name(iso_out)),
      tmpfs_(Mount::mount("remaster-iso", run.make_dir("iso"), "tmpfs", "mode=0700")),
      paths_{view, tmpfs_.target()},
      medium_(paths_.tree()),
      snap_(medium_.make_snapshot_dir(snapshot_id)),
      uuid_(iso_uuid_for(snapshot_id)) {
    // The squashfs in the tree is a link to its temporary; libisofs follows it.
    if (::symlink(absolute_path(squashfs_.temp_path()).c_str(), snap_.image().c_str()) != 0)
        throw_errno("link the squashfs into the ISO's tree", errno);
}

void check_iso_space(const std::string& iso_out, uint64_t bytes, const std::string& what) {
    const std::string dir = parent_path(iso_out);
    const uint64_t have = free_bytes(dir);
    if (have < bytes)
        throw Error(Exit::no_space,
                    "Not enough space in '" + dir + "' for " + what + ": it needs about " + format_bytes(bytes) + ", " +
                        format_bytes(have) + " is free; nothing was written",
                    "Free space there, or write it to another filesystem.");
}

std::map<std::string, std::string> make_iso_boot_files(View& view, const Plan& plan, const std::string& datadir,
                                                       const std::string& inputs, Runner& runner, const IsoStage& stage,
                                                       bool heartbeat) {
    return InitramfsBuilder(view, datadir, plan.cache_dir, runner, heartbeat)
        .write_boot_files(plan.stick.kernel, inputs, stage.snap(), SnapshotDir::kKernel, SnapshotDir::kInitrd);
}

void install_iso_grub(const View& view, const IsoStage& stage, const Plan& plan, const MenuTemplates& templates,
                      Runner& runner) {
    log::info() << "Making GRUB's BIOS and UEFI boot images ...";
    make_dirs(stage.medium().grub_dir(), 0755);
    make_dirs(view.at(kTargetInView), 0755);
    Mount bind = Mount::bind(stage.paths().stage, view.at(kTargetInView), false);
    const std::string early = fill_template(templates.early, {{"UUID", stage.uuid()}});
    write_file_atomic(view.at("/tmp/early.cfg"), early);
    const auto& chain = plan.stick.signed_chain;
    if (chain) write_file_atomic(view.at(kSignedConfigInView), signed_grub_config(early));
    for (const auto& c : iso_grub_commands(stage.paths(), *plan.stick.adapter, chain)) runner.run(c);
    log::info() << "UEFI: " << uefi_chain_words(chain);
    bind.unmount();
}

void write_iso_loopback_menu(const IsoStage& stage, const std::string& datadir, Runner& runner) {
    const auto entries = stick_menu_entries(stage.medium(), stage.uuid());
    const auto templates = load_loopback_templates(datadir + "/grub.d");
    write_file_atomic(stage.medium().loopback_cfg(), checked_loopback_cfg(templates, entries, kEntryLive, runner));
}

uint64_t write_iso(const IsoStage& stage, const View& view, const std::string& iso_out, bool quiet) {
    IsoSpec spec;
    spec.volume_id = kVolumeId;
    spec.uuid = stage.uuid();
    spec.tree = stage.medium().root();
    spec.bios_image = std::string(kGrubDir) + kIsoBiosCore;
    spec.catalog = std::string(kGrubDir) + kIsoCatalog;
    spec.esp_image = stage.paths().esp_image();
    spec.system_area = iso_hybrid_mbr(view.path());
    IsoWriter image(spec);
    // Exact now: the squashfs is complete and the layout is made.
    check_iso_space(iso_out, image.size() + (1 << 20), "the ISO image");
    log::info() << "Writing the ISO image (" << format_bytes(image.size()) << ") ...";
    OutputFile out(iso_out);
    Progress bar("iso", image.size(), quiet);
    image.write(out.fd(), [&](uint64_t done) { bar.update(done); });
    bar.finish();
    out.commit();
    return image.size();
}

void print_iso_plan(const Plan& plan, std::ostream& os) {
    const StickPlan& s = plan.stick;
    const SnapshotDir snap = SnapshotDir::as_booted(s.snapshot_id);
    const std::string uuid = iso_uuid_for(s.snapshot_id);
    const IsoPaths p{"<view>", "<stage>"};
    os << "  adapter:   " << s.adapter->family() << " (" << printable(s.adapter_why) << "; " << printable(s.os_name)
       << ")\n";
    os << "  kernel:    " << s.kernel.version << " (" << s.kernel.image << "), the ISO's one kernel\n";
    os << "ISO image (libisofs: ISO 9660 level 3, Rock Ridge, Joliet; volume " << kVolumeId << ", UUID " << uuid
       << "):\n";
    os << "  " << snap.path() << "/  the snapshot: the files of a stick's snapshot dir (medium.hpp)\n";
    os << "  " << kGrubDir << "/  grub.cfg (entries " << kEntryLive << " (default), " << kEntryRam << ", " << kEntryCheck
       << "), loopback.cfg (the same entries for GRUB booting the ISO as a file: rd.remaster.iso=$iso_path), "
          "GRUB's i386-pc and x86_64-efi modules\n";
    os << "  El Torito BIOS: " << kGrubDir << kIsoBiosCore << " (no emulation, GRUB i386-pc-eltorito)\n";
    os << "  El Torito EFI:  partition 2 (the ESP image, " << kEspImageKiB / 1024 << " MiB FAT, EFI/BOOT/BOOTX64.EFI"
       << (s.signed_chain ? ": shim, grubx64.efi, mmx64.efi, " + s.signed_chain->config : std::string()) << ")\n";
    os << "  System area: GRUB's boot_hybrid.img, a protective MBR (and an active dummy partition); GPT partition 2 "
          "the ESP (EFI System)\n";
    os << "Staging: the tree on a tmpfs in the runtime dir; the squashfs as "
       << OutputFile::temp_name_for(iso_squashfs_name(plan.iso_out)) << " until the ISO is written\n";
    os << "Commands:\n";
    os << "  " << format_command(dracut_command(p.view, s.kernel.version, kInitramfsInView,
                                               dracut_has_module(plan.root, "resume"))) << "\n";
    for (const auto& c : iso_grub_commands(p, *s.adapter, s.signed_chain)) os << "  " << format_command(c) << "\n";
    os << "UEFI: " << uefi_chain_words(s.signed_chain) << "\n";
    os << "Boot entry: linux " << snap.kernel() << " " << live_kernel_args(uuid, snap.path(), s.kernel_args) << "\n";
}

}  // namespace remaster
