// remaster: turn the running Linux system (or --root DIR) into a squashfs
// image or a bootable live stick. main reads the command line into Options,
// runs the pipeline, and turns any Error into one message and an exit code.
#include <CLI/CLI.hpp>

#include <iostream>
#include <thread>

#include "bytes.hpp"
#include "error.hpp"
#include "interrupt.hpp"
#include "log.hpp"
#include "options.hpp"
#include "runner.hpp"
#include "snapshot.hpp"

using namespace remaster;

namespace {

void add_snapshot_options(CLI::App& cmd, Options& o, std::string& block_size, std::string& size) {
    cmd.add_option("--root", o.root, "Snapshot this directory instead of / (a mounted system or any directory tree)")
        ->capture_default_str();
    auto* to = cmd.add_option("--to", o.to,
                              "Write a bootable live stick: a block device (e.g. /dev/sdb, WIPED) or an image file "
                              "(created, sized automatically)");
    auto* sq = cmd.add_option("--squashfs", o.squashfs, "Only write the squashfs image of the root to FILE");
    to->excludes(sq);
    cmd.add_option("--mode", o.mode,
                   "backup: keep users, homes and secrets (default); clean: also drop machine-id, ssh host keys, "
                   "crypttab/resume, network secrets, logs, caches and shell history")
        ->transform(CLI::CheckedTransformer(std::map<std::string, Mode>{{"backup", Mode::backup}, {"clean", Mode::clean}}));
    cmd.add_option("--exclude", o.excludes,
                   "Leave out paths matching PATTERN; '/home/*/Videos' is anchored at the root, '*.iso' matches names "
                   "anywhere (repeatable)");
    cmd.add_option("--compress", o.compress, "Compressor and level: zstd[:1-22], xz[:1-9], gzip[:1-9], lz4")
        ->capture_default_str();
    cmd.add_option("--block-size", block_size, "Squashfs block size, a power of two from 4K to 1M")->capture_default_str();
    cmd.add_option("--jobs", o.jobs, "Compression threads (default: all cores)");
    cmd.add_option("--kernel-args", o.kernel_args, "Extra kernel arguments for every boot entry of the stick");
    cmd.add_option("--kernel", o.kernel, "Kernel version to boot (default: the newest in the root)");
    cmd.add_option("--size", size, "Size of a new image file for --to (default: what the snapshot needs plus headroom)");
    cmd.add_flag("--dry-run", o.dry_run, "Print the plan (view, exclusions, scrubs, commands) and write nothing");
    cmd.add_flag("-y,--yes", o.yes, "Do not ask before wiping the target device");
    cmd.add_flag("--replace", o.replace,
                 "Start the stick afresh even if it already holds remaster snapshots (they are erased)");
    cmd.add_flag("--allow-fixed-disk", o.allow_fixed_disk,
                 "Allow a target that is not removable (not USB/MMC/loop): an internal disk");
    cmd.add_flag("-q,--quiet", o.quiet, "Print only warnings and errors");
    cmd.add_flag("-v,--verbose", o.verbose, "Log every command and mount");
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{
        "remaster turns the Linux system you are running into a bootable live USB stick.\n\n"
        "  remaster snapshot --to /dev/sdb            the running system, live on a stick\n"
        "  remaster snapshot --to stick.img           the same as a disk image file\n"
        "  remaster snapshot --squashfs root.sqfs     just the compressed image of the system\n"
        "  remaster snapshot --root /srv/chroot --squashfs out.sqfs   another root or any directory tree\n\n"
        "The source is never written: remaster works on an overlay view of it."};
    app.require_subcommand(1);
    app.set_version_flag("--version", REMASTER_VERSION);

    Options opt;
    std::string block_size = "128K", size;
    CLI::App* snap = app.add_subcommand("snapshot", "Snapshot the system into a squashfs image or onto a live stick");
    add_snapshot_options(*snap, opt, block_size, size);

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }

    log::set_quiet(opt.quiet);
    log::set_verbose(opt.verbose);
    install_interrupt_handlers();
    try {
        const uint64_t bs = parse_bytes(block_size);
        opt.block_size = bs > UINT32_MAX ? UINT32_MAX : static_cast<uint32_t>(bs);
        if (!size.empty()) opt.image_size = parse_bytes(size);
        SystemRunner runner;
        if (snap->parsed()) snapshot(opt, runner);
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
