// The steps of `snapshot --iso` after the squash has a place to go: the
// staging medium, the boot files, GRUB, and the image itself. snapshot.cpp
// (to_iso) runs them in order; docs/iso.md says what each costs.
//
// The ISO is built from a staging tree with the layout of a stick
// (medium.hpp), on a tmpfs of ours in the RuntimeDir: the kernel, the
// initramfs, GRUB's modules and cores, the menu, SHA256SUMS and
// snapshot.info. The squashfs is too big for RAM: it is written under a
// temporary name beside the output (an OutputFile never committed, so it is
// removed on every way out) and linked into the tree, and libisofs reads it
// from there while the ISO streams into its own OutputFile.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <map>
#include <string>

#include "boot_install.hpp"
#include "iso_boot.hpp"
#include "medium.hpp"
#include "menu.hpp"
#include "mount.hpp"
#include "output_file.hpp"
#include "runtime_dir.hpp"

namespace remaster {

class Runner;
class View;
struct Plan;

// The squashfs' temporary beside the ISO is that of this name (never made).
std::string iso_squashfs_name(const std::string& iso_out);

// The staging medium: owns, in this order, the squashfs' temporary file, the
// tmpfs holding the tree and the ESP image, and the snapshot directory in it.
class IsoStage {
public:
    IsoStage(RuntimeDir& run, const std::string& iso_out, const std::string& snapshot_id, const std::string& view);
    IsoStage(const IsoStage&) = delete;
    IsoStage& operator=(const IsoStage&) = delete;

    int squashfs_fd() const { return squashfs_.fd(); }
    const Medium& medium() const { return medium_; }
    const SnapshotDir& snap() const { return snap_; }
    const IsoPaths& paths() const { return paths_; }
    const std::string& uuid() const { return uuid_; }

private:
    OutputFile squashfs_;
    Mount tmpfs_;
    IsoPaths paths_;
    Medium medium_;
    SnapshotDir snap_;
    std::string uuid_;
};

// The space the output directory (of an ISO, or of a netboot directory)
// must have free now: for `bytes` more.
// Throws Error(Exit::no_space) saying what it is for.
void check_iso_space(const std::string& iso_out, uint64_t bytes, const std::string& what);

// The default kernel and a generic initramfs (dracut with our module, in the
// view, or this machine's cache: initramfs_build.hpp) into the staging
// snapshot. An ISO holds one snapshot of one kernel. `inputs`: the
// fingerprint of what the initramfs is built from; `heartbeat`: say while
// dracut runs that it still does (not beside the squash).
// Returns the SHA-256 of the kernel and initramfs, by name.
std::map<std::string, std::string> make_iso_boot_files(View& view, const Plan& plan, const std::string& datadir,
                                                       const std::string& inputs, Runner& runner, const IsoStage& stage,
                                                       bool heartbeat);

// GRUB's modules, the BIOS and UEFI cores and the ESP image, from the root's GRUB.
void install_iso_grub(const View& view, const IsoStage& stage, const Plan& plan, const MenuTemplates& templates,
                      Runner& runner);

// /boot/grub/loopback.cfg in the tree: the menu's entries for a GRUB that
// boots the ISO as a file on another disk (iso_menu.hpp), checked with
// grub-script-check.
void write_iso_loopback_menu(const IsoStage& stage, const std::string& datadir, Runner& runner);

// The image of the staging tree, laid out, checked against the free space,
// then streamed into `iso_out` under a temporary name and renamed.
// Returns its size.
uint64_t write_iso(const IsoStage& stage, const View& view, const std::string& iso_out, bool quiet);

// --dry-run: the system, the ISO's layout, its El Torito entries and boot
// partitions, the boot entry and the commands a real run executes.
void print_iso_plan(const Plan& plan, std::ostream& os);

}  // namespace remaster
