#include <catch2/catch.hpp>

#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <string>

#include "child_process.hpp"
#include "console_watch.hpp"
#include "error.hpp"
#include "grubenv.hpp"
#include "qemu.hpp"
#include "temp_dir.hpp"

using namespace remaster;

namespace {
bool has(const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); }
// The word after `flag` in argv ("" if none).
std::string after(const std::vector<std::string>& v, const std::string& flag) {
    auto it = std::find(v.begin(), v.end(), flag);
    return it != v.end() && it + 1 != v.end() ? *(it + 1) : "";
}
}  // namespace

TEST_CASE("the console watcher sees the live system's up line") {
    ConsoleWatcher w;
    CHECK(w.feed("[    1.0] Linux version 6.1\r\n[  OK  ] Reached target \x1b[0;1;39mMulti-User System\x1b[0m.\r\n") ==
          BootVerdict::pending);
    // Progress of our module is not a failure.
    CHECK(w.feed("remaster: copying the system into RAM: 40%\r\n") == BootVerdict::pending);
    // In pieces, as the pipe delivers it.
    CHECK(w.feed("remaster: live sys") == BootVerdict::pending);
    CHECK(w.feed("tem up (degraded)\r\n") == BootVerdict::up);
    CHECK(w.reason() == "remaster: live system up (degraded)");
    // Decided: later lines do not change it, but are kept.
    CHECK(w.feed("Kernel panic - not syncing\n") == BootVerdict::up);
    CHECK(w.last_lines().back() == "Kernel panic - not syncing");
}

TEST_CASE("the console watcher sees failures") {
    const char* lines[] = {
        "[   10.2] Kernel panic - not syncing: VFS: Unable to mount root fs",
        "[   61.0] dracut-initqueue[312]: Warning: remaster: no filesystem with UUID 0000 appeared within 10s",
        "dracut Warning: remaster: /remaster/x/filesystem.squashfs is missing",
        "Entering emergency mode. Exit the shell to continue.",
        "Starting Dracut Emergency Shell...",
        "You are in emergency mode. After logging in, type \"journalctl -xb\"",
        "remaster: live system did not start (maintenance)",
    };
    for (const char* line : lines) {
        ConsoleWatcher w;
        CHECK(w.feed(std::string(line) + "\r\n") == BootVerdict::failed);
        CHECK(w.reason() == line);
    }
}

TEST_CASE("Secure Boot refusals are failures, even in a line that never ends") {
    ConsoleWatcher w;
    // shim's message box: drawn with escapes, then it waits; no newline.
    CHECK(w.feed("\x1b[0m\x1b[37m\x1b[40m\x1b[1;1H  Verification failed: (0x1A) Security Violation  ") ==
          BootVerdict::failed);
    CHECK(w.reason().find("Security Violation") != std::string::npos);
    ConsoleWatcher ovmf;
    CHECK(ovmf.feed("BdsDxe: failed to load Boot0001 \"UEFI Misc Device\" from PciRoot(0x0): Access Denied\r\n") ==
          BootVerdict::failed);
    ConsoleWatcher half;
    CHECK(half.feed("Verification fai") == BootVerdict::pending);
    CHECK(half.feed("led: (0x1A) Security Viol") == BootVerdict::pending);
    CHECK(half.feed("ation") == BootVerdict::failed);
}

TEST_CASE("after the emergency shell starts, the module's own line is the reason") {
    ConsoleWatcher w;
    CHECK(w.feed("Starting dracut-emergency.service - Dracut Emergency Shell...\n") == BootVerdict::failed);
    CHECK_FALSE(w.reason_is_ours());
    w.feed("[ 70.1] dracut-initqueue[300]: Warning: remaster: no filesystem with UUID 0000 appeared within 10s\n");
    CHECK(w.reason_is_ours());
    CHECK(w.reason().find("no filesystem with UUID 0000") != std::string::npos);
    w.feed("Warning: remaster: a second one\n");
    CHECK(w.reason().find("UUID 0000") != std::string::npos);
}

TEST_CASE("the console watcher keeps the last lines, an unfinished one at the end") {
    ConsoleWatcher w;
    for (int i = 0; i < 30; ++i) w.feed("line " + std::to_string(i) + "\n");
    w.feed("\x1b[2Jlast words, no newline");
    CHECK(w.finish() == BootVerdict::pending);
    REQUIRE(w.last_lines().size() == ConsoleWatcher::kKeptLines);
    CHECK(w.last_lines().front() == "line 11");
    CHECK(w.last_lines().back() == "last words, no newline");
    // A redrawn status line counts as what it shows last.
    w.feed("\x1b[K[ *  ] A start job is running (1s)\r\x1b[K[  * ] A start job is running (2s)\r\n");
    CHECK(w.last_lines().back() == "[  * ] A start job is running (2s)");
    CHECK(clean_console_line("\x1b[1;32m  OK  \x1b[0m\tdone\r") == "  OK   done");
}

TEST_CASE("the QEMU command line boots headless from a copy-on-write view") {
    QemuBoot b{"/run/remaster/1/boot-test/stick.qcow2", "qcow2", Firmware::bios, Accel::tcg};
    auto argv = qemu_argv(b);
    CHECK(argv.front() == "qemu-system-x86_64");
    CHECK(after(argv, "-accel") == "tcg");
    CHECK(after(argv, "-serial") == "stdio");
    CHECK(after(argv, "-display") == "none");
    CHECK(after(argv, "-monitor") == "none");
    CHECK(has(argv, "-snapshot"));
    CHECK(has(argv, "-no-reboot"));
    CHECK(has(argv, "file=/run/remaster/1/boot-test/stick.qcow2,format=qcow2,if=virtio"));
    CHECK_FALSE(has(argv, "-cpu"));
    CHECK(std::none_of(argv.begin(), argv.end(), [](const std::string& a) { return a.find("pflash") != std::string::npos; }));

    b.firmware = Firmware::uefi;
    b.accel = Accel::kvm;
    b.ovmf_code = "/usr/share/OVMF/OVMF_CODE_4M.fd";
    b.ovmf_vars = "/run/x/OVMF_VARS.fd";
    argv = qemu_argv(b);
    CHECK(after(argv, "-accel") == "kvm");
    CHECK(after(argv, "-cpu") == "host");
    CHECK(has(argv, "if=pflash,format=raw,unit=0,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd"));
    CHECK(has(argv, "if=pflash,format=raw,unit=1,file=/run/x/OVMF_VARS.fd"));

    // A kept view (--keep-view) takes the guest's writes.
    b.keep_writes = true;
    CHECK_FALSE(has(qemu_argv(b), "-snapshot"));
}

TEST_CASE("uefi-secure boots OVMF with SMM and a secure pflash") {
    QemuBoot b{"/run/x/stick.qcow2", "qcow2", Firmware::uefi_secure, Accel::tcg};
    b.ovmf_code = "/usr/share/OVMF/OVMF_CODE_4M.ms.fd";
    b.ovmf_vars = "/run/x/OVMF_VARS.fd";
    const auto argv = qemu_argv(b);
    CHECK(std::string(firmware_name(b.firmware)) == "uefi-secure");
    CHECK(after(argv, "-machine") == "q35,smm=on");
    CHECK(after(argv, "-global") == "driver=cfi.pflash01,property=secure,value=on");
    CHECK(has(argv, "if=pflash,format=raw,unit=0,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.ms.fd"));
    CHECK(has(argv, "if=pflash,format=raw,unit=1,file=/run/x/OVMF_VARS.fd"));
    // Plain uefi and bios keep the machine without SMM and secure flash.
    b.firmware = Firmware::uefi;
    CHECK(after(qemu_argv(b), "-machine") == "q35");
    CHECK_FALSE(has(qemu_argv(b), "-global"));
    // The secure pair is Debian's OVMF with Microsoft's keys, when installed.
    const OvmfFiles f = find_ovmf(true);
    if (!f.code.empty()) CHECK((f.code.find(".ms.fd") != std::string::npos || f.code.find("secboot") != std::string::npos));
}

TEST_CASE("a qcow2 view names the stick it is backed by") {
    TempDir t("remaster-qcow2");
    // The header as qemu-img writes it: magic, version 3, backing name at 0x100.
    std::string header("QFI\xfb\0\0\0\3", 8);
    const std::string backing = "/tmp/stick.img";
    header += std::string("\0\0\0\0\0\0\x01\0", 8) + std::string("\0\0\0", 3) + char(backing.size());
    header.resize(0x100, '\0');
    t.file("view.qcow2", header + backing + std::string(64, '\0'));
    CHECK(qcow2_backing_file(t / "view.qcow2") == backing);

    std::string plain = header;
    std::fill(plain.begin() + 8, plain.begin() + 20, '\0');
    t.file("plain.qcow2", plain);
    CHECK(qcow2_backing_file(t / "plain.qcow2").empty());

    t.file("raw.img", std::string(512, 'x'));
    CHECK_THROWS_AS(qcow2_backing_file(t / "raw.img"), Error);
    t.file("short.qcow2", header);  // names a backing file past its end
    CHECK_THROWS_AS(qcow2_backing_file(t / "short.qcow2"), Error);
}

TEST_CASE("the accelerator can be forced") {
    CHECK(choose_accel("tcg") == Accel::tcg);
    CHECK(choose_accel("kvm") == Accel::kvm);
    CHECK_THROWS_AS(choose_accel("xen"), Error);
}

TEST_CASE("a grubenv block is 1024 bytes in GRUB's format") {
    const std::string empty = grubenv_block({});
    CHECK(empty.size() == kGrubenvSize);
    CHECK(empty.rfind("# GRUB Environment Block\n#", 0) == 0);
    CHECK(empty.find_first_not_of('#', 25) == std::string::npos);
    const std::string b = grubenv_block({{"next_entry", "ram"}, {"remaster_extra_args", "console=ttyS0,115200 a\\b"}});
    CHECK(b.size() == kGrubenvSize);
    CHECK(b.rfind("# GRUB Environment Block\nnext_entry=ram\nremaster_extra_args=console=ttyS0,115200 a\\\\b\n#", 0) == 0);
    CHECK_THROWS_AS(grubenv_block({{"x", "two\nlines"}}), Error);
    CHECK_THROWS_AS(grubenv_block({{"x", std::string(1100, 'a')}}), Error);
}

TEST_CASE("a child process is stopped when its owner goes") {
    {
        ChildProcess p = ChildProcess::start({{"sh", "-c", "echo started; exec sleep 60"}});
        struct pollfd fd = {p.out_fd(), POLLIN, 0};
        REQUIRE(::poll(&fd, 1, 5000) == 1);
        char buf[16];
        CHECK(::read(p.out_fd(), buf, sizeof buf) > 0);
        CHECK(p.running());
        ChildProcess moved = std::move(p);
        CHECK_FALSE(p.running());
        CHECK(moved.running());
        CHECK(moved.stop() == 128 + SIGTERM);
        CHECK_FALSE(moved.running());
    }
    ChildProcess missing = ChildProcess::start({{"/nonexistent/program"}});
    CHECK(missing.wait() == 127);
    CHECK(missing.failure_text().find("cannot execute '/nonexistent/program'") != std::string::npos);
}

TEST_CASE("an ISO boots as a CD-ROM on AHCI or as a USB stick on xHCI") {
    QemuBoot b{"/run/x/stick.qcow2", "qcow2", Firmware::bios, Accel::tcg};
    b.bus = Bus::cdrom;
    auto argv = qemu_argv(b);
    CHECK(has(argv, "file=/run/x/stick.qcow2,format=qcow2,media=cdrom,if=none,id=cd"));
    CHECK(has(argv, "ide-cd,drive=cd,bootindex=0"));
    CHECK(has(argv, "-snapshot"));
    CHECK(std::none_of(argv.begin(), argv.end(), [](const std::string& a) { return a.find("if=virtio") != std::string::npos; }));
    b.bus = Bus::usb;
    argv = qemu_argv(b);
    CHECK(has(argv, "qemu-xhci,id=xhci"));
    CHECK(has(argv, "file=/run/x/stick.qcow2,format=qcow2,if=none,id=stick"));
    CHECK(has(argv, "usb-storage,bus=xhci.0,drive=stick,bootindex=0"));
}
