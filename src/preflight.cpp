#include "preflight.hpp"

#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <dirent.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>

#include <fstream>
#include <iostream>
#include <sstream>

#include "bytes.hpp"
#include "error.hpp"
#include "interrupt.hpp"
#include "kernel_modules.hpp"
#include "partition.hpp"
#include "paths.hpp"
#include "stick.hpp"
#include "runner.hpp"

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

std::string read_sys(const std::string& path) {
    std::ifstream f(path);
    std::string s;
    std::getline(f, s);
    return s;
}

std::string sys_block_dir(dev_t dev) {
    return "/sys/dev/block/" + std::to_string(major(dev)) + ":" + std::to_string(minor(dev));
}

// Names in /sys/.../holders: device-mapper, md or LVM devices built on it.
std::vector<std::string> holders_of(const std::string& sysdir) {
    std::vector<std::string> out;
    if (DIR* d = ::opendir((sysdir + "/holders").c_str())) {
        while (dirent* e = ::readdir(d))
            if (e->d_name[0] != '.') out.push_back(e->d_name);
        ::closedir(d);
    }
    return out;
}

// Partitions of a whole disk, as sysfs directories.
std::vector<std::string> partitions_of(const std::string& sysdir) {
    std::vector<std::string> out;
    if (DIR* d = ::opendir(sysdir.c_str())) {
        while (dirent* e = ::readdir(d)) {
            const std::string p = sysdir + "/" + e->d_name;
            struct stat st;
            if (e->d_name[0] != '.' && ::stat((p + "/partition").c_str(), &st) == 0) out.push_back(p);
        }
        ::closedir(d);
    }
    return out;
}

}  // namespace

std::vector<std::string> target_guard_problems(const std::string& device, bool allow_fixed_disk) {
    std::vector<std::string> problems;
    struct stat st;
    if (::stat(device.c_str(), &st) != 0 || !S_ISBLK(st.st_mode)) return problems;
    const dev_t disk = whole_disk(st.st_rdev);
    const std::string sys = sys_block_dir(disk);
    std::vector<std::string> dirs = partitions_of(sys);
    dirs.insert(dirs.begin(), sys);
    for (const auto& d : dirs)
        for (const auto& h : holders_of(d))
            problems.push_back("The target is in use: '" + d.substr(d.rfind('/') + 1) + "' holds " + h +
                               " (LVM, RAID or device-mapper)");
    if (read_sys(sys + "/ro") == "1") problems.push_back("The target '" + device + "' is read-only");
    if (disk != st.st_rdev)
        problems.push_back("The target '" + device + "' is a partition; give the whole disk (e.g. " +
                           device.substr(0, device.find_last_not_of("0123456789p") + 1) + ")");
    // Loop devices and removable media (USB sticks, SD cards) are what sticks are made on.
    const std::string name = device.substr(device.rfind('/') + 1);
    char resolved[PATH_MAX];
    const std::string link = ::realpath(sys.c_str(), resolved) ? resolved : "";
    const bool removable = read_sys(sys + "/removable") == "1" || link.find("/usb") != std::string::npos ||
                           link.find("/mmc") != std::string::npos || name.rfind("loop", 0) == 0;
    if (!removable && !allow_fixed_disk)
        problems.push_back("The target '" + device + "' is a fixed (non-removable) disk; if you really mean to wipe it, "
                           "add --allow-fixed-disk");
    return problems;
}

std::vector<std::string> target_in_use(const std::string& device, const std::vector<MountEntry>& mounts) {
    std::vector<std::string> uses;
    struct stat st;
    if (::stat(device.c_str(), &st) != 0 || !S_ISBLK(st.st_mode)) return uses;
    const dev_t disk = whole_disk(st.st_rdev);
    auto on_target = [&](dev_t d) { return d == disk || whole_disk(d) == disk; };
    for (const auto& m : mounts) {
        struct stat ms;
        if (m.source.rfind("/dev/", 0) == 0 && ::stat(m.source.c_str(), &ms) == 0 && S_ISBLK(ms.st_mode) &&
            on_target(ms.st_rdev))
            uses.push_back("'" + m.source + "' is mounted on " + m.target);
    }
    std::ifstream swaps("/proc/swaps");
    std::string line;
    std::getline(swaps, line);
    while (std::getline(swaps, line)) {
        std::istringstream ls(line);
        std::string name;
        ls >> name;
        struct stat ss;
        if (::stat(name.c_str(), &ss) == 0 && S_ISBLK(ss.st_mode) && on_target(ss.st_rdev))
            uses.push_back("'" + name + "' is active swap");
    }
    return uses;
}

StickPlan plan_stick(const Options& opt, const std::string& root, const std::vector<MountEntry>& mounts,
                     std::vector<std::string>& problems, bool& missing) {
    StickPlan sp;
    sp.target = absolute_path(opt.to);
    sp.image_size = opt.image_size;
    sp.kernel_args = opt.kernel_args;
    sp.snapshot_id = new_snapshot_id();

    // The target.
    struct stat st;
    if (::stat(sp.target.c_str(), &st) == 0) {
        if (S_ISBLK(st.st_mode)) {
            for (const auto& u : target_in_use(sp.target, mounts)) problems.push_back("The target is in use: " + u);
            for (const auto& g : target_guard_problems(sp.target, opt.allow_fixed_disk)) problems.push_back(g);
            if (opt.image_size) problems.push_back("--size is for image files; a device is used whole");
        } else if (S_ISREG(st.st_mode)) {
            sp.image_file = true;
        } else {
            problems.push_back("The target '" + opt.to + "' is neither a block device nor an image file");
        }
    } else if (opt.to.rfind("/dev/", 0) == 0) {
        problems.push_back("The target device '" + opt.to + "' does not exist (check `lsblk`)");
    } else {
        sp.image_file = true;
        const std::string dir = sp.target.empty() ? "" : sp.target.substr(0, sp.target.rfind('/'));
        if (sp.target.empty() || ::stat(dir.empty() ? "/" : dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
            problems.push_back("The directory for the image '" + opt.to + "' does not exist");
    }
    // A remaster stick already? Then the new snapshot goes beside the old one.
    if (problems.empty() && !opt.replace && ::stat(sp.target.c_str(), &st) == 0 && ::geteuid() == 0) {
        try {
            sp.existing_uuid = Stick::probe(sp.target, sp.image_file);
        } catch (const Error& e) {
            problems.push_back("Cannot read the target '" + opt.to + "': " + e.what());
        }
    }
    if (sp.image_file && path_below(sp.target, root))
        problems.push_back("The image '" + opt.to + "' lies inside the root being snapshotted; write it elsewhere "
                           "(e.g. another disk), or use --exclude for its directory");

    // The distribution and its kernel.
    const OsRelease os = read_os_release(root);
    sp.os_name = os.pretty_name();
    sp.os_id = os.id();
    if (os.fields.empty()) {
        problems.push_back("'" + root + "' has no /etc/os-release: it is not an operating system root");
        return sp;
    }
    try {
        AdapterChoice c = choose_adapter(os);
        sp.adapter = std::move(c.adapter);
        sp.adapter_why = c.why;
    } catch (const Error& e) {
        problems.push_back(std::string(e.what()) + ". " + e.hint());
        return sp;
    }
    const Adapter& a = *sp.adapter;
    const auto kernels = a.kernels(root);
    if (kernels.empty()) {
        problems.push_back("No kernel found in '" + root + "' (" + a.install_hint("kernel") + ")");
        missing = true;
    } else if (opt.kernel.empty()) {
        sp.kernel = kernels.front();
    } else {
        for (const auto& k : kernels)
            if (k.version == opt.kernel) sp.kernel = k;
        if (sp.kernel.version.empty()) {
            std::string have;
            for (const auto& k : kernels) have += " " + k.version;
            problems.push_back("The kernel '" + opt.kernel + "' is not installed in the root; found:" + have);
        }
    }
    if (!sp.kernel.version.empty())
        for (const auto& m : missing_kernel_modules(root, sp.kernel.version, live_boot_modules()))
            problems.push_back("Kernel " + sp.kernel.version + " lacks the '" + m + "' module needed to boot live");

    // Tools inside the root: the initramfs and GRUB must match the root's kernel and files.
    auto need_in_root = [&](const std::string& tool, const std::string& what) {
        if (find_program(tool, root).empty()) {
            problems.push_back("'" + tool + "' is missing in the root (" + a.install_hint(what) + ")");
            missing = true;
        }
    };
    need_in_root("dracut", "dracut");
    need_in_root(a.grub_tool("mkimage"), "grub-mkimage");
    sp.grub_bios_setup = a.grub_bios_setup(root);
    if (sp.grub_bios_setup.empty()) {
        problems.push_back("'" + a.grub_tool("bios-setup") + "' is missing in the root (" +
                           a.install_hint("grub-bios-setup") + ")");
        missing = true;
    }
    for (const auto& [dir, what] : {std::pair<std::string, std::string>{"/usr/lib/grub/i386-pc", "grub-i386-pc"},
                                    {"/usr/lib/grub/x86_64-efi", "grub-x86_64-efi"}})
        if (!exists_in(root, dir + "/normal.mod")) {
            problems.push_back("GRUB's " + dir.substr(dir.rfind('/') + 1) + " files are missing in the root (" +
                               a.install_hint(what) + ")");
            missing = true;
        }
    // Tools on this machine, which writes the stick.
    for (const auto& [tool, pkg] : {std::pair<const char*, const char*>{"mkfs.ext4", "e2fsprogs"},
                                    {"mkfs.fat", "dosfstools"},
                                    {"mcopy", "mtools"},
                                    {"mmd", "mtools"}})
        if (find_program(tool).empty()) {
            problems.push_back(std::string("'") + tool + "' is missing on this machine (install the package " + pkg +
                               ")");
            missing = true;
        }
    return sp;
}

void confirm_wipe(const std::string& device, bool yes) {
    if (yes) return;
    const std::string name = device.substr(device.rfind('/') + 1);
    const std::string model = read_sys("/sys/class/block/" + name + "/device/model");
    uint64_t size = 0;
    try {
        size = device_size(device);
    } catch (const Error&) {
    }
    if (!::isatty(0))
        throw Error(Exit::unsafe_target,
                    "Refusing to wipe '" + device + "' without confirmation (no terminal to ask on)",
                    "Check it is the right device with `lsblk " + device + "`, then add --yes.");
    std::cerr << "\nThis ERASES everything on " << device << (model.empty() ? "" : " (" + model + ")") << ", "
              << format_bytes(size) << ".\nType 'yes' to continue: " << std::flush;
    std::string answer;
    std::getline(std::cin, answer);
    check_interrupt();  // Ctrl-C at the prompt is an interrupt, not a "no"
    if (answer != "yes")
        throw Error(Exit::unsafe_target, "Not confirmed; '" + device + "' was not touched");
}

}  // namespace remaster
