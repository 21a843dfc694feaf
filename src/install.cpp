#include "install.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <iostream>

#include "adapter.hpp"
#include "bytes.hpp"
#include "device_use.hpp"
#include "error.hpp"
#include "install_disk.hpp"
#include "installed_system.hpp"
#include "layering.hpp"
#include "live_system.hpp"
#include "log.hpp"
#include "mount.hpp"
#include "paths.hpp"
#include "preflight.hpp"
#include "squash_unpack.hpp"
#include "stick.hpp"
#include "stick_store.hpp"
#include "tree_copy.hpp"
#include "system_mounts.hpp"

namespace remaster {
namespace {

constexpr uint64_t kMiB = 1ull << 20;
constexpr uint64_t kGiB = 1ull << 30;

// What is installed: a snapshot's layers, base first, from a stick (held
// open, read-only, for the whole run) or one squashfs image; or a directory;
// or the live system this runs in (its root, or the layers it booted).
struct Source {
    std::string label;  // how messages name it: "'/dev/sdb'", "the live system"
    std::unique_ptr<Stick> stick;
    std::string snapshot;  // its id, or "" for a bare image
    std::vector<std::string> layers;
    Mount live_root;  // the live root bound here, without the mounts on it
    std::string dir;  // a directory tree instead of layers
    std::vector<std::string> emptied;  // top-level dirs of `dir` copied without contents
    bool live = false;
    std::string os;   // its os-release PRETTY_NAME and the adapter that fits it

    UnpackStats measure() const { return dir.empty() ? measure_layers(layers) : measure_tree(dir, emptied); }
    UnpackStats copy_onto(const std::string& dest, bool quiet) const {
        return dir.empty() ? unpack_layers(layers, dest, quiet) : copy_tree(dir, dest, quiet, emptied);
    }
};

bool is_squashfs(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    char magic[4] = {};
    return f.read(magic, 4) && std::string(magic, 4) == "hsqs";
}

// No --from: the live system this runs in. As it runs now, the snapshot
// and this session's changes: / bound (not recursively) into our runtime
// dir, where every mount on it (/proc, /run with /run/remaster, a disk under
// /media, a file systemd mounted over /etc) shows as what lies below it, the
// mount points as the snapshot had them. /tmp and the other session-only
// directories come out empty. With --pristine, the layers it booted.
Source open_live_source(const InstallOptions& opt, RuntimeDir& run, Problems& problems) {
    Source s;
    s.label = "the live system";
    const auto boot = running_live_boot();
    if (!boot) {
        problems.push_back(
            "Nothing to install from: give --from (a remaster stick, its image file, a squashfs image or a "
            "directory). Without --from, install copies the live system it runs in, and this is no live system "
            "booted from a remaster stick (/proc/cmdline has no root=remaster)");
        return s;
    }
    s.live = true;
    s.snapshot = boot->snapshot;
    if (!opt.snapshot.empty())
        problems.push_back("--snapshot is for a stick given with --from; the live system installs the snapshot it booted (" +
                           boot->snapshot + ")");
    if (opt.pristine) {
        s.layers = live_layer_images(*boot, read_mount_table(), problems);
        struct stat st;
        for (const auto& l : s.layers)
            if (::stat(l.c_str(), &st) != 0)
                problems.push_back("--pristine: the layer '" + l + "' the live system booted cannot be read: " + errno_string(errno));
        return s;
    }
    try {
        s.live_root = Mount::bind("/", run.make_dir("live-root"), true);
        s.dir = s.live_root.target();
        s.emptied = live_only_dirs();
    } catch (const Error& e) {
        problems.push_back(e.what());
    }
    return s;
}

Source open_source(const InstallOptions& opt, RuntimeDir& run, Problems& problems) {
    if (opt.from.empty()) return open_live_source(opt, run, problems);
    Source s;
    s.label = "'" + opt.from + "'";
    if (opt.pristine)
        problems.push_back("--pristine is for install inside a live system, without --from: --from '" + opt.from +
                           "' is installed as it is");
    struct stat st;
    if (::stat(opt.from.c_str(), &st) != 0) {
        problems.push_back("The source '" + opt.from + "' (--from) cannot be used: " + errno_string(errno));
        return s;
    }
    if (S_ISDIR(st.st_mode)) {
        if (!opt.snapshot.empty()) problems.push_back("--snapshot names a snapshot on a stick; '" + opt.from + "' is a directory");
        s.dir = absolute_path(opt.from);
        return s;
    }
    if (S_ISREG(st.st_mode) && is_squashfs(opt.from)) {
        if (!opt.snapshot.empty()) problems.push_back("--snapshot names a snapshot on a stick; '" + opt.from + "' is one squashfs image");
        s.layers = {absolute_path(opt.from)};
        return s;
    }
    try {
        s.stick = Stick::open(opt.from, StickAccess::read, run);
    } catch (const Error& e) {
        problems.add(e.code(), std::string(e.what()) + " (--from takes a remaster stick, its image file, or a squashfs image)");
        return s;
    }
    const auto snaps = list_snapshots(*s.stick);
    const SnapshotInfo* chosen = nullptr;
    for (const auto& info : snaps)
        if (opt.snapshot.empty() ? !chosen : info.id == opt.snapshot) chosen = &info;
    if (!chosen) {
        std::string have;
        for (const auto& info : snaps) have += " " + info.id;
        problems.push_back(snaps.empty() ? "The stick '" + opt.from + "' holds no complete snapshot"
                                         : "The stick '" + opt.from + "' has no snapshot '" + opt.snapshot + "'; it has:" + have);
        return s;
    }
    s.snapshot = chosen->id;
    for (const auto& id : layers_of(*chosen)) s.layers.push_back(s.stick->snapshot(id).image());
    return s;
}

// What the source holds must be an operating system a distribution
// adapter knows, before anything is written: its os-release, read from the
// stacked layers or the directory.
void check_system(Source& src, Problems& problems) {
    OsRelease os;
    if (!src.dir.empty()) {
        os = read_os_release(src.dir);
    } else {
        std::string text = read_layered_file(src.layers, "/etc/os-release");
        if (text.empty()) text = read_layered_file(src.layers, "/usr/lib/os-release");
        os = parse_os_release(text);
    }
    if (os.fields.empty()) {
        problems.push_back(src.label + " holds no operating system to install (no os-release)");
        return;
    }
    try {
        const AdapterChoice a = choose_adapter(os);
        src.os = printable(os.pretty_name()) + " (" + a.adapter->family() + " adapter, " + a.why + ")";
    } catch (const Error& e) {
        problems.push_back(std::string(e.what()) + ". " + e.hint());
    }
}

enum class TargetKind { device, image, directory };

struct Target {
    std::string path;  // absolute
    TargetKind kind = TargetKind::image;
    bool exists = false;
    uint64_t minimum = 0, image_size = 0;
    std::shared_ptr<FileLock> lock;
};

// What the copied root needs: its data and a block for each inode, ext4's
// own overhead, and room for the initramfs images built there.
uint64_t root_bytes_for(const UnpackStats& s) {
    const uint64_t data = s.bytes + s.inodes * 4096;
    return data + data / 10 + 512 * kMiB;
}

void claim(Target& t, const std::vector<MountEntry>& mounts, Problems& problems) {
    try {
        t.lock = Stick::lock(t.path, StickAccess::write);
    } catch (const Error& e) {
        problems.add(Exit::unsafe_target, e.hint().empty() ? e.what() : std::string(e.what()) + ". " + e.hint());
    }
    for (const auto& u : device_uses(t.path, live_device_system(mounts)))
        problems.add(Exit::unsafe_target, "The target is in use: " + u);
}

Target plan_target(const InstallOptions& opt, const UnpackStats& need, Problems& problems) {
    Target t;
    t.path = absolute_path(opt.to);
    const uint64_t root = root_bytes_for(need);
    t.minimum = install_disk_size_for(root);
    struct stat st, from;
    t.exists = ::stat(t.path.c_str(), &st) == 0;
    if (t.exists && ::stat(opt.from.c_str(), &from) == 0 &&
        ((S_ISBLK(st.st_mode) && S_ISBLK(from.st_mode) && st.st_rdev == from.st_rdev) ||
         (st.st_dev == from.st_dev && st.st_ino == from.st_ino)))
        problems.add(Exit::unsafe_target, "The target '" + opt.to + "' is the source (--from) itself");
    const auto mounts = read_mount_table();
    if (t.exists && S_ISDIR(st.st_mode)) {
        t.kind = TargetKind::directory;
        if (!opt.size.empty()) problems.push_back("--size is for a new image file, not a directory");
    } else if (t.exists && S_ISBLK(st.st_mode)) {
        t.kind = TargetKind::device;
        claim(t, mounts, problems);
        // Fixed disks are what one installs to: allowed, after the prompt.
        for (const auto& g : target_guard_problems(t.path, true)) problems.add(Exit::unsafe_target, g);
        uint64_t size = 0;
        try {
            size = device_size(t.path);
        } catch (const Error& e) {
            problems.push_back(e.what());
        }
        if (size && size < t.minimum)
            problems.add(Exit::no_space, "The target '" + opt.to + "' (" + format_bytes(size) +
                                             ") is too small for this system (about " + format_bytes(t.minimum) + " needed)");
        if (!opt.size.empty()) problems.push_back("--size is for image files; a device is used whole");
    } else if (t.exists && S_ISREG(st.st_mode)) {
        claim(t, mounts, problems);
    } else if (t.exists) {
        problems.push_back("The target '" + opt.to + "' is neither a block device, an image file nor a directory");
    } else if (opt.to.rfind("/dev/", 0) == 0) {
        problems.push_back("The target device '" + opt.to + "' does not exist (check `lsblk`)");
    } else if (::stat(parent_path(t.path).c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
        problems.push_back("The directory for the image '" + opt.to + "' does not exist");
    }
    if (t.kind == TargetKind::image) {
        // The headroom an installed system needs to live on: a quarter more, at least 1 GiB.
        t.image_size = install_disk_size_for(root + std::max(root / 4, kGiB));
        if (!opt.size.empty()) {
            try {
                t.image_size = parse_bytes(opt.size);
                if (t.image_size < t.minimum)
                    problems.add(Exit::no_space, "--size " + opt.size + " is too small for this system (about " +
                                                     format_bytes(t.minimum) + " needed)");
            } catch (const Error&) {
                problems.push_back("--size '" + opt.size + "' is not a size (write e.g. 8G or 512M)");
            }
        }
    }
    if (t.kind != TargetKind::directory)
        for (const auto& [tool, pkg] : {std::pair<const char*, const char*>{"mkfs.ext4", "e2fsprogs"},
                                        {"mkfs.fat", "dosfstools"},
                                        {"mcopy", "mtools"},
                                        {"mmd", "mtools"}})
            if (find_program(tool).empty())
                problems.add(Exit::missing, std::string("'") + tool + "' is missing on this machine (install the package " + pkg + ")");
    return t;
}

void print_install_plan(const InstallOptions& opt, const Source& src, const Target& t, const UnpackStats& need,
                        std::ostream& os) {
    os << "Install plan (dry run: nothing is written)\n";
    if (src.live && src.dir.empty())
        os << "  source: the layers the running live system was booted from, snapshot " << src.snapshot << " as it was made\n";
    else if (src.live)
        os << "  source: the running live system (snapshot " << src.snapshot << " and this session's changes)\n";
    else
        os << "  source: " << opt.from << (src.snapshot.empty() ? "" : ", snapshot " + src.snapshot) << "\n";
    // A stick's layers as the stick names them, not where it is mounted for this run.
    const std::string mounted = src.stick ? src.stick->root() : "";
    for (const auto& l : src.layers)
        os << "    layer " << (src.stick && path_below(l, mounted) ? "(stick) " + l.substr(mounted.size()) : l) << "\n";
    if (opt.mode == Mode::clean)
        os << "  mode:   clean: the source's /etc/ssh/ssh_host_* are not installed; new ones are made at the first boot\n";
    if (src.live && !src.dir.empty()) {
        os << "    the live root / (not entering other filesystems; their mount points copied empty)\n";
        os << "    copied empty:";
        for (const auto& d : src.emptied) os << " /" << d;
        os << "\n";
    } else if (!src.dir.empty()) {
        os << "    the directory tree " << src.dir << " (not entering other filesystems)\n";
    }
    if (!src.os.empty()) os << "  system: " << src.os << "\n";
    os << "  copy: " << need.inodes << " inodes, " << format_bytes(need.bytes) << " of file data\n";
    if (t.kind == TargetKind::directory) {
        os << "  target: the directory " << t.path << " (files only; no partitions, no boot setup)\n";
        return;
    }
    os << "  target: " << t.path << (t.kind == TargetKind::device ? " (device, WIPED)" : " (image file, " + format_bytes(t.image_size) + ")")
       << ", at least " << format_bytes(t.minimum) << "\n";
    os << "  layout (GPT):\n";
    int n = 1;
    for (const auto& p : install_layout())
        os << "    " << n++ << " " << p.name << " " << (p.size ? format_bytes(p.size) : "rest of the disk") << "\n";
    InstalledDisk d{"DISK", partition_path("DISK", kEspPartition), partition_path("DISK", kInstallRootPartition),
                    "ROOT-UUID", "ESP-UUID"};
    os << "  commands:\n";
    for (const auto& c : install_format_commands(d.esp, d.root_part, "ABCD-1234", d.root_uuid))
        os << "    " << format_command(c) << "\n";
    os << "    (copy the layers onto the root, base first; write /etc/fstab by UUID, a new machine-id;\n"
       << "     drop the live boot's dracut module)\n";
    os << "    (in a chroot of the root, the distribution's own commands, chosen from its os-release:\n"
       << "     a " << (t.kind == TargetKind::device ? "host-only" : "generic") << " initramfs per kernel and GRUB's config,\n"
       << "     then grub-install for BIOS and EFI/BOOT/BOOTX64.EFI on the ESP, last)\n";
}

void report_dropped_keys(int n) {
    log::info() << "--mode clean: removed " << n << " ssh host key file(s); new ones are made at the first boot";
}

// The copied root made an installed system: its files (fstab, machine-id,
// no live traces), then in a chroot the distribution's boot setup, the boot
// loader last. What the copy brought is checked first: an operating system
// with a kernel.
void make_installed(const std::string& root, const InstalledDisk& d, bool host_only, Runner& runner) {
    const OsRelease os = read_os_release(root);
    if (os.fields.empty())
        throw Error(Exit::bad_input, "The copied system has no os-release: it is not an operating system root");
    const AdapterChoice a = choose_adapter(os);
    const auto kernels = a.adapter->kernels(root);
    if (kernels.empty())
        throw Error(Exit::missing, "The copied system has no kernel", a.adapter->install_hint("kernel"));
    log::info() << "Setting up " << printable(os.pretty_name()) << " (" << a.why << "): initramfs for "
                << kernels.size() << " kernel(s), GRUB";
    configure_installed_root(root, d);
    // GRUB's directory: a live snapshot need not have one.
    make_dirs(in_root(root, a.adapter->grub_dir()), 0755);
    ChrootMounts chroot(root, d);
    for (const auto& c : installed_boot_setup(root, *a.adapter, kernels, host_only)) runner.run(c);
    std::ofstream(in_root(root, kEarlyConfigInRoot)) << installed_early_config(*a.adapter, d.root_uuid);
    for (const auto& c : installed_boot_loader(root, *a.adapter, d)) runner.run(c);
    chroot.close();
}

}  // namespace

void install(const InstallOptions& opt, Runner& runner) {
    RuntimeDir run;
    // Plan: the source opened read-only, the target checked; every problem at once.
    Problems problems;
    Source src = open_source(opt, run, problems);
    UnpackStats need;
    if (!src.layers.empty() || !src.dir.empty()) {
        try {
            need = src.measure();
        } catch (const Error& e) {
            problems.add(Exit::bad_input, e.what());
        }
    }
    Target t = plan_target(opt, need, problems);
    // A directory target takes any tree; a disk needs a system that boots.
    if (t.kind != TargetKind::directory && (!src.layers.empty() || !src.dir.empty())) {
        try {
            check_system(src, problems);
        } catch (const Error& e) {
            problems.add(e.code(), e.what());
        }
    }
    if (!problems.empty()) throw Error(problems.code(), problems.joined() + (problems.list().size() > 1 ? "" : "; nothing was written"));
    if (opt.dry_run) {
        print_install_plan(opt, src, t, need, std::cout);
        return;
    }
    // A directory: the files only (and, with --mode clean, no host keys).
    if (t.kind == TargetKind::directory) {
        const UnpackStats got = src.copy_onto(t.path, opt.quiet);
        log::info() << "Copied " << got.inodes << " inodes, " << format_bytes(got.bytes) << " to " << t.path;
        if (opt.mode == Mode::clean) report_dropped_keys(drop_ssh_host_keys(t.path));
        return;
    }
    if (t.exists) confirm_wipe(t.path, opt.yes);
    // Partition and format; the new root mounted.
    auto disk = InstallDisk::create(t.path, t.kind == TargetKind::image, t.image_size, t.lock, runner, run);
    // Copy: the layers, base first, with everything squashfs holds.
    const UnpackStats got = src.copy_onto(disk->root(), opt.quiet);
    log::info() << "Copied " << got.inodes << " inodes, " << format_bytes(got.bytes);
    // Configure (fstab, machine-id, no trace of the live boot), then boot:
    // the distribution's initramfs and GRUB config, the boot loader last.
    // An image boots on other hardware (a VM): its initramfs is generic.
    const InstalledDisk d{disk->disk(), disk->partition(kEspPartition), disk->partition(kInstallRootPartition),
                          disk->root_uuid(), disk->esp_uuid()};
    if (opt.mode == Mode::clean) report_dropped_keys(drop_ssh_host_keys(disk->root()));
    make_installed(disk->root(), d, t.kind == TargetKind::device, runner);
    disk->close();
    log::info() << "Installed onto " << t.path << " (root UUID " << d.root_uuid << ")";
}

}  // namespace remaster
