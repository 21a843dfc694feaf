// The layout every remaster medium shares, spelled here and nowhere else.
// A medium is a directory tree the boot loader and the initramfs read: the
// mounted data partition of a stick today; an ISO's staging tree or a
// netboot directory next. From its root:
//
//   boot/grub/grub.cfg          the menu (written from what is below)
//   boot/grub/grubenv           an environment block the menu loads (boot-test sets it in its view)
//   boot/grub/loopback.cfg      an ISO's menu for GRUB booting it as a file (loopback)
//   remaster/<id>/              one snapshot (SnapshotDir):
//       filesystem.squashfs       its squashfs layer
//       vmlinuz, initrd.img       the kernel and the generic initramfs (the
//                                 newest kernel: the default entry boots it)
//       vmlinuz-KVER,             every other installed kernel and its generic
//         initrd.img-KVER         initramfs (snapshot.info other_kernels),
//                                 each with its own menu entry
//       SHA256SUMS                all of those, for `verify` and the checked boot
//       manifest                  the file manifest, for the next layer
//       snapshot.info             written last: the snapshot is complete
//   remaster/persist/<name>/    a persistence profile's upper and work dirs
//   remaster/stick.conf         the default boot entry
//
// A netboot directory (snapshot --netboot, docs/netboot.md) is one
// snapshot's files flat in it, served over HTTP as they are:
//
//   filesystem.squashfs, vmlinuz, initrd.img, SHA256SUMS, snapshot.info
//                               as in a snapshot dir (snapshot.info: medium=netboot)
//   SHA256SUMS.sig              Ed25519 signature of SHA256SUMS (--sign-key)
//   boot.ipxe                   iPXE script: kernel and initrd relative to its own URL
//   grub.cfg                    GRUB netboot config (GRUB's http module)
//
// Snapshot ids are UTC times, "20261124-233000", with "-2"... for a second
// snapshot in the same second; they sort by time.
#pragma once

#include <string>
#include <vector>

namespace remaster {

// GRUB's directory on every medium, as the core image's prefix names it.
constexpr const char* kGrubDir = "/boot/grub";

// One snapshot's directory. Paths are absolute on this machine, below the
// medium's root; booted() names the same files as the boot side sees them.
class SnapshotDir {
public:
    // The files of a snapshot, by name (SHA256SUMS lists them so).
    static constexpr const char* kImage = "filesystem.squashfs";
    static constexpr const char* kKernel = "vmlinuz";
    static constexpr const char* kInitrd = "initrd.img";
    static constexpr const char* kSums = "SHA256SUMS";
    static constexpr const char* kManifest = "manifest";
    static constexpr const char* kInfo = "snapshot.info";

    SnapshotDir(std::string medium_root, std::string id);
    // A snapshot whose files are directly in `dir` (a netboot directory).
    static SnapshotDir flat(std::string dir, std::string id);

    const std::string& id() const { return id_; }
    std::string path() const;
    std::string image() const { return file(kImage); }
    std::string kernel() const { return file(kKernel); }
    std::string initrd() const { return file(kInitrd); }
    // Another kernel of the snapshot, by version: vmlinuz-KVER, initrd.img-KVER.
    std::string kernel(const std::string& version) const { return file(kernel_name(version)); }
    std::string initrd(const std::string& version) const { return file(initrd_name(version)); }
    std::string sums() const { return file(kSums); }
    std::string manifest() const { return file(kManifest); }
    std::string info() const { return file(kInfo); }
    std::string file(const std::string& name) const { return path() + "/" + name; }

    // The same directory from the medium's own root ("/remaster/<id>"): what
    // GRUB entries and rd.remaster.dir name.
    SnapshotDir booted() const { return as_booted(id_); }
    // Snapshot `id` as the boot side sees it, for a plan before any medium is there.
    static SnapshotDir as_booted(const std::string& id) { return SnapshotDir("", id); }

    // The file names of another kernel and its initramfs. Throw
    // Error(Exit::bad_input) for a version that is no plain file name and
    // menu entry id (valid_kernel_version).
    static std::string kernel_name(const std::string& version);
    static std::string initrd_name(const std::string& version);
    // [A-Za-z0-9][A-Za-z0-9._+-]*, at most 100 characters: what every
    // distribution's kernel versions are made of.
    static bool valid_kernel_version(const std::string& version);
    // Whether `name` is one of those files (removed with the snapshot).
    static bool is_other_kernel_file(const std::string& name);

    // What SHA256SUMS lists: the image, kernel and initramfs, and those of
    // the other kernels; the boot files are what a snapshot may share with
    // another (hard links).
    static std::vector<std::string> summed_files(const std::vector<std::string>& other_kernels = {});
    static const std::vector<std::string>& boot_files();
    // Every file we write there, snapshot.info first (removing it first
    // makes a snapshot incomplete, never broken), but the other kernels' files.
    static const std::vector<std::string>& all_files();

private:
    std::string root_, id_;
    bool flat_ = false;
};

// A directory laid out as above.
class Medium {
public:
    explicit Medium(std::string root) : root_(std::move(root)) {}
    virtual ~Medium() = default;

    const std::string& root() const { return root_; }
    SnapshotDir snapshot(const std::string& id) const { return SnapshotDir(root_, id); }
    std::string snapshots_dir() const;  // where the snapshot dirs are (and persist/)
    std::string persist_dir() const;
    std::string profile_dir(const std::string& name) const;
    std::string conf_file() const;  // stick.conf
    std::string grub_dir() const;
    std::string grub_cfg() const;
    std::string grubenv() const;  // next_entry and extra arguments for one boot (boot-test)
    std::string loopback_cfg() const;  // an ISO's menu when booted as a file (iso_menu.hpp)

    // Ids of the snapshot directories (complete or not), newest first.
    std::vector<std::string> snapshot_ids() const;
    // `planned`, or with a suffix if a snapshot of that second exists: a
    // failed run removes its own directory, and must never remove another's.
    std::string unused_snapshot_id(const std::string& planned) const;
    // Creates boot/grub and the new snapshot's directory.
    SnapshotDir make_snapshot_dir(const std::string& id) const;

protected:
    Medium() = default;
    std::string root_;
};

// A netboot directory, laid out as above. Not a Medium: there is no
// remaster/ tree, one snapshot and no menu of entries.
class NetbootDir {
public:
    static constexpr const char* kSignature = "SHA256SUMS.sig";
    static constexpr const char* kIpxe = "boot.ipxe";
    static constexpr const char* kGrubCfg = "grub.cfg";
    // snapshot.info's field saying a directory is one of these.
    static constexpr const char* kMediumField = "medium";
    static constexpr const char* kMediumValue = "netboot";
    // snapshot.info's field with the snapshot's id (a stick's snapshot has
    // it as its directory's name): what a stick compares to decide whether
    // the server's snapshot is newer than its own.
    static constexpr const char* kIdField = "id";
    // Where the netboot initramfs holds the key SHA256SUMS must be signed
    // with (REMASTER_NETBOOT_KEY in dracut-module/remaster-lib.sh).
    static constexpr const char* kPublicKeyInInitramfs = "etc/remaster/netboot.pub";

    NetbootDir(std::string root, const std::string& id) : root_(std::move(root)), snap_(SnapshotDir::flat(root_, id)) {}

    const std::string& root() const { return root_; }
    const SnapshotDir& snap() const { return snap_; }
    std::string signature() const { return snap_.file(kSignature); }
    std::string ipxe() const { return snap_.file(kIpxe); }
    std::string grub_cfg() const { return snap_.file(kGrubCfg); }
    // snapshot.info of the directory `dir`, whatever its id.
    static std::string info_of(const std::string& dir) { return dir + "/" + SnapshotDir::kInfo; }

    // Every file we write there, snapshot.info first (as SnapshotDir::all_files).
    static const std::vector<std::string>& all_files();

private:
    std::string root_;
    SnapshotDir snap_;
};

// The id for a snapshot taken now.
std::string new_snapshot_id();
bool is_snapshot_id(const std::string& name);

}  // namespace remaster
