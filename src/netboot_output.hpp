// The steps of `snapshot --netboot DIR` after the squash has a place to go.
// snapshot.cpp (to_netboot) runs them in order; docs/netboot.md says how
// the directory is served.
//
// The whole directory is written beside DIR under a temporary name (the
// stage) and renamed into place when complete; an earlier netboot
// directory of the same system (the plan refuses anything else) is
// exchanged with it in one renameat2(RENAME_EXCHANGE) and removed after:
// an HTTP server sees the old directory or the new one, never a mix or a
// half-written one. The files go straight to the stage (the squashfs is too
// big for our tmpfs, and the stage is on DIR's filesystem, which the
// rename needs).
#pragma once

#include <iosfwd>
#include <map>
#include <string>

#include "medium.hpp"

namespace remaster {

class Runner;
class View;
struct Plan;

// Where the stage of `dir` is: .NAME.remaster-new beside it.
std::string netboot_stage_path(const std::string& dir);

// Owns the stage: made empty (what a killed run left goes first), removed
// by the destructor unless committed.
class NetbootStage {
public:
    NetbootStage(std::string final_dir, const std::string& snapshot_id);
    NetbootStage(const NetbootStage&) = delete;
    NetbootStage& operator=(const NetbootStage&) = delete;
    ~NetbootStage();

    const NetbootDir& dir() const { return dir_; }
    // Into place: renamed to the final name, or exchanged with the earlier
    // directory there, which is removed then.
    void commit();

private:
    std::string final_;
    NetbootDir dir_;
    bool committed_ = false;
};

// Removes a netboot directory: our files (and their temporaries), then the
// directory. Anything else in it stays, with a warning, and so does it.
void remove_netboot_dir(const std::string& dir);

// Appends the public key to an initramfs as a small uncompressed cpio
// (the kernel unpacks every archive of the image in turn) at
// NetbootDir::kPublicKeyInInitramfs, where the boot looks for the key the
// downloaded system must be signed with. After the build, not in it: one
// cached image serves every key.
void append_public_key(const std::string& initrd, const std::string& public_pem);

// The kernel, and the netboot initramfs (dracut with our module and the
// network module) with the public key appended when `public_pem` is given.
// Returns the SHA-256 of the files as written, by name (the initramfs's only
// when no key was appended to it).
std::map<std::string, std::string> make_netboot_boot_files(View& view, const Plan& plan, const std::string& datadir, const std::string& inputs,
                             Runner& runner, const NetbootDir& dir, const std::string& public_pem, bool heartbeat);

// boot.ipxe and grub.cfg.
void write_netboot_configs(const Plan& plan, const NetbootDir& dir);

// What the plan says about `existing` (a directory at the netboot path):
// empty when it is an earlier netboot directory of `root`, else why it is
// refused.
std::string netboot_dir_refusal(const std::string& existing, const std::string& root);

// --dry-run: the directory's files, the initramfs command and the boot entry.
void print_netboot_plan(const Plan& plan, std::ostream& os);

}  // namespace remaster
