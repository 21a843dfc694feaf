#include "installed_system.hpp"

#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <fstream>

#include "boot_install.hpp"
#include "dir_stream.hpp"
#include "error.hpp"
#include "file_copy.hpp"
#include "log.hpp"
#include "mount.hpp"
#include "paths.hpp"
#include "scrub.hpp"
#include "ssh_host_keys.hpp"

namespace remaster {
namespace {

void write_text(const std::string& path, const std::string& text, mode_t mode) {
    make_dirs(parent_path(path), 0755);
    std::error_code ec;
    std::filesystem::remove(path, ec);  // a symlink (to /run, to the host) is replaced, never followed
    std::ofstream f(path, std::ios::trunc);
    f << text;
    f.close();
    if (!f) throw Error(Exit::failure, "Failed to write '" + path + "'");
    if (::chmod(path.c_str(), mode) != 0) throw_errno("set the mode of '" + path + "'", errno);
}

// A node like the one this machine has at `from`.
void copy_node(const std::string& from, const std::string& to) {
    struct stat st;
    if (::stat(from.c_str(), &st) != 0) throw_errno("stat '" + from + "'", errno);
    if (::mknod(to.c_str(), st.st_mode & (S_IFMT | 0777), st.st_rdev) != 0) throw_errno("create '" + to + "'", errno);
}

}  // namespace

std::string installed_fstab(const InstalledDisk& d) {
    return "# Written by remaster install: the filesystems of this installation, by UUID.\n"
           "UUID=" + d.root_uuid + "\t/\text4\terrors=remount-ro\t0\t1\n"
           "UUID=" + d.esp_uuid + "\t/boot/efi\tvfat\tumask=0077,nofail\t0\t2\n";
}

void configure_installed_root(const std::string& root, const InstalledDisk& d) {
    write_text(in_root(root, "/etc/fstab"), installed_fstab(d), 0644);
    make_dirs(in_root(root, "/boot/efi"), 0755);
    // A fresh identity: two installs from one stick must not share it.
    std::string id = new_uuid();
    id.erase(std::remove(id.begin(), id.end(), '-'), id.end());
    write_text(in_root(root, "/etc/machine-id"), id + "\n", 0444);
    struct stat st;
    const std::string dbus = in_root(root, "/var/lib/dbus/machine-id");
    if (::lstat(dbus.c_str(), &st) == 0 && S_ISREG(st.st_mode)) write_text(dbus, id + "\n", 0444);
    // The live boot's own pieces: our dracut module (installed into the
    // view for the stick's initramfs) and any config that adds it.
    std::error_code ec;
    std::filesystem::remove_all(in_root(root, "/usr/lib/dracut/modules.d/90remaster"), ec);
    for (const char* f : {"/etc/dracut.conf.d/90-remaster.conf", "/etc/dracut.conf.d/remaster.conf"})
        std::filesystem::remove(in_root(root, f), ec);
    log::info() << "Wrote /etc/fstab (root UUID " << d.root_uuid << ") and a new machine-id";
}

int drop_ssh_host_keys(const std::string& root) {
    // The unit first: plan_ssh_host_keys looks for the keys it replaces.
    apply_scrub(root, plan_ssh_host_keys(root));
    int dropped = 0;
    const std::string dir = in_root(root, "/etc/ssh");
    DirStream d(dir);
    std::vector<std::string> keys;
    while (const dirent* e = d.next())
        if (std::string(e->d_name).rfind("ssh_host_", 0) == 0) keys.push_back(e->d_name);
    for (const auto& k : keys) {
        if (::unlink((dir + "/" + k).c_str()) != 0) throw_errno("remove '/etc/ssh/" + k + "'", errno);
        ++dropped;
    }
    return dropped;
}

ChrootMounts::ChrootMounts(const std::string& root, const InstalledDisk& d) {
    for (const char* dir : {"/proc", "/sys", "/dev", "/tmp", "/run"}) make_dirs(in_root(root, dir), 0755);
    mounts_.push(Mount::bind("/proc", in_root(root, "/proc"), false));
    mounts_.push(Mount::bind("/sys", in_root(root, "/sys"), true));
    const std::string dev = in_root(root, "/dev");
    mounts_.push(Mount::mount("remaster-dev", dev, "tmpfs", "mode=0755,size=16m"));
    for (const char* n : {"null", "zero", "full", "random", "urandom", "tty"}) copy_node(std::string("/dev/") + n, dev + "/" + n);
    for (const auto& [name, target] : std::vector<std::pair<std::string, std::string>>{
             {"fd", "/proc/self/fd"}, {"stdin", "/proc/self/fd/0"}, {"stdout", "/proc/self/fd/1"}, {"stderr", "/proc/self/fd/2"}})
        if (::symlink(target.c_str(), (dev + "/" + name).c_str()) != 0) throw_errno("create /dev/" + name, errno);
    const auto base = [](const std::string& p) { return p.substr(p.rfind('/') + 1); };
    for (const auto& p : {d.disk, d.esp, d.root_part}) copy_node(p, dev + "/" + base(p));
    make_dirs(dev + "/disk/by-uuid", 0755);
    for (const auto& [uuid, part] : {std::pair<std::string, std::string>{d.root_uuid, d.root_part}, {d.esp_uuid, d.esp}})
        if (::symlink(("../../" + base(part)).c_str(), (dev + "/disk/by-uuid/" + uuid).c_str()) != 0)
            throw_errno("create the by-uuid link of '" + part + "'", errno);
    // The root's /run and /tmp as a booted system has them: empty, ours.
    mounts_.push(Mount::mount("remaster-run", in_root(root, "/run"), "tmpfs", "mode=0755"));
    mounts_.push(Mount::mount("remaster-tmp", in_root(root, "/tmp"), "tmpfs", "mode=1777"));
}

std::vector<Command> installed_boot_setup(const std::string& root, const Adapter& a, const std::vector<Kernel>& kernels,
                                          bool host_only) {
    std::vector<Command> cmds;
    for (const auto& k : kernels) {
        Command c{a.installed_initramfs(root, k, host_only)};
        c.chroot = root;
        // mkinitcpio -P builds every kernel's image at once.
        if (!cmds.empty() && cmds.back().argv == c.argv) continue;
        cmds.push_back(std::move(c));
    }
    Command cfg{a.grub_mkconfig(root)};
    cfg.chroot = root;
    cmds.push_back(std::move(cfg));
    return cmds;
}

std::string installed_early_config(const Adapter& a, const std::string& root_uuid) {
    return "search --no-floppy --fs-uuid --set=root " + root_uuid + "\nset prefix=($root)" + a.grub_dir() + "\n";
}

std::vector<Command> installed_boot_loader(const std::string& root, const Adapter& a, const InstalledDisk& d) {
    std::vector<Command> cmds;
    auto in_root_cmd = [&](std::vector<std::string> argv) {
        Command c{std::move(argv)};
        c.chroot = root;
        cmds.push_back(std::move(c));
    };
    const std::string boot_dir = a.grub_dir().substr(0, a.grub_dir().rfind('/'));
    // BIOS: boot.img into the MBR, core.img into the BIOS boot partition.
    in_root_cmd({a.grub_tool("install"), "--target=i386-pc", "--boot-directory=" + boot_dir, d.disk});
    // UEFI: the removable path, found by any firmware without NVRAM entries.
    in_root_cmd({"cp", "-r", "/usr/lib/grub/x86_64-efi", a.grub_dir() + "/"});
    std::vector<std::string> mkimage = {a.grub_tool("mkimage"), "-O", "x86_64-efi", "-o", kEfiImageInRoot, "-p",
                                        a.grub_dir(), "-c", kEarlyConfigInRoot};
    for (const auto& m : core_modules("x86_64-efi")) mkimage.push_back(m);
    in_root_cmd(std::move(mkimage));
    Command mmd{{"mmd", "-i", d.esp, "::/EFI", "::/EFI/BOOT"}};
    mmd.env = {"MTOOLS_SKIP_CHECK=1"};
    Command mcopy{{"mcopy", "-o", "-i", d.esp, in_root(root, kEfiImageInRoot), "::/EFI/BOOT/BOOTX64.EFI"}};
    mcopy.env = {"MTOOLS_SKIP_CHECK=1"};
    cmds.push_back(mmd);
    cmds.push_back(mcopy);
    return cmds;
}

}  // namespace remaster
