// remaster: turn the running Linux system (or --root DIR) into a squashfs
// image or a bootable live stick. main reads the command line into Options,
// runs the pipeline, and turns any Error into one message and an exit code.
#include <CLI/CLI.hpp>

#include <unistd.h>

#include <iostream>
#include <map>
#include <thread>

#include "boot_test.hpp"
#include "bytes.hpp"
#include "config_file.hpp"
#include "error.hpp"
#include "install.hpp"
#include "interrupt.hpp"
#include "log.hpp"
#include "options.hpp"
#include "runner.hpp"
#include "snapshot.hpp"
#include "stick_commands.hpp"
#include "update.hpp"

using namespace remaster;

namespace {

void add_snapshot_options(CLI::App& cmd, Options& o) {
    cmd.add_option("--root", o.root, "Snapshot this directory instead of / (a mounted system or any directory tree)")
        ->capture_default_str();
    auto* to = cmd.add_option("--to", o.to,
                              "Write a bootable live stick: a block device (e.g. /dev/sdb, WIPED) or an image file "
                              "(created, sized automatically, anywhere: it is left out of its own image; an existing file is replaced "
                              "only when confirmed, like a device)");
    auto* sq = cmd.add_option("--squashfs", o.squashfs, "Only write the squashfs image of the root to FILE");
    to->excludes(sq);
    cmd.add_option("--iso", o.iso, "Write a hybrid ISO image to FILE: boots as a DVD, in a VM, or written raw to a stick (BIOS and UEFI)");
    cmd.add_option("--netboot", o.netboot,
                   "Write a netboot directory to DIR: kernel, initramfs, squashfs, checksums, an iPXE script and a GRUB "
                   "config, to serve over HTTP (an earlier one of the same system is replaced atomically)");
    cmd.add_option("--sign-key", o.sign_key,
                   "With --netboot: sign the checksums with this Ed25519 private key (PEM); the initramfs checks it at "
                   "boot. With --update-url: the key (private or public PEM) the server's snapshots must be signed with");
    cmd.add_option("--update-url", o.update_url,
                   "With --to: the stick's default entry first asks this netboot directory (http:// or https://, made "
                   "with --netboot --sign-key) for a newer snapshot of the system and boots it from RAM when it is "
                   "signed by --sign-key; otherwise the stick's own snapshot");
    cmd.add_option("--mode", o.mode,
                   "backup: keep users, homes and secrets (default); clean: also drop machine-id, ssh host keys, "
                   "network secrets, logs, caches and shell history (the host's crypttab, swap and resume are commented out "
                   "in both)")
        ->transform(CLI::CheckedTransformer(std::map<std::string, Mode>{{"backup", Mode::backup}, {"clean", Mode::clean}}));
    cmd.add_option("--exclude", o.excludes,
                   "Leave out paths matching PATTERN; '/home/*/Videos' is anchored at the root, '*.iso' matches names "
                   "anywhere (repeatable)");
    cmd.add_option("--compress", o.compress, "Compressor and level: zstd[:1-22], xz[:1-9], gzip[:1-9], lz4")
        ->capture_default_str();
    cmd.add_option("--block-size", o.block_size, "Squashfs block size, a power of two from 4K to 1M")->capture_default_str();
    cmd.add_option("--jobs", o.jobs, "Compression threads (default: all cores)");
    cmd.add_option("--kernel-args", o.kernel_args, "Extra kernel arguments for every boot entry of the stick");
    cmd.add_option("--kernel", o.kernel,
                   "Kernels to put on a stick: all (the default: the newest boots by default, every older one gets "
                   "its own menu entry), newest, or one version (e.g. 6.1.0-13-amd64)");
    cmd.add_option("--size", o.image_size, "Size of a new image file for --to (default: what the snapshot needs plus headroom)");
    cmd.add_option("--default-boot", o.default_boot,
                   "The stick's default boot entry: live (changes not kept; the default), persist (changes kept), "
                   "ram (copy to RAM), check (verify first), update (a newer snapshot from --update-url first; the "
                   "default with --update-url), or a profile name");
    cmd.add_option("--secure-boot", o.secure_boot,
                   "auto: boot through the root's signed shim and GRUB when it has them; require: refuse a root "
                   "without them; off: an unsigned GRUB")
        ->check(CLI::IsMember({"auto", "require", "off"}))
        ->capture_default_str();
    auto* dry = cmd.add_flag("--dry-run", o.dry_run, "Print the plan (view, exclusions, scrubs, commands) and write nothing");
    cmd.add_flag("--json", o.json, "With --dry-run: print the plan as one JSON object (docs/json.md), for scripts")->needs(dry);
    cmd.add_flag("-y,--yes", o.yes, "Do not ask before wiping the target device or replacing an existing file");
    cmd.add_flag("--replace", o.replace,
                 "Start the stick afresh even if it already holds remaster snapshots (they are erased)");
    cmd.add_flag("--full", o.full,
                 "Write a complete snapshot even if the stick holds one of this system that a layer of changes "
                 "could build on (the default: only what changed is written)");
    cmd.add_flag("--allow-fixed-disk", o.allow_fixed_disk,
                 "Allow a target that is not removable (not USB/MMC/loop): an internal disk");
    cmd.add_flag("-q,--quiet", o.quiet, "Print only warnings and errors");
    cmd.add_flag("-v,--verbose", o.verbose, "Log every command and mount");
    cmd.add_flag("--timings", o.timings, "Print how long each phase took (view, scan, squash, initramfs, install)");
    auto* cache = cmd.add_option("--cache-dir", o.cache_dir,
                                 "Where built initramfs images are kept for the next stick of the same system "
                                 "(left out of snapshots)")
                      ->capture_default_str();
    cmd.add_flag_callback(
           "--no-cache", [&o] { o.cache_dir.clear(); },
           "Build the initramfs even if an identical one is cached, and keep none")
        ->excludes(cache);
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{
        "remaster turns the Linux system you are running into a bootable live USB stick.\n\n"
        "  remaster snapshot --to /dev/sdb            the running system, live on a stick\n"
        "  remaster snapshot --to stick.img           the same as a disk image file\n"
        "  remaster snapshot --iso live.iso           a hybrid ISO: a VM's CD-ROM, a DVD, or dd onto a stick\n"
        "  remaster snapshot --netboot /srv/live      a directory to boot many machines from over HTTP\n"
        "  remaster snapshot --squashfs root.sqfs     just the compressed image of the system\n"
        "  remaster snapshot --root /srv/chroot --squashfs out.sqfs   another root or any directory tree\n\n"
        "  remaster verify --on /dev/sdb              check every file on a stick against its checksum\n"
        "  remaster profile add --on /dev/sdb work    a boot entry that keeps its own changes\n"
        "  remaster list --on /dev/sdb                snapshots, profiles and free space on a stick\n"
        "  remaster update --on /dev/sdb              a newer snapshot from the server the stick was made for\n"
        "  remaster boot-test --on stick.img          boot it in QEMU: does the live system come up?\n"
        "  remaster install --from stick.img --to disk.img   a stick's snapshot as a normal installation\n\n"
        "The source is never written: remaster works on an overlay view of it."};
    app.require_subcommand(1);
    app.set_version_flag("--version", REMASTER_VERSION);

    Options opt;
    CLI::App* snap = app.add_subcommand("snapshot", "Snapshot the system into a squashfs image or onto a live stick");
    add_snapshot_options(*snap, opt);

    std::string on, name;
    CLI::App* verify = app.add_subcommand("verify", "Check every file on a stick against the checksums written with it");
    verify->add_option("--on", on, "The stick: a device or an image file; or an ISO made with snapshot --iso")->required();
    bool verify_json = false;
    verify->add_flag("--json", verify_json, "Print one JSON object (docs/json.md) instead of the listing, for scripts");
    CLI::App* profile = app.add_subcommand("profile", "Manage persistence profiles: each keeps its own changes");
    profile->require_subcommand(1);
    std::map<std::string, CLI::App*> profile_cmds;
    for (const char* verb : {"add", "remove", "reset", "list"}) {
        const std::string help = std::string(verb) == "add"      ? "Add a profile and its boot entry"
                                 : std::string(verb) == "remove" ? "Remove a profile, its entry and its saved changes"
                                 : std::string(verb) == "reset"  ? "Forget a profile's saved changes"
                                                                 : "List the profiles and what they hold";
        CLI::App* c = profile->add_subcommand(verb, help);
        c->add_option("--on", on, "The stick: a device or an image file")->required();
        if (std::string(verb) != "list") c->add_option("NAME", name, "Profile name")->required();
        profile_cmds[verb] = c;
    }
    CLI::App* list = app.add_subcommand("list", "Show the snapshots (dates, layers, sizes), profiles and free space on a stick");
    list->add_option("--on", on, "The stick: a device or an image file")->required();
    bool list_json = false;
    list->add_flag("--json", list_json, "Print one JSON object (docs/json.md) instead of text, for scripts");
    CLI::App* remove = app.add_subcommand("remove", "Remove a snapshot from a stick (not the only one, nor a layer another one stacks)");
    remove->add_option("--on", on, "The stick: a device or an image file")->required();
    remove->add_option("SNAPSHOT", name, "Snapshot id, as `remaster list` shows it")->required();
    UpdateOptions upd;
    CLI::App* update = app.add_subcommand(
        "update", "Write a newer snapshot of the stick's system from a signed netboot directory on a server, beside the one it boots");
    update->add_option("--on", upd.on, "The stick: a device or an image file")->required();
    update->add_option("--from", upd.from,
                       "The http:// or https:// URL of the netboot directory (default: the update_url the stick was made with)");
    update->add_flag("--dry-run", upd.dry_run, "Fetch and check the server's signed checksums and snapshot description, say what "
                                               "would be written, and write nothing");
    update->add_flag("-y,--yes", upd.yes, "Do not ask on a terminal before writing the new snapshot");
    update->add_flag("-v,--verbose", opt.verbose, "Log every command and mount");
    BootTestOptions bt;
    CLI::App* boot = app.add_subcommand("boot-test", "Boot a stick headless in QEMU (read-only) and tell whether the live system comes up");
    boot->add_option("--on", bt.on, "The stick (a device or an image file) or an ISO made by snapshot --iso")->required();
    boot->add_option("--bus", bt.bus, "Attach it as virtio (a stick's default), cdrom (an ISO's default) or usb (xHCI)")
        ->check(CLI::IsMember({"virtio", "cdrom", "usb"}));
    boot->add_option("--firmware", bt.firmware,
                     "bios, uefi, uefi-secure (OVMF with Microsoft's keys, Secure Boot enforcing) or both (bios and uefi)")
        ->check(CLI::IsMember({"bios", "uefi", "uefi-secure", "both"}))
        ->capture_default_str();
    boot->add_option("--timeout", bt.timeout_s, "Seconds to wait for each boot")->check(CLI::PositiveNumber)->capture_default_str();
    boot->add_option("--entry", bt.entry, "Boot this menu entry (live, persist-NAME, ram, check, ...) through GRUB");
    boot->add_option("--accel", bt.accel, "kvm or tcg (default: REMASTER_BOOT_TEST_ACCEL, else KVM when /dev/kvm works)")
        ->check(CLI::IsMember({"kvm", "tcg"}));
    boot->add_option("--log", bt.log, "Write the whole serial console to FILE");
    boot->add_option("--keep-view", bt.keep_view,
                     "Boot a copy-on-write view of the stick kept in FILE (made on first use): what one boot writes, "
                     "e.g. to a persistence profile, the next boot-test with the same FILE sees; the stick is never written");
    boot->add_option("--kernel-args", bt.kernel_args, "Add these arguments to the entry's kernel command line (this boot only)");
    InstallOptions inst;
    CLI::App* install_cmd = app.add_subcommand(
        "install", "Install a stick's snapshot onto a disk or VM image as a normal system (GPT, ext4 root, GRUB for BIOS and UEFI)");
    install_cmd->add_option("--from", inst.from,
                            "A remaster stick, its image file, a squashfs image, or a directory tree (a mounted system); "
                            "default, in a live system booted from a remaster stick: that system as it runs");
    install_cmd->add_flag("--pristine", inst.pristine,
                          "Without --from, in a live system: install the snapshot it booted as it was made, not the "
                          "running system with this session's changes");
    install_cmd->add_option("--mode", inst.mode,
                            "backup: the system as it is (default); clean: without the source's ssh host keys (new ones "
                            "are made at the first boot), so that installs from one stick do not share them")
        ->transform(CLI::CheckedTransformer(std::map<std::string, Mode>{{"backup", Mode::backup}, {"clean", Mode::clean}}));
    install_cmd->add_option("--snapshot", inst.snapshot, "The snapshot to install (default: the newest), as `remaster list` shows it");
    install_cmd->add_option("--to", inst.to,
                            "A disk (WIPED, asked first), an image file (created, sized automatically), or an "
                            "existing directory (the files only)")
        ->required();
    install_cmd->add_option("--size", inst.size, "Size of a new image file (default: the system plus headroom)");
    install_cmd->add_flag("-y,--yes", inst.yes, "Do not ask before wiping the target disk or replacing an existing file");
    install_cmd->add_flag("--dry-run", inst.dry_run, "Print the plan (layout, what is copied, the commands) and write nothing");
    for (CLI::App* c : {verify, list, remove, update, boot, install_cmd}) c->add_flag("-q,--quiet", opt.quiet, "Print only warnings and errors");

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        // --help and --version are "errors" that exit 0; every other one is a
        // bad command line, which the README promises exits 2.
        return app.exit(e) == 0 ? 0 : static_cast<int>(Exit::usage);
    }

    log::set_quiet(opt.quiet);
    log::set_verbose(opt.verbose);
    install_interrupt_handlers();
    try {
        // The stick commands attach, mount and lock the stick: root only. Say
        // so up front rather than fail on the runtime directory.
        if (!snap->parsed() && ::geteuid() != 0)
            throw Error(Exit::bad_input, "remaster " + app.get_subcommands().front()->get_name() +
                                             (install_cmd->parsed() && inst.from.empty()
                                                  ? " needs root: it reads the whole live system and writes '" + inst.to + "'"
                                                  : " needs root: it attaches and mounts the stick '" +
                                                        (!upd.on.empty() ? upd.on : on.empty() ? (bt.on.empty() ? inst.from : bt.on) : on) + "'"),
                        "Run it with sudo.");
        SystemRunner runner;
        if (snap->parsed()) {
            // /etc/remaster.conf fills in what the command line left out.
            apply_config(read_config(), opt, [snap](const std::string& o) { return snap->count(o) > 0; });
            snapshot(opt, runner);
        }
        if (verify->parsed()) verify_stick(on, verify_json);
        if (list->parsed()) list_json ? list_stick_json(on) : list_stick(on);
        if (remove->parsed()) remove_stick_snapshot(on, name, runner);
        if (update->parsed()) update_stick(upd, runner);
        if (install_cmd->parsed()) {
            inst.quiet = opt.quiet;
            install(inst, runner);
        }
        if (profile_cmds["add"]->parsed()) profile_add(on, name, runner);
        if (profile_cmds["remove"]->parsed()) profile_remove(on, name, runner);
        if (profile_cmds["reset"]->parsed()) profile_reset(on, name);
        if (profile_cmds["list"]->parsed()) profile_list(on);
        // Booted or not is the answer, not an error: exit 0 or 1.
        if (boot->parsed()) return boot_test(bt, runner) ? 0 : static_cast<int>(Exit::failure);
        return 0;
    } catch (const Error& e) {
        log::error() << e.what();
        if (!e.hint().empty()) std::cerr << "  " << e.hint() << "\n";
        return static_cast<int>(e.code());
    } catch (const std::exception& e) {
        log::error() << "unexpected failure: " << e.what();
        return static_cast<int>(Exit::failure);
    }
}
