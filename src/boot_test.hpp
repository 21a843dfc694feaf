// `remaster boot-test --on STICK|ISO`: boots a stick (or an ISO made by
// snapshot --iso, as a CD-ROM or a USB stick) headless in QEMU, once per
// firmware, and tells from its serial console whether the live system came
// up (console_watch.hpp). The stick is never written: QEMU boots a qcow2
// overlay backed by it, and the overlay's copy of the stick's grubenv block
// names the entry to boot (--entry) and puts the kernel's console on the
// serial port, so panics and the initramfs's errors show (docs/boot.md).
#pragma once

#include <string>

#include "runner.hpp"

namespace remaster {

struct BootTestOptions {
    std::string on;                // the stick: a device or an image file
    std::string firmware = "bios"; // bios, uefi, uefi-secure or both
    int timeout_s = 300;           // per boot
    std::string entry;             // menu entry id; "" boots the stick's default
    std::string accel;             // kvm or tcg; "" = REMASTER_BOOT_TEST_ACCEL, else KVM when it works
    std::string log;               // write the whole console here ("": nowhere)
    // A qcow2 view of the stick kept across boot-tests: what one boot writes
    // (a persistence profile) the next sees. "": a fresh view, dropped after.
    std::string keep_view;
    std::string kernel_args;  // added to the entry's kernel command line
    // How QEMU attaches it: virtio, cdrom or usb; "": virtio for a stick,
    // cdrom for an ISO (snapshot --iso; usb boots it as written raw to a stick).
    std::string bus;
};

// Prints one verdict per boot; true when every boot came up. Throws
// Error(Exit::missing) without QEMU (or OVMF for uefi).
bool boot_test(const BootTestOptions& o, Runner& runner);

}  // namespace remaster
