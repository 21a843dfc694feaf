#include "boot_test.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <regex>
#include <vector>

#include "child_process.hpp"
#include "console_watch.hpp"
#include "error.hpp"
#include "fd.hpp"
#include "grubenv.hpp"
#include "interrupt.hpp"
#include "iso_reader.hpp"
#include "log.hpp"
#include "medium.hpp"
#include "mount.hpp"
#include "partition.hpp"
#include "paths.hpp"
#include "qemu.hpp"
#include "runtime_dir.hpp"
#include "small_file.hpp"
#include "stick.hpp"

namespace remaster {
namespace {

// The kernel's console on the first serial port, so that its panics and the
// initramfs's messages reach the console we watch.
constexpr const char* kSerialConsole = "console=ttyS0,115200";

// A file we made in our runtime directory (which is only ever rmdir'ed):
// removed when done, on every path.
class ScratchFile {
public:
    explicit ScratchFile(std::string path) : path_(std::move(path)) {}
    ScratchFile(const ScratchFile&) = delete;
    ScratchFile& operator=(const ScratchFile&) = delete;
    ~ScratchFile() { ::unlink(path_.c_str()); }
    const std::string& path() const { return path_; }

private:
    std::string path_;
};

// What boot-test needs to know of the stick, read with it mounted read-only.
struct StickFacts {
    std::vector<std::string> entry_ids;  // the menu's, in order
    bool has_grubenv = false;
    uint64_t grubenv_offset = 0;         // bytes from the start of the disk
};

std::vector<std::string> menu_entry_ids(const std::string& cfg) {
    static const std::regex id(R"(menuentry\s.*--id\s+'?([A-Za-z0-9._+-]+))");
    std::vector<std::string> ids;
    for (auto it = std::sregex_iterator(cfg.begin(), cfg.end(), id); it != std::sregex_iterator(); ++it)
        ids.push_back((*it)[1]);
    return ids;
}

// Where a partition starts on its disk, in bytes (the kernel's view, sysfs).
uint64_t partition_start(const std::string& partition) {
    const std::string name = partition.substr(partition.rfind('/') + 1);
    const std::string path = "/sys/class/block/" + name + "/start";
    // sysfs says 4096 bytes for every file: read what is there.
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    char buf[32] = {};
    if (!fd || ::read(fd.get(), buf, sizeof buf - 1) <= 0)
        throw Error(Exit::failure, "The kernel does not know the partition '" + partition + "'");
    const std::string text(buf);
    return std::stoull(text) * 512;
}

// Reads the menu and finds the grubenv block on the disk; makes sure the
// disk holds, at that place, what the file holds.
StickFacts look_at_stick(const std::string& on) {
    struct stat st;
    if (::stat(on.c_str(), &st) != 0 || !(S_ISBLK(st.st_mode) || S_ISREG(st.st_mode)))
        throw Error(Exit::bad_input, "'" + on + "' is neither a block device nor an image file");
    RuntimeDir run;
    const auto stick = Stick::open(on, StickAccess::read, run);  // throws when it is no remaster stick

    StickFacts facts;
    auto cfg = read_small_file(stick->grub_cfg(), {kConfigMax, false, "the stick's grub.cfg", Exit::bad_input});
    if (cfg) facts.entry_ids = menu_entry_ids(*cfg);
    auto env = read_small_file(stick->grubenv(), {kGrubenvSize, false, "the stick's grubenv", Exit::bad_input});
    if (!env || env->size() != kGrubenvSize) return facts;
    facts.grubenv_offset =
        partition_start(stick->partition(kDataPartition)) + file_physical_offset(stick->grubenv(), kGrubenvSize);
    // The block we will replace must be the file's: a journal not replayed
    // (the mount is noload) or a wrong offset would otherwise change
    // something else in the view.
    Fd disk = open_or_throw(stick->disk().c_str(), O_RDONLY | O_CLOEXEC);
    std::string onDisk(kGrubenvSize, '\0');
    if (::pread(disk.get(), onDisk.data(), kGrubenvSize, static_cast<off_t>(facts.grubenv_offset)) !=
            static_cast<ssize_t>(kGrubenvSize) ||
        onDisk != *env)
        throw Error(Exit::failure, "The stick's grubenv is not where its filesystem says it is",
                    "Run `remaster verify --on " + on + "`, or rewrite the menu (remaster profile add/remove).");
    facts.has_grubenv = true;
    return facts;
}

// The same for an ISO (snapshot --iso), read through libisofs without
// mounting it: its menu and grubenv are a stick's, and the grubenv's bytes
// are one extent of the image, which is what GRUB's iso9660 driver reads.
StickFacts look_at_iso(const std::string& on) {
    const IsoReader iso(on);
    const Medium layout("");  // paths from the ISO's root
    StickFacts facts;
    if (auto cfg = iso.read_small(layout.grub_cfg(), kConfigMax)) facts.entry_ids = menu_entry_ids(*cfg);
    const auto env = iso.read_small(layout.grubenv(), kGrubenvSize);
    const auto offset = iso.file_offset(layout.grubenv());
    if (!env || env->size() != kGrubenvSize || !offset) return facts;
    Fd file = open_or_throw(on.c_str(), O_RDONLY | O_CLOEXEC);
    std::string at(kGrubenvSize, '\0');
    if (::pread(file.get(), at.data(), kGrubenvSize, static_cast<off_t>(*offset)) != static_cast<ssize_t>(kGrubenvSize) ||
        at != *env)
        throw Error(Exit::failure, "The ISO's grubenv is not where its directory says it is",
                    "Run `remaster verify --on " + on + "`, or make the ISO again.");
    facts.grubenv_offset = *offset;
    facts.has_grubenv = true;
    return facts;
}

// --bus, or what the medium is: a stick is a disk, an ISO a CD-ROM.
Bus choose_bus(const std::string& name, bool iso) {
    if (name.empty()) return iso ? Bus::cdrom : Bus::virtio;
    if (name == "virtio") return Bus::virtio;
    if (name == "usb") return Bus::usb;
    if (name == "cdrom") {
        if (!iso) throw Error(Exit::usage, "--bus cdrom takes an ISO image, and this is a stick", "Use --bus virtio or usb.");
        return Bus::cdrom;
    }
    throw Error(Exit::usage, "Unknown bus '" + name + "'", "Use virtio, cdrom or usb.");
}

struct BootOutcome {
    BootVerdict verdict = BootVerdict::pending;
    std::string reason;
    int seconds = 0;
    std::deque<std::string> last_lines;
};

// Runs QEMU until the console decides, QEMU ends, or the time is up; QEMU
// is stopped on every way out (ChildProcess), Ctrl-C included.
BootOutcome boot_once(const QemuBoot& b, int timeout_s, std::ostream* log) {
    const auto start = std::chrono::steady_clock::now();
    const auto deadline = start + std::chrono::seconds(timeout_s);
    Command cmd{qemu_argv(b)};
    log::debug() << "Executing: " << format_command(cmd);
    ChildProcess qemu = ChildProcess::start(cmd);
    ConsoleWatcher watch;
    std::string qemu_err;
    struct pollfd fds[2] = {{qemu.out_fd(), POLLIN, 0}, {qemu.err_fd(), POLLIN, 0}};
    int open_fds = 2;
    bool timed_out = false;
    // After a generic failure sign (the emergency shell starting) the
    // module's reason may follow: read on for a few seconds for it.
    auto grace_end = std::chrono::steady_clock::time_point::max();
    while (open_fds > 0) {
        check_interrupt();
        const auto now = std::chrono::steady_clock::now();
        if (watch.verdict() == BootVerdict::up || (watch.verdict() == BootVerdict::failed && watch.reason_is_ours()))
            break;
        if (watch.verdict() == BootVerdict::failed && grace_end == std::chrono::steady_clock::time_point::max())
            grace_end = now + std::chrono::seconds(20);
        if (now >= grace_end) break;
        if (now >= deadline) {
            timed_out = watch.verdict() == BootVerdict::pending;
            break;
        }
        const int n = ::poll(fds, 2, 200);
        if (n < 0 && errno != EINTR) throw_errno("poll", errno);
        for (int i = 0; i < 2 && n > 0; ++i) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            char buf[8192];
            const ssize_t r = ::read(fds[i].fd, buf, sizeof buf);
            if (r > 0) {
                const std::string chunk(buf, r);
                if (i == 0) {
                    if (log) log->write(buf, r).flush();  // readable while it boots
                    watch.feed(chunk);
                } else if (qemu_err.size() < 64 * 1024) {
                    qemu_err += chunk;
                }
            } else if (r == 0 || errno != EINTR) {
                fds[i].fd = -1;
                --open_fds;
            }
        }
    }
    watch.finish();
    BootOutcome out;
    out.verdict = watch.verdict();
    out.reason = watch.reason();
    if (out.verdict == BootVerdict::pending) {
        out.verdict = BootVerdict::failed;
        if (timed_out) {
            out.reason = "no sign of the live system within " + std::to_string(timeout_s) + " s (timeout)";
        } else {
            const int status = qemu.wait();
            while (!qemu_err.empty() && qemu_err.back() == '\n') qemu_err.pop_back();
            out.reason = "QEMU ended (exit status " + std::to_string(status) + ") before the system was up" +
                         (qemu_err.empty() ? "" : ": " + qemu_err.substr(qemu_err.rfind('\n') + 1));
        }
    }
    qemu.stop();
    out.seconds = static_cast<int>(
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - start).count());
    out.last_lines = watch.last_lines();
    return out;
}

std::vector<Firmware> firmwares(const std::string& name) {
    if (name == "bios") return {Firmware::bios};
    if (name == "uefi") return {Firmware::uefi};
    if (name == "uefi-secure") return {Firmware::uefi_secure};
    if (name == "both") return {Firmware::bios, Firmware::uefi};
    throw Error(Exit::usage, "Unknown firmware '" + name + "'", "Use bios, uefi, uefi-secure or both.");
}

void copy_file(const std::string& from, const std::string& to) {
    std::ifstream in(from, std::ios::binary);
    std::ofstream out(to, std::ios::binary | std::ios::trunc);
    out << in.rdbuf();
    if (!in || !out.flush()) throw Error(Exit::failure, "Cannot copy '" + from + "' to '" + to + "'");
}

std::string absolute(const std::string& path) {
    std::unique_ptr<char, decltype(&std::free)> p(::realpath(path.c_str(), nullptr), &std::free);
    if (!p) throw_errno("resolve '" + path + "'", errno);
    return p.get();
}

// --kernel-args goes into a grubenv variable the menu expands in its linux
// line: only characters that mean nothing to GRUB's script and grubenv.
void check_kernel_args(const std::string& args) {
    static const std::regex plain(R"([A-Za-z0-9._,:=/+@ -]*)");
    if (!std::regex_match(args, plain))
        throw Error(Exit::usage, "--kernel-args '" + args + "' holds characters boot-test cannot pass through GRUB",
                    "Use letters, digits, spaces and . _ , : = / + @ - (put other arguments on the stick with "
                    "`remaster snapshot --kernel-args`).");
}

// The qcow2 view QEMU boots, backed by the stick: a fresh one in `dir`
// (removed after), or the kept one of --keep-view, made on first use.
struct BootView {
    std::unique_ptr<ScratchFile> scratch;
    std::string path;
    bool kept = false;
};

BootView make_view(const BootTestOptions& o, const std::string& dir, Runner& runner) {
    BootView v;
    const std::string stick = absolute(o.on);
    struct stat st;
    if (o.keep_view.empty()) {
        v.scratch = std::make_unique<ScratchFile>(dir + "/stick.qcow2");
        v.path = v.scratch->path();
    } else {
        v.path = absolute_path(o.keep_view);
        v.kept = true;
        if (::stat(v.path.c_str(), &st) == 0) {
            const std::string backing = qcow2_backing_file(v.path);
            if (backing != stick)
                throw Error(Exit::bad_input, "The view '" + o.keep_view + "' is of '" + backing + "', not of '" + stick + "'",
                            "Give another --keep-view file, or remove this one to start afresh.");
            log::info() << "Booting the kept view " << v.path << ": it holds what earlier boots wrote";
            return v;
        }
    }
    runner.run({{"qemu-img", "create", "-q", "-f", "qcow2", "-F", "raw", "-b", stick, v.path}});
    if (v.kept) log::info() << "Keeping the view in " << v.path << ": the next boot-test --keep-view with it sees this boot's writes";
    return v;
}

}  // namespace

bool boot_test(const BootTestOptions& o, Runner& runner) {
    const auto fws = firmwares(o.firmware);
    check_kernel_args(o.kernel_args);
    const bool uefi = fws.back() != Firmware::bios;
    const bool secure = fws.back() == Firmware::uefi_secure;
    check_qemu_tools(uefi, secure);
    const char* env_accel = std::getenv("REMASTER_BOOT_TEST_ACCEL");
    const Accel accel = choose_accel(!o.accel.empty() ? o.accel : env_accel ? env_accel : "");

    // Look at the stick or ISO (read-only, closed again before QEMU opens it).
    const bool iso = is_iso_image(o.on);
    const Bus bus = choose_bus(o.bus, iso);
    const StickFacts facts = iso ? look_at_iso(o.on) : look_at_stick(o.on);
    if (!o.entry.empty() && std::find(facts.entry_ids.begin(), facts.entry_ids.end(), o.entry) == facts.entry_ids.end()) {
        std::string ids;
        for (const auto& id : facts.entry_ids) ids += (ids.empty() ? "" : ", ") + id;
        throw Error(Exit::bad_input, "The stick's menu has no entry '" + o.entry + "'", "Its entries: " + ids + ".");
    }
    if (!facts.has_grubenv) {
        if (!o.entry.empty() || !o.kernel_args.empty())
            throw Error(Exit::bad_input, "The stick has no grubenv: boot-test cannot choose an entry or add kernel arguments",
                        "Rewrite its menu with a newer remaster (e.g. remaster profile add, then remove).");
        log::warn() << "The stick has no grubenv: the kernel's console stays off the serial port; only the "
                       "live system's up line is seen.";
    }

    // The view QEMU boots: a qcow2 overlay backed by the stick, with our
    // grubenv block written into the overlay only.
    RuntimeDir run;
    const std::string dir = run.make_dir("boot-test");
    const BootView view = make_view(o, dir, runner);
    if (facts.has_grubenv) {
        const std::string extra = std::string(kSerialConsole) + (o.kernel_args.empty() ? "" : " " + o.kernel_args);
        std::vector<std::pair<std::string, std::string>> vars = {{"remaster_extra_args", extra}};
        if (!o.entry.empty()) vars.insert(vars.begin(), {"next_entry", o.entry});
        ScratchFile block(dir + "/grubenv");
        {
            std::ofstream f(block.path(), std::ios::binary | std::ios::trunc);
            f << grubenv_block(vars);
            if (!f.flush()) throw Error(Exit::failure, "Cannot write '" + block.path() + "'");
        }
        runner.run({{"qemu-io", "-f", "qcow2", "-c",
                     "write -q -s " + block.path() + " " + std::to_string(facts.grubenv_offset) + " " +
                         std::to_string(kGrubenvSize),
                     view.path}});
    }

    std::unique_ptr<std::ofstream> log_file;
    if (!o.log.empty()) {
        log_file = std::make_unique<std::ofstream>(o.log, std::ios::binary | std::ios::trunc);
        if (!*log_file) throw Error(Exit::bad_input, "Cannot write the console log '" + o.log + "'");
    }
    const OvmfFiles ovmf = uefi ? find_ovmf(secure) : OvmfFiles{};
    bool all_up = true;
    for (Firmware fw : fws) {
        QemuBoot b{view.path, "qcow2", fw, accel};
        b.bus = bus;
        b.keep_writes = view.kept;
        std::unique_ptr<ScratchFile> vars;
        if (fw != Firmware::bios) {
            // The firmware writes its variables: a private copy.
            vars = std::make_unique<ScratchFile>(dir + "/OVMF_VARS.fd");
            copy_file(ovmf.vars, vars->path());
            b.ovmf_code = ovmf.code;
            b.ovmf_vars = vars->path();
        }
        const std::string what = std::string(firmware_name(fw)) + (bus == Bus::virtio ? "" : bus == Bus::cdrom ? ", cdrom" : ", usb") +
                                 (o.entry.empty() ? "" : ", entry " + o.entry);
        log::info() << "Booting '" << o.on << "' (" << what << ", " << accel_name(accel) << ")";
        const BootOutcome r = boot_once(b, o.timeout_s, log_file.get());
        if (r.verdict == BootVerdict::up) {
            std::cout << "boot-test " << what << ": booted in " << r.seconds << " s: " << r.reason << "\n";
            continue;
        }
        all_up = false;
        std::cout << "boot-test " << what << ": FAILED after " << r.seconds << " s: " << r.reason << "\n"
                  << "  last console lines:\n";
        for (const auto& l : r.last_lines) std::cout << "  | " << l << "\n";
    }
    return all_up;
}

}  // namespace remaster
