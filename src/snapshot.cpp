#include "snapshot.hpp"

#include <chrono>
#include <iostream>

#include "boot_install.hpp"
#include "checksum.hpp"
#include "data_dir.hpp"
#include "error.hpp"
#include "file_copy.hpp"
#include "interrupt.hpp"
#include "log.hpp"
#include "menu.hpp"
#include "mount.hpp"
#include "output_file.hpp"
#include "phase_clock.hpp"
#include "partition.hpp"
#include "plan.hpp"
#include "progress.hpp"
#include "recovery.hpp"
#include "runtime_dir.hpp"
#include "scrub.hpp"
#include "squash_writer.hpp"
#include "stick.hpp"
#include "stick_menu.hpp"
#include "stick_store.hpp"
#include "tree.hpp"
#include "view.hpp"

namespace remaster {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// The paths of a stick: real ones, or placeholders for a dry run of an image file.
StickPaths stick_paths(const std::string& snapshot_id, const std::string& disk, const std::string& uuid,
                       const std::string& view) {
    return {disk,
            partition_path(disk, kEspPartition),
            partition_path(disk, kDataPartition),
            uuid,
            view,
            kTargetInView,
            "/remaster/" + snapshot_id};
}

// The planned id, or with a suffix if a snapshot of that second exists: a
// failed run removes its own directory, and must never remove another's.
std::string unused_snapshot_id(const std::string& data_mount, const std::string& planned) {
    std::string id = planned;
    struct stat st;
    for (int n = 2; ::stat((data_mount + "/remaster/" + id).c_str(), &st) == 0; ++n) id = planned + "-" + std::to_string(n);
    return id;
}

void print_stick_commands(const Plan& plan, std::ostream& os) {
    const StickPlan& s = plan.stick;
    const std::string disk = s.image_file ? "/dev/loopN" : s.target;
    const StickPaths p = stick_paths(s.snapshot_id, disk, "<new-uuid>", "<view>");
    os << "Stick layout (GPT on " << disk << "):\n";
    int n = 1;
    for (const auto& part : stick_layout())
        os << "  " << partition_path(disk, n++) << "  " << part.name << "  "
           << (part.size ? Progress::human_bytes(static_cast<double>(part.size)) : std::string("rest of the disk"))
           << "\n";
    os << "Commands:\n";
    for (const auto& c : format_commands(p)) os << "  " << format_command(c) << "\n";
    os << "  " << format_command(dracut_command(p.view, s.kernel.version, "/tmp/initrd.img")) << "\n";
    for (const auto& c : grub_commands(p, *s.adapter, s.grub_bios_setup)) os << "  " << format_command(c) << "\n";
    os << "Boot entry: linux " << p.snapshot_dir << "/vmlinuz " << live_kernel_args(p.uuid, p.snapshot_dir, s.kernel_args)
       << "\n";
}

// --dry-run: walk the source read-only to show what the rules exclude.
void dry_run(const Plan& plan) {
    std::vector<ExcludedPath> matches;
    scan_tree(plan.root, [&](const std::string& rel, const struct stat& st) {
        const ExclusionRule* r = plan.exclusions.match(rel, st);
        if (r) matches.push_back({rel, r});
        return r ? r->action : FilterAction::include;
    });
    print_plan(plan, matches, std::cout);
    if (plan.to_stick) print_stick_commands(plan, std::cout);
}

void report_dropped(const SquashReport& report) {
    for (const auto& d : report.dropped)
        if (d.count)
            log::warn() << "left out " << d.count << " " << d.what << " (e.g. '" << d.example_path << "')";
}

// Writes the scanned view to `out_fd`.
SquashReport squash(const Tree& tree, const View& view, const Plan& plan, int out_fd, bool quiet) {
    const ScanTotals t = totals(tree);
    log::info() << "Squashing " << t.entries << " entries, " << Progress::human_bytes(t.data_bytes) << " of data";
    Progress bar("squash", t.data_bytes, quiet);
    SquashReport report = write_squashfs(tree, view.path(), out_fd, plan.squash,
                                         [&](uint64_t done, uint64_t) { bar.update(done); });
    bar.finish();
    report_dropped(report);
    return report;
}

// An image file big enough for everything, whatever the compression ratio:
// it is sparse, so only what is written takes space.
uint64_t automatic_image_size(const ScanTotals& t, const std::string& view, const Kernel& k) {
    struct stat st {};
    ::stat((view + k.image).c_str(), &st);
    const uint64_t payload = t.data_bytes + t.entries * 128 + static_cast<uint64_t>(st.st_size) +
                             (160ull << 20) /* initramfs */ + (32ull << 20) /* GRUB */;
    return disk_size_for(payload + payload / 10 + (64ull << 20));
}

// The least a device must hold: the data compressed to about half (typical
// for a system; an estimate), the kernel, an initramfs and GRUB.
uint64_t minimum_stick_size(const ScanTotals& t, const std::string& view, const Kernel& k) {
    struct stat st {};
    ::stat((view + k.image).c_str(), &st);
    return disk_size_for(t.data_bytes / 2 + static_cast<uint64_t>(st.st_size) + (96ull << 20) + (32ull << 20));
}

// Scrubs the view, then scans it minus the exclusions.
std::unique_ptr<Tree> scrub_and_scan(const View& view, const Plan& plan, PhaseClock& clock) {
    apply_scrub(view.path(), plan.scrub);
    clock.start("scan");
    log::info() << "Scanning " << plan.root << " ...";
    auto tree = scan_tree(view.path(), plan.exclusions.filter());
    check_interrupt();
    return tree;
}

void to_squashfs(const Plan& plan, const Options& opt, PhaseClock& clock) {
    RuntimeDir run;
    // View: an overlay of the root whose changes go to a tmpfs of ours.
    clock.start("view");
    View view(run, plan.root, plan.view_mounts.composed);
    // Scrub: live fstab and mtab (and identity in --mode clean), in the view only.
    const auto tree = scrub_and_scan(view, plan, clock);
    // Squash: the view minus exclusions, to a temporary name renamed when complete.
    clock.start("squash");
    OutputFile out(plan.squashfs_out);
    const SquashReport report = squash(*tree, view, plan, out.fd(), opt.quiet);
    out.commit();
    clock.start("cleanup");
    view.close();  // now, so a failure to unmount is reported, not just logged
    log::info() << "Wrote " << plan.squashfs_out << ": " << Progress::human_bytes(report.image_bytes) << ", "
                << report.inodes << " inodes";
}

void to_stick(const Plan& plan, const Options& opt, Runner& runner, PhaseClock& clock) {
    const StickPlan& sp = plan.stick;
    const bool add_to_existing = !sp.existing_uuid.empty();
    const std::string datadir = data_dir();
    const MenuTemplates templates = load_menu_templates(datadir + "/grub.d");
    if (!add_to_existing && !sp.image_file) confirm_wipe(sp.target, opt.yes);

    RuntimeDir run;
    // View and scrub, as for --squashfs.
    clock.start("view");
    View view(run, plan.root, plan.view_mounts.composed);
    const auto tree = scrub_and_scan(view, plan, clock);
    const ScanTotals totals_ = totals(*tree);

    // Target: add to a remaster stick, or partition and format a new one.
    clock.start("partition");
    std::unique_ptr<Stick> stick;
    std::string uuid;
    if (add_to_existing) {
        stick = Stick::open_existing(sp.target, sp.image_file);
        uuid = probe_existing_stick(stick->disk());
        if (uuid != sp.existing_uuid)
            throw Error(Exit::unsafe_target, "The stick '" + sp.target + "' changed since the plan was made");
        log::info() << "Adding a snapshot to the remaster stick " << sp.target;
    } else {
        const uint64_t size = sp.image_size ? sp.image_size : automatic_image_size(totals_, view.path(), sp.kernel);
        stick = Stick::create(sp.target, sp.image_file, size);
        const uint64_t need = minimum_stick_size(totals_, view.path(), sp.kernel);
        if (!sp.image_file && device_size(stick->disk()) < need)
            throw Error(Exit::no_space,
                        "'" + sp.target + "' (" + Progress::human_bytes(static_cast<double>(device_size(stick->disk()))) +
                            ") is too small for this snapshot (about " + Progress::human_bytes(static_cast<double>(need)) +
                            " needed); nothing was written",
                        "Use a bigger stick, or leave out large directories with --exclude.");
        log::info() << "Partitioning " << sp.target << (sp.image_file ? " (" + stick->disk() + ")" : "");
        write_partition_table(stick->disk(), stick_layout());
        uuid = new_uuid();
    }
    if (!add_to_existing) {
        for (const auto& c : format_commands(stick_paths("", stick->disk(), uuid, view.path()))) runner.run(c);
        // The boot entries find the stick by this UUID: make sure it is there.
        const std::string data_part = partition_path(stick->disk(), kDataPartition);
        const FsProbe fs = probe_filesystem(data_part);
        if (fs.type != "ext4" || fs.uuid != uuid)
            throw Error(Exit::failure, "The data partition '" + data_part + "' does not carry the filesystem just made (" +
                                           fs.type + " " + fs.uuid + ")");
    }
    const std::string target = run.make_dir("target");
    Mount data = Mount::mount(partition_path(stick->disk(), kDataPartition), target, "ext4", "");
    for (const auto& id : remove_incomplete_snapshots(target))
        log::info() << "Removed the unfinished snapshot " << id << " left by an interrupted run";
    const std::string snapshot_id = unused_snapshot_id(target, sp.snapshot_id);
    const StickPaths paths = stick_paths(snapshot_id, stick->disk(), uuid, view.path());
    const std::string snapdir = target + paths.snapshot_dir;
    make_dirs(target + "/boot/grub", 0755);
    make_dirs(snapdir, 0755);
    SnapshotGuard unfinished(target, snapshot_id);

    try {
        // Squash straight onto the stick.
        clock.start("squash");
        OutputFile out(snapdir + "/filesystem.squashfs");
        squash(*tree, view, plan, out.fd(), opt.quiet);
        out.commit();

        // Adapt: the generic initramfs with our module, built by the root's dracut in the view.
        clock.start("initramfs");
        view.prepare_chroot();
        install_dracut_module(datadir, view.path());
        log::info() << "Building the initramfs for " << sp.kernel.version << " (dracut, generic) ...";
        runner.run(dracut_command(view.path(), sp.kernel.version, "/tmp/initrd.img"));
        copy_file(view.at(sp.kernel.image), snapdir + "/vmlinuz");
        copy_file(view.at("/tmp/initrd.img"), snapdir + "/initrd.img");
    } catch (const Error& e) {
        if (e.code() == Exit::no_space && add_to_existing)
            throw Error(Exit::no_space, std::string(e.what()) + " (the stick cannot hold the new snapshot beside the old ones)",
                        "The previous snapshot is untouched and still boots. To start the stick afresh, run again "
                        "with --replace (its snapshots are erased).");
        throw;
    }

    // Install: GRUB for BIOS and UEFI from the root's own GRUB (a reused
    // stick keeps its loaders: they find the data partition by its UUID).
    clock.start("install");
    if (!add_to_existing) {
        log::info() << "Installing GRUB for BIOS and UEFI ...";
        make_dirs(view.at(kTargetInView), 0755);
        Mount target_bind = Mount::bind(target, view.at(kTargetInView), false);
        write_file_atomic(view.at("/tmp/early.cfg"), fill_template(templates.early, {{"UUID", paths.uuid}}));
        for (const auto& c : grub_commands(paths, *sp.adapter, sp.grub_bios_setup)) runner.run(c);
        target_bind.unmount();
    }

    // Checksums for the verified boot and `remaster verify`, the default
    // persistence profile, and the default entry if one was asked for.
    clock.start("checksums");
    log::info() << "Writing checksums ...";
    write_manifest(snapdir, {"filesystem.squashfs", "vmlinuz", "initrd.img"});
    create_profile(target, kDefaultProfile);
    if (!opt.default_boot.empty()) write_default_entry(target, default_entry_id(opt.default_boot));

    // Complete: snapshot.info after everything is on the stick, then the menu,
    // atomically: until this rename the stick boots what it booted before.
    write_snapshot_info(target, {snapshot_id,
                                 {{"os", sp.os_name}, {"kernel", sp.kernel.version}, {"kernel_args", sp.kernel_args},
                                  {"root", plan.root}, {"mode", opt.mode == Mode::clean ? "clean" : "backup"}}});
    unfinished.dismiss();
    write_stick_menu(templates, target, paths.uuid);

    clock.start("sync");
    data.unmount();
    stick->commit();
    view.close();
    log::info() << "Wrote a live stick to " << sp.target << " (data partition UUID " << paths.uuid << ", snapshot "
                << snapshot_id << ")";
}

}  // namespace

void snapshot(const Options& opt, Runner& runner) {
    const auto start = Clock::now();
    // Plan: check every input and decide; nothing is touched yet.
    const Plan plan = make_plan(opt);
    if (opt.dry_run) return dry_run(plan);
    // What a killed run left (mounts, loop devices, temporary images) goes first.
    recover_stale_runs();
    PhaseClock clock;
    if (plan.to_stick)
        to_stick(plan, opt, runner, clock);
    else
        to_squashfs(plan, opt, clock);
    clock.stop();
    if (opt.timings) std::cerr << "remaster: timings: " << clock.summary() << "\n";
    log::info() << "Done in " << static_cast<int>(seconds_since(start) + 0.5) << " s";
}

}  // namespace remaster
