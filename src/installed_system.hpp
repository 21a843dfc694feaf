// What turns a copied snapshot into an installed system, and the commands
// that make it boot, in the order install runs them: the files first
// (fstab, machine-id, no trace of the live boot), then in a chroot the
// initramfs and GRUB's config the distribution's own way (adapter.hpp), and
// the boot loader last, so an interrupted install leaves a disk that does
// not boot rather than one that boots half a system.
#pragma once

#include <string>
#include <vector>

#include "adapter.hpp"
#include "mount_stack.hpp"
#include "runner.hpp"

namespace remaster {

struct InstalledDisk {
    std::string disk;       // the device or loop device, as this machine names it
    std::string esp;        // its EFI system partition
    std::string root_part;  // its root partition
    std::string root_uuid;  // ext4
    std::string esp_uuid;   // FAT volume id, "ABCD-1234"
};

// /etc/fstab of the installed system: / and /boot/efi by UUID.
std::string installed_fstab(const InstalledDisk& d);

// Writes fstab, a fresh machine-id, and removes what only the live boot
// needs (our dracut module and configuration). `root`: the new root's mount.
void configure_installed_root(const std::string& root, const InstalledDisk& d);

// install --mode clean: the source's ssh host keys are removed from the
// installed root, so that two installs from one stick, and the stick's own
// system, do not share them; where the root's sshd makes no keys at boot
// (Debian, Ubuntu), the unit that makes them at the first boot is added
// (ssh_host_keys.hpp), as for a clean live system. Returns how many keys went.
int drop_ssh_host_keys(const std::string& root);

// The chroot's kernel filesystems: /proc and /sys bound from this machine,
// and a /dev of its own (tmpfs) holding the basic nodes, the target disk,
// its partitions and /dev/disk/by-uuid links, so that grub-probe, dracut and
// grub-mkconfig see the new disk by UUID, whether or not udev runs here.
class ChrootMounts {
public:
    ChrootMounts(const std::string& root, const InstalledDisk& d);
    void close() { mounts_.unmount_all(); }

private:
    MountStack mounts_;
};

// The commands, in the chroot of `root`, that build every kernel's
// initramfs and GRUB's config.
std::vector<Command> installed_boot_setup(const std::string& root, const Adapter& a, const std::vector<Kernel>& kernels,
                                          bool host_only);
// The boot loader, last: grub-install for BIOS onto the disk; for UEFI a
// removable-path EFI/BOOT/BOOTX64.EFI built with grub-mkimage and written
// with mtools (the ESP is not mounted: this kernel may not even have vfat),
// its modules in the root's GRUB directory. The early config it embeds
// must be at kEarlyConfigInRoot.
std::vector<Command> installed_boot_loader(const std::string& root, const Adapter& a, const InstalledDisk& d);
constexpr const char* kEarlyConfigInRoot = "/tmp/remaster-early.cfg";
constexpr const char* kEfiImageInRoot = "/tmp/remaster-BOOTX64.EFI";
// That config: find the root by UUID, GRUB's directory on it.
std::string installed_early_config(const Adapter& a, const std::string& root_uuid);

}  // namespace remaster
