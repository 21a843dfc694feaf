// How boot-test runs QEMU: the command line for one headless boot of a
// stick (its serial console on QEMU's stdout), the accelerator, and where
// the tools and the UEFI firmware are. QEMU and OVMF are optional
// dependencies of remaster: only boot-test needs them.
#pragma once

#include <string>
#include <vector>

namespace remaster {

// uefi_secure: OVMF with Microsoft's keys enrolled and Secure Boot
// enforcing, as on a PC sold today; it needs SMM and secure pflash.
enum class Firmware { bios, uefi, uefi_secure };
enum class Accel { kvm, tcg };
// How the disk is attached: a virtio disk (a stick), a CD-ROM on the AHCI
// controller (an ISO), or a USB stick on xHCI (an ISO written raw to one).
enum class Bus { virtio, cdrom, usb };

const char* firmware_name(Firmware f);
const char* accel_name(Accel a);

struct QemuBoot {
    std::string disk;         // the disk image QEMU boots (our qcow2 overlay)
    std::string disk_format;  // "qcow2" or "raw"
    Firmware firmware = Firmware::bios;
    Accel accel = Accel::tcg;
    std::string ovmf_code, ovmf_vars;  // uefi: the firmware and a private copy of its variables
    int memory_mib = 2048;
    int cpus = 2;
    // The guest's writes reach `disk` (a kept view, boot-test --keep-view);
    // otherwise -snapshot drops them.
    bool keep_writes = false;
    Bus bus = Bus::virtio;
};

// qemu-system-x86_64 ... : no display, no monitor, the first serial port on
// stdout, -snapshot unless keep_writes (nothing the guest writes reaches any
// file), no reboot.
std::vector<std::string> qemu_argv(const QemuBoot& b);

// The backing file a qcow2 image names in its header ("" when none); throws
// Error(Exit::bad_input) when `path` is no qcow2 image.
std::string qcow2_backing_file(const std::string& path);

// KVM when /dev/kvm can be opened, TCG otherwise. `forced` ("kvm", "tcg" or
// "": from --accel or REMASTER_BOOT_TEST_ACCEL) wins; anything else throws.
Accel choose_accel(const std::string& forced);

struct OvmfFiles {
    std::string code, vars;  // "" when not found
};
// The first OVMF code/vars pair installed (Debian's ovmf package paths,
// then Fedora's edk2-ovmf); `secure`: a pair with Secure Boot enforcing.
OvmfFiles find_ovmf(bool secure = false);

// Throws Error(Exit::missing) naming the Debian packages when qemu-system-x86_64,
// qemu-img or qemu-io is missing, or OVMF when `uefi` is needed (its Secure
// Boot build when `secure`).
void check_qemu_tools(bool uefi, bool secure = false);

}  // namespace remaster
