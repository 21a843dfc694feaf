#include "qemu.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>

#include "error.hpp"
#include "fd.hpp"
#include "runner.hpp"

namespace remaster {

const char* firmware_name(Firmware f) {
    return f == Firmware::bios ? "bios" : f == Firmware::uefi ? "uefi" : "uefi-secure";
}
const char* accel_name(Accel a) { return a == Accel::kvm ? "kvm" : "tcg"; }

std::vector<std::string> qemu_argv(const QemuBoot& b) {
    std::vector<std::string> argv = {"qemu-system-x86_64", "-accel", accel_name(b.accel),
                                     "-machine", b.firmware == Firmware::uefi_secure ? "q35,smm=on" : "q35",
                                     "-m", std::to_string(b.memory_mib),
                                     "-smp", std::to_string(b.cpus),
                                     "-display", "none", "-monitor", "none",
                                     "-serial", "stdio",
                                     "-no-reboot"};
    const std::string drive = "file=" + b.disk + ",format=" + b.disk_format;
    if (b.bus == Bus::virtio) argv.insert(argv.end(), {"-drive", drive + ",if=virtio"});
    if (b.bus == Bus::cdrom)
        argv.insert(argv.end(), {"-drive", drive + ",media=cdrom,if=none,id=cd", "-device", "ide-cd,drive=cd,bootindex=0"});
    if (b.bus == Bus::usb)
        argv.insert(argv.end(), {"-device", "qemu-xhci,id=xhci", "-drive", drive + ",if=none,id=stick",
                                 "-device", "usb-storage,bus=xhci.0,drive=stick,bootindex=0"});
    if (!b.keep_writes) argv.push_back("-snapshot");
    if (b.accel == Accel::kvm) argv.insert(argv.end(), {"-cpu", "host"});
    // Secure Boot: the variable store is writable only from SMM, so the OS
    // cannot turn it off (OVMF's secure build refuses to run otherwise).
    if (b.firmware == Firmware::uefi_secure)
        argv.insert(argv.end(), {"-global", "driver=cfi.pflash01,property=secure,value=on"});
    if (b.firmware != Firmware::bios) {
        argv.insert(argv.end(), {"-drive", "if=pflash,format=raw,unit=0,readonly=on,file=" + b.ovmf_code,
                                 "-drive", "if=pflash,format=raw,unit=1,file=" + b.ovmf_vars});
    }
    return argv;
}

std::string qcow2_backing_file(const std::string& path) {
    // The header (QEMU's docs/interop/qcow2.txt), big-endian: magic "QFI\xfb",
    // version, then the backing file name's offset (8 bytes) and size (4).
    Fd fd = open_or_throw(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    unsigned char h[20];
    auto be = [&](int at, int n) {
        uint64_t v = 0;
        for (int i = 0; i < n; ++i) v = v << 8 | h[at + i];
        return v;
    };
    if (::pread(fd.get(), h, sizeof h, 0) != static_cast<ssize_t>(sizeof h) || std::memcmp(h, "QFI\xfb", 4) != 0)
        throw Error(Exit::bad_input, "'" + path + "' is not a qcow2 image",
                    "Give a new file name to --keep-view (boot-test creates it), or one an earlier boot-test kept.");
    const uint64_t offset = be(8, 8), size = be(16, 4);
    if (offset == 0 || size == 0) return "";
    if (size > 4096) throw Error(Exit::bad_input, "'" + path + "' names an overlong backing file");
    std::string name(size, '\0');
    if (::pread(fd.get(), name.data(), size, static_cast<off_t>(offset)) != static_cast<ssize_t>(size))
        throw Error(Exit::bad_input, "'" + path + "' is a truncated qcow2 image");
    return name;
}

Accel choose_accel(const std::string& forced) {
    if (forced == "tcg") return Accel::tcg;
    if (forced == "kvm") return Accel::kvm;
    if (!forced.empty())
        throw Error(Exit::usage, "Unknown accelerator '" + forced + "'", "Use kvm or tcg (--accel or REMASTER_BOOT_TEST_ACCEL).");
    Fd kvm(::open("/dev/kvm", O_RDWR | O_CLOEXEC));
    return kvm ? Accel::kvm : Accel::tcg;
}

OvmfFiles find_ovmf(bool secure) {
    // The .ms pair has Microsoft's keys enrolled: shim is signed by them.
    static const char* const secure_pairs[][2] = {
        {"/usr/share/OVMF/OVMF_CODE_4M.ms.fd", "/usr/share/OVMF/OVMF_VARS_4M.ms.fd"},
        {"/usr/share/OVMF/OVMF_CODE.ms.fd", "/usr/share/OVMF/OVMF_VARS.ms.fd"},
        {"/usr/share/edk2/ovmf/OVMF_CODE.secboot.fd", "/usr/share/edk2/ovmf/OVMF_VARS.secboot.fd"},
    };
    if (secure) {
        for (const auto& p : secure_pairs) {
            struct stat a, b;
            if (::stat(p[0], &a) == 0 && ::stat(p[1], &b) == 0) return {p[0], p[1]};
        }
        return {};
    }
    static const char* const pairs[][2] = {
        {"/usr/share/OVMF/OVMF_CODE_4M.fd", "/usr/share/OVMF/OVMF_VARS_4M.fd"},
        {"/usr/share/OVMF/OVMF_CODE.fd", "/usr/share/OVMF/OVMF_VARS.fd"},
        {"/usr/share/edk2/ovmf/OVMF_CODE.fd", "/usr/share/edk2/ovmf/OVMF_VARS.fd"},
    };
    for (const auto& p : pairs) {
        struct stat a, b;
        if (::stat(p[0], &a) == 0 && ::stat(p[1], &b) == 0) return {p[0], p[1]};
    }
    return {};
}

void check_qemu_tools(bool uefi, bool secure) {
    std::vector<std::string> missing;
    for (const char* tool : {"qemu-system-x86_64", "qemu-img", "qemu-io"})
        if (find_program(tool).empty()) missing.push_back(tool);
    std::string packages = missing.empty() ? "" : "qemu-system-x86 qemu-utils";
    if (uefi && find_ovmf(secure).code.empty()) {
        missing.push_back(secure ? "the OVMF UEFI firmware with Secure Boot (OVMF_CODE_4M.ms.fd)" : "the OVMF UEFI firmware");
        packages += packages.empty() ? "ovmf" : " ovmf";
    }
    if (missing.empty()) return;
    std::string what;
    for (size_t i = 0; i < missing.size(); ++i) what += (i ? ", " : "") + missing[i];
    throw Error(Exit::missing, "remaster boot-test needs " + what + " (optional dependencies of remaster)",
                "Install them: apt-get install " + packages);
}

}  // namespace remaster
