#include "preflight.hpp"

#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>

#include <fstream>
#include <iostream>
#include <sstream>

#include "boot_install.hpp"
#include "bytes.hpp"
#include "data_dir.hpp"
#include "device_use.hpp"
#include "error.hpp"
#include "interrupt.hpp"
#include "kernel_files.hpp"
#include "kernel_modules.hpp"
#include "log.hpp"
#include "medium.hpp"
#include "partition.hpp"
#include "paths.hpp"
#include "stick.hpp"
#include "stick_menu.hpp"
#include "system_mounts.hpp"
#include "runner.hpp"
#include "target_contents.hpp"

namespace remaster {
namespace {

// The whole disk a block device number belongs to (itself when it is one).
dev_t whole_disk(dev_t dev) {
    const std::string sys = "/sys/dev/block/" + std::to_string(major(dev)) + ":" + std::to_string(minor(dev));
    std::ifstream partition(sys + "/partition");
    if (!partition) return dev;
    std::ifstream parent_dev(sys + "/../dev");
    unsigned maj = 0, min = 0;
    char colon;
    if (parent_dev >> maj >> colon >> min) return makedev(maj, min);
    return dev;
}


std::string sys_block_dir(dev_t dev) {
    return "/sys/dev/block/" + std::to_string(major(dev)) + ":" + std::to_string(minor(dev));
}

// Locks an existing target for the whole run and lists its uses (device_use.hpp).
// The plan takes the lock, not the later write: between the plan's look at
// the stick (is it a remaster stick? which snapshots?) and the write, no
// other run may change it, so the lock taken here is the one to_stick
// hands to Stick. --dry-run only reads, so it takes a shared one.
void target_claim(StickPlan& sp, const Options& opt, const std::vector<MountEntry>& mounts, Problems& problems) {
    if (::geteuid() == 0) {
        try {
            sp.lock = Stick::lock(sp.target, opt.dry_run ? StickAccess::read : StickAccess::write);
        } catch (const Error& e) {
            problems.add(Exit::unsafe_target, e.hint().empty() ? e.what() : std::string(e.what()) + ". " + e.hint());
        }
    }
    for (const auto& u : device_uses(sp.target, live_device_system(mounts)))
        problems.add(Exit::unsafe_target, "The target is in use: " + u);
}

// The whole disk of a partition, as /dev/NAME from sysfs: the parent of
// /sys/dev/block/M:m (loop0p1 -> loop0, nvme0n1p1 -> nvme0n1, sda1 -> sda).
std::string disk_path_of(dev_t partition) {
    char resolved[PATH_MAX];
    if (!::realpath((sys_block_dir(partition) + "/..").c_str(), resolved)) return "the disk it is on";
    const std::string dir = resolved;
    return "/dev/" + dir.substr(dir.rfind('/') + 1);
}

// Whether `st` is a file the kernel swaps to now (/proc/swaps).
bool is_active_swap_file(const struct stat& st) {
    struct stat ss;
    for (const auto& swap : active_swaps())
        if (::stat(swap.name.c_str(), &ss) == 0 && ss.st_dev == st.st_dev && ss.st_ino == st.st_ino) return true;
    return false;
}

// --size for an image file: big enough for the boot partitions and a small
// system, and no bigger than the filesystem that is to hold it.
uint64_t check_image_size(const std::string& text, const std::string& image, Problems& problems) {
    uint64_t size = 0;
    try {
        size = parse_bytes(text);
    } catch (const Error&) {
        problems.push_back("--size '" + text + "' is not a size (write e.g. 8G or 512M)");
        return 0;
    }
    const uint64_t least = disk_size_for(64ull << 20);
    if (size < least) {
        problems.push_back("--size " + text + " is too small for the snapshot (needs at least " +
                           format_bytes(least) + "; leave --size out to size it automatically)");
        return 0;
    }
    struct statvfs vfs;
    const std::string dir = image.substr(0, image.rfind('/'));
    if (::statvfs(dir.empty() ? "/" : dir.c_str(), &vfs) == 0) {
        const uint64_t whole = static_cast<uint64_t>(vfs.f_blocks) * vfs.f_frsize;
        if (size > whole || size > static_cast<uint64_t>(INT64_MAX))
            problems.push_back("--size " + text + " is larger than the filesystem that would hold '" + image + "' (" +
                               format_bytes(whole) + ")");
    }
    return size;
}

}  // namespace

std::vector<std::string> target_guard_problems(const std::string& device, bool allow_fixed_disk) {
    std::vector<std::string> problems;
    struct stat st;
    if (::stat(device.c_str(), &st) != 0 || !S_ISBLK(st.st_mode)) return problems;
    const dev_t disk = whole_disk(st.st_rdev);
    const std::string sys = sys_block_dir(disk);
    if (first_line(sys + "/ro") == "1") problems.push_back("The target '" + device + "' is read-only");
    if (disk != st.st_rdev)
        problems.push_back("The target '" + device + "' is a partition; give the whole disk (" +
                           disk_path_of(st.st_rdev) + ")");
    // Loop devices and removable media (USB sticks, SD cards) are what sticks are made on.
    const std::string name = device.substr(device.rfind('/') + 1);
    char resolved[PATH_MAX];
    const std::string link = ::realpath(sys.c_str(), resolved) ? resolved : "";
    const bool removable = first_line(sys + "/removable") == "1" || link.find("/usb") != std::string::npos ||
                           link.find("/mmc") != std::string::npos || name.rfind("loop", 0) == 0;
    if (!removable && !allow_fixed_disk)
        problems.push_back("The target '" + device + "' is a fixed (non-removable) disk; if you really mean to wipe it, "
                           "add --allow-fixed-disk");
    return problems;
}

namespace {

// The target: a device or an image file (existing or new), claimed, and
// whether it already is a remaster stick.
void plan_target(StickPlan& sp, const Options& opt, const std::vector<MountEntry>& mounts,
                 Problems& problems) {
    struct stat st;
    const bool exists = ::stat(sp.target.c_str(), &st) == 0;
    if (exists) {
        if (S_ISBLK(st.st_mode)) {
            target_claim(sp, opt, mounts, problems);
            for (const auto& g : target_guard_problems(sp.target, opt.allow_fixed_disk))
                problems.add(Exit::unsafe_target, g);
            if (!opt.image_size.empty()) problems.push_back("--size is for image files; a device is used whole");
        } else if (S_ISREG(st.st_mode)) {
            sp.image_file = true;
            target_claim(sp, opt, mounts, problems);
            if (is_active_swap_file(st))
                problems.add(Exit::unsafe_target, "The target '" + opt.to + "' is an active swap file (see `swapon --show`)");
        } else {
            problems.push_back("The target '" + opt.to + "' is neither a block device nor an image file");
        }
    } else if (errno != ENOENT) {
        problems.push_back("The target '" + opt.to + "' " +
                           (errno == ELOOP ? std::string("is a symbolic link loop") : "cannot be used: " + errno_string(errno)));
    } else if (opt.to.rfind("/dev/", 0) == 0) {
        problems.push_back("The target device '" + opt.to + "' does not exist (check `lsblk`)");
    } else {
        sp.image_file = true;
        const std::string dir = sp.target.empty() ? "" : sp.target.substr(0, sp.target.rfind('/'));
        if (sp.target.empty() || ::stat(dir.empty() ? "/" : dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
            problems.push_back("The directory for the image '" + opt.to + "' does not exist");
    }
    if (sp.image_file && !opt.image_size.empty()) sp.image_size = check_image_size(opt.image_size, sp.target, problems);
    // A remaster stick already? Then the new snapshot goes beside the old one.
    if (problems.empty() && !opt.replace && exists && ::geteuid() == 0) {
        try {
            sp.existing_uuid = Stick::probe(sp.target, sp.image_file, sp.lock);
        } catch (const Error& e) {
            problems.push_back("Cannot read the target '" + opt.to + "': " + e.what());
        }
    }
    // Anything else there is data of the user's: say what, and replace an
    // existing file only when confirmed, as a device is wiped.
    if (exists && (S_ISBLK(st.st_mode) || S_ISREG(st.st_mode))) {
        sp.contents = describe_contents(sp.target);
        sp.overwrites = sp.image_file && sp.existing_uuid.empty();
    }
    // An image below the root is fine: make_plan leaves it out of the scan.
}

// The kernels to boot (--kernel): the newest by default, then every older
// one with its own entry (all, the default), only the newest (newest), or
// only the one named. An older kernel that could not boot live (or whose
// version cannot name a file on the stick) is left out with a warning:
// the system still gets a stick, without that entry.
void plan_kernels(StickPlan& sp, const Options& opt, const std::string& root, Problems& problems) {
    const Adapter& a = *sp.adapter;
    const auto kernels = a.kernels(root);  // newest first
    const bool all = opt.kernel.empty() || opt.kernel == kKernelsAll;
    if (kernels.empty()) {
        problems.add(Exit::missing, "No kernel found in '" + root + "' (" + a.install_hint("kernel") + ")");
    } else if (all || opt.kernel == kKernelNewest) {
        sp.kernel = kernels.front();
    } else {
        for (const auto& k : kernels)
            if (k.version == opt.kernel) sp.kernel = k;
        if (sp.kernel.version.empty()) {
            std::string have;
            for (const auto& k : kernels) have += " " + k.version;
            problems.push_back("The kernel '" + opt.kernel + "' (--kernel) is not installed in the root; found:" + have +
                               " (or give all or newest)");
        }
    }
    if (!sp.kernel.version.empty())
        for (const auto& m : missing_kernel_modules(root, sp.kernel.version, live_boot_modules()))
            problems.push_back("Kernel " + sp.kernel.version + " lacks the '" + m + "' module needed to boot live");
    for (size_t i = 1; all && i < kernels.size(); ++i) {
        const Kernel& k = kernels[i];
        std::string why;
        if (!SnapshotDir::valid_kernel_version(k.version)) {
            why = "its version cannot name a file and a menu entry on the stick (letters, digits, . _ + -)";
        } else {
            const auto missing = missing_kernel_modules(root, k.version, live_boot_modules());
            if (!missing.empty()) why = "it lacks the '" + missing.front() + "' module needed to boot live";
        }
        if (why.empty())
            sp.other_kernels.push_back(k);
        else
            log::warn() << "leaving out the older kernel '" << printable(k.version) << "': " << why;
    }
}

// The distribution: its adapter and the kernel to boot. False when there is
// no adapter to go on with.
bool plan_system(StickPlan& sp, const Options& opt, const std::string& root, Problems& problems) {
    const OsRelease os = read_os_release(root);
    sp.os_name = os.pretty_name();
    sp.os_id = os.id();
    bool binary = false;
    for (const auto& [key, value] : os.fields) binary |= (key + value).find('\0') != std::string::npos;
    if (os.fields.empty() || binary) {
        if (binary || exists_in(root, "/etc/os-release") || exists_in(root, "/usr/lib/os-release"))
            problems.push_back("The os-release of '" + root + "' cannot be read or is not valid (no KEY=value lines)");
        else
            problems.push_back("'" + root + "' has no /etc/os-release: it is not an operating system root");
        return false;
    }
    try {
        AdapterChoice c = choose_adapter(os);
        sp.adapter = std::move(c.adapter);
        sp.adapter_why = c.why;
    } catch (const Error& e) {
        problems.push_back(std::string(e.what()) + ". " + e.hint());
        return false;
    }
    plan_kernels(sp, opt, root, problems);
    return true;
}

// The tools that build the initramfs and GRUB (in the root) and write the
// stick (on this machine), and the boot menu's values.
void plan_tools(const StickPlan& sp, const std::string& root, Problems& problems) {
    const Adapter& a = *sp.adapter;
    // Tools inside the root: the initramfs and GRUB must match the root's kernel and files.
    auto need_in_root = [&](const std::string& tool, const std::string& what) {
        if (find_program(tool, root).empty()) {
            problems.add(Exit::missing, "'" + tool + "' is missing in the root (" + a.install_hint(what) + ")");
        }
    };
    need_in_root("dracut", "dracut");
    need_in_root(a.grub_tool("mkimage"), "grub-mkimage");
    if (sp.grub_bios_setup.empty()) {
        problems.add(Exit::missing, "'" + a.grub_tool("bios-setup") + "' is missing in the root (" +
                                        a.install_hint("grub-bios-setup") + ")");
    }
    for (const auto& [dir, what] : {std::pair<std::string, std::string>{"/usr/lib/grub/i386-pc", "grub-i386-pc"},
                                    {"/usr/lib/grub/x86_64-efi", "grub-x86_64-efi"}})
        if (!exists_in(root, dir + "/normal.mod")) {
            problems.add(Exit::missing, "GRUB's " + dir.substr(dir.rfind('/') + 1) + " files are missing in the root (" +
                                            a.install_hint(what) + ")");
        }
    // The boot menu: the user's arguments and the system's name must have a
    // GRUB spelling now, not after the squash.
    try {
        check_menu_values(load_menu_templates(data_dir() + "/grub.d"), sp.os_name, sp.kernel_args);
    } catch (const Error& e) {
        problems.add(e.code() == Exit::missing ? Exit::missing : Exit::bad_input,
                     std::string(e.what()) + (e.hint().empty() ? "" : ". " + e.hint()));
    }
    // Tools on this machine, which writes the stick.
    for (const auto& [tool, pkg] : {std::pair<const char*, const char*>{"grub-script-check", "grub-common"},
                                    {"mkfs.ext4", "e2fsprogs"},
                                    {"mkfs.fat", "dosfstools"},
                                    {"mcopy", "mtools"},
                                    {"mmd", "mtools"}})
        if (find_program(tool).empty()) {
            problems.add(Exit::missing, std::string("'") + tool + "' is missing on this machine (install the package " +
                                            pkg + ")");
        }
}

// --secure-boot: the root's signed chain, unless off. Without one, require
// refuses and auto warns once: the stick then boots only with Secure Boot
// off (or the stick's GRUB enrolled by the user).
void plan_secure_boot(StickPlan& sp, const Options& opt, const std::string& root, Problems& problems,
                      const char* medium = "stick") {
    if (opt.secure_boot == "off") return;
    if (opt.secure_boot != "auto" && opt.secure_boot != "require") {
        problems.push_back("--secure-boot '" + opt.secure_boot + "' is not auto, require or off");
        return;
    }
    sp.signed_chain = sp.adapter->signed_chain(root);
    if (sp.signed_chain) return;
    const std::string why = "the root has no signed boot chain (" + sp.adapter->signed_chain_hint() + ")";
    if (opt.secure_boot == "require")
        problems.add(Exit::missing, "--secure-boot require: " + why);
    else
        log::warn() << "the " << medium << " will not boot with Secure Boot on: " << why;
}

}  // namespace

namespace {
void plan_network_tools(const StickPlan& sp, const std::string& root, Problems& problems);
}  // namespace

StickPlan plan_stick(const Options& opt, const std::string& root, const std::vector<MountEntry>& mounts,
                     Problems& problems) {
    StickPlan sp;
    sp.target = absolute_path(opt.to);
    sp.kernel_args = opt.kernel_args;
    sp.snapshot_id = new_snapshot_id();
    plan_target(sp, opt, mounts, problems);
    if (!plan_system(sp, opt, root, problems)) return sp;
    sp.grub_bios_setup = sp.adapter->grub_bios_setup(root);
    plan_tools(sp, root, problems);
    if (!opt.update_url.empty()) plan_network_tools(sp, root, problems);
    plan_secure_boot(sp, opt, root, problems);
    return sp;
}

StickPlan plan_iso_system(const Options& opt, const std::string& root, Problems& problems) {
    StickPlan sp;
    sp.kernel_args = opt.kernel_args;
    sp.snapshot_id = new_snapshot_id();
    if (!plan_system(sp, opt, root, problems)) return sp;
    sp.other_kernels.clear();  // one snapshot, one kernel: the menu has live, ram and check
    sp.grub_bios_setup = sp.adapter->grub_bios_setup(root);
    plan_tools(sp, root, problems);
    for (const char* f : {"cdboot.img", "boot_hybrid.img"})
        if (!exists_in(root, std::string("/usr/lib/grub/i386-pc/") + f))
            problems.add(Exit::missing, std::string("GRUB's i386-pc/") + f + " is missing in the root (" +
                                            sp.adapter->install_hint("grub-i386-pc") + ")");
    plan_secure_boot(sp, opt, root, problems, "ISO");
    return sp;
}

namespace {

// What an initramfs that downloads a snapshot needs in the root: dracut's
// network module, curl and openssl (netboot, and a stick with --update-url).
void plan_network_tools(const StickPlan& sp, const std::string& root, Problems& problems) {
    const Adapter& a = *sp.adapter;
    if (find_program("dracut", root).empty())
        problems.add(Exit::missing, "'dracut' is missing in the root (" + a.install_hint("dracut") + ")");
    else if (!dracut_has_module(root, "network"))
        problems.add(Exit::missing, "dracut's network module is missing in the root (" + a.install_hint("dracut-network") +
                                        "): the initramfs brings the network up with it");
    // curl fetches the system, openssl checks its signature (and is what
    // a signed directory needs; asked for always, so that a key added
    // later needs no other root).
    for (const char* tool : {"curl", "openssl"})
        if (find_program(tool, root).empty())
            problems.add(Exit::missing, std::string("'") + tool + "' is missing in the root (" + a.install_hint(tool) +
                                            "): the initramfs " +
                                            (std::string(tool) == "curl" ? "downloads the system" : "checks signatures") +
                                            " with it");
}

}  // namespace

StickPlan plan_netboot_system(const Options& opt, const std::string& root, Problems& problems) {
    StickPlan sp;
    sp.kernel_args = opt.kernel_args;
    sp.snapshot_id = new_snapshot_id();
    if (!plan_system(sp, opt, root, problems)) return sp;
    sp.other_kernels.clear();  // one kernel: what the iPXE script and GRUB config boot
    plan_network_tools(sp, root, problems);
    try {
        check_menu_values(load_menu_templates(data_dir() + "/grub.d"), sp.os_name, sp.kernel_args);
    } catch (const Error& e) {
        problems.add(e.code() == Exit::missing ? Exit::missing : Exit::bad_input,
                     std::string(e.what()) + (e.hint().empty() ? "" : ". " + e.hint()));
    }
    return sp;
}

void confirm_wipe(const std::string& target, bool yes) {
    if (yes) return;
    struct stat st {};
    const bool file = ::stat(target.c_str(), &st) == 0 && S_ISREG(st.st_mode);
    const std::string holds = printable(describe_contents(target));
    const std::string name = target.substr(target.rfind('/') + 1);
    const std::string model = file ? "" : first_line("/sys/class/block/" + name + "/device/model");
    uint64_t size = static_cast<uint64_t>(st.st_size);
    try {
        if (!file) size = device_size(target);
    } catch (const Error&) {
    }
    const std::string what = file ? "the existing file '" + target + "'" : "'" + target + "'";
    if (!::isatty(0))
        throw Error(Exit::unsafe_target,
                    std::string("Refusing to ") + (file ? "overwrite " : "wipe ") + what + " without confirmation (no terminal to ask on); it holds " + holds,
                    file ? "Check it is the file you mean to replace, then add --yes; or write the stick to a new file."
                         : "Check it is the right device with `lsblk " + target + "`, then add --yes.");
    if (file)
        std::cerr << "\nThis REPLACES the file " << target << ", which holds " << holds << ".\n";
    else
        std::cerr << "\nThis ERASES everything on " << target << (model.empty() ? "" : " (" + model + ")") << ", "
                  << format_bytes(size) << "; it holds " << holds << ".\n";
    std::cerr << "Type 'yes' to continue: " << std::flush;
    std::string answer;
    std::getline(std::cin, answer);
    check_interrupt();  // Ctrl-C at the prompt is an interrupt, not a "no"
    if (answer != "yes")
        throw Error(Exit::unsafe_target, "Not confirmed; '" + target + "' was not touched");
}

}  // namespace remaster
