#include "snapshot.hpp"

#include <unistd.h>

#include <chrono>
#include <cstring>
#include <ctime>
#include <iostream>

#include "boot_install.hpp"
#include "checksum.hpp"
#include "data_dir.hpp"
#include "delta.hpp"
#include "error.hpp"
#include "file_copy.hpp"
#include "file_manifest.hpp"
#include "grub_script.hpp"
#include "interrupt.hpp"
#include "layer_images.hpp"
#include "layering.hpp"
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
    os << "  " << format_command(dracut_command(p.view, s.kernel.version, "/tmp/initrd.img",
                                                   dracut_has_module(plan.root, "resume"))) << "\n";
    for (const auto& c : grub_commands(p, *s.adapter, s.grub_bios_setup)) os << "  " << format_command(c) << "\n";
    os << "Boot entry: linux " << p.snapshot_dir << "/vmlinuz "
       << grub_kernel_args(live_kernel_args(p.uuid, p.snapshot_dir, s.kernel_args)) << "\n";
}

// --dry-run: walk the source read-only to show what the rules exclude.
// A normal user cannot read every directory (/root, /etc/ssl/private): those
// are skipped with a warning, so that the plan still shows the rest.
void dry_run(const Plan& plan) {
    std::vector<ExcludedPath> matches;
    std::vector<std::string> unreadable;
    const bool as_root = ::geteuid() == 0;
    scan_tree(plan.root, [&](const std::string& rel, const struct stat& st) {
        const ExclusionRule* r = plan.exclusions.match(rel, st);
        if (r) matches.push_back({rel, r});
        if (!r && !as_root && S_ISDIR(st.st_mode) && ::access((plan.root + rel).c_str(), R_OK | X_OK) != 0) {
            unreadable.push_back(rel);
            return FilterAction::exclude;
        }
        return r ? r->action : FilterAction::include;
    });
    for (const auto& d : unreadable)
        log::warn() << "cannot read '" << printable(d) << "' as a normal user: not listed (a real run is as root)";
    print_plan(plan, matches, std::cout);
    if (plan.to_stick) print_stick_commands(plan, std::cout);
}

void report_dropped(const SquashReport& report) {
    for (const auto& d : report.dropped)
        if (d.count)
            log::warn() << "left out " << d.count << " " << d.what << " (e.g. '" << d.example_path << "')";
}

// Writes the scanned view to `out_fd`.
SquashReport squash(const Tree& tree, const View& view, const Plan& plan, int out_fd, bool quiet,
                    ContentDigests* digests = nullptr, BlockSource* reuse = nullptr) {
    const ScanTotals t = totals(tree);
    log::info() << "Squashing " << t.entries << " entries, " << Progress::human_bytes(t.data_bytes) << " of data";
    Progress bar("squash", t.data_bytes, quiet);
    SquashReport report = write_squashfs(tree, view.path(), out_fd, plan.squash,
                                         [&](uint64_t done, uint64_t) { bar.update(done); }, digests, reuse);
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

int64_t realtime_ns() {
    struct timespec ts;
    ::clock_gettime(CLOCK_REALTIME, &ts);
    return ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

// Scans the view minus the exclusions; `scanned_ns` is set to when the
// scan began (the file manifest's reference for racy files).
std::unique_ptr<Tree> scan_view(const View& view, const Plan& plan, PhaseClock& clock, int64_t& scanned_ns) {
    clock.start("scan");
    log::info() << "Scanning " << plan.root << " ...";
    scanned_ns = realtime_ns();
    auto tree = scan_tree(view.path(), plan.exclusions.filter());
    check_interrupt();
    return tree;
}

// Scrubs the view, then scans it.
std::unique_ptr<Tree> scrub_and_scan(const View& view, const Plan& plan, PhaseClock& clock, int64_t& scanned_ns) {
    apply_scrub(view.path(), plan.scrub);
    return scan_view(view, plan, clock, scanned_ns);
}

void to_squashfs(const Plan& plan, const Options& opt, PhaseClock& clock) {
    RuntimeDir run;
    // View: an overlay of the root whose changes go to a tmpfs of ours.
    clock.start("view");
    View view(run, plan.root, plan.view_mounts.composed);
    // Scrub: live fstab and mtab (and identity in --mode clean), in the view only.
    int64_t scanned_ns = 0;
    const auto tree = scrub_and_scan(view, plan, clock, scanned_ns);
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

// What the new snapshot writes: a layer on `parent` (whose layers are
// `below`), or a fresh base; and the file manifest of the whole new state.
struct Layer {
    bool delta = false;
    std::string parent;
    std::vector<std::string> below;  // base first; empty for a base
    std::string system;
    FileManifest manifest;
    uint64_t data_bytes = 0;
    std::string initramfs_inputs;
};

bool file_exists(const std::string& path) {
    struct stat st;
    return ::stat(path.c_str(), &st) == 0;
}

Layer plan_layer(const std::vector<SnapshotInfo>& snaps, const std::string& target, const StickPlan& sp,
                 const std::string& root, bool force_full, const Tree& tree, int64_t scanned_ns) {
    Layer layer;
    layer.system = system_id(root, sp.os_id);
    const bool has_manifest = !snaps.empty() && file_exists(target + "/remaster/" + snaps.front().id + "/manifest");
    const LayerChoice choice = choose_parent(snaps, layer.system, force_full, has_manifest);
    layer.manifest = manifest_of(tree, scanned_ns);
    if (!choice.delta) {
        if (!snaps.empty()) log::info() << "Writing a complete snapshot: " << choice.why;
        return layer;
    }
    layer.delta = true;
    layer.parent = choice.parent;
    layer.below = choice.layers;
    return layer;
}

// The SnapshotInfos of `ids`, in that order.
std::vector<SnapshotInfo> infos_of(const std::vector<SnapshotInfo>& snaps, const std::vector<std::string>& ids) {
    std::vector<SnapshotInfo> out;
    for (const auto& id : ids)
        for (const auto& s : snaps)
            if (s.id == id) out.push_back(s);
    return out;
}

// Turns a planned layer into a fresh base of the same system.
void become_base(Layer& layer) {
    Layer base;
    base.system = std::move(layer.system);
    layer = std::move(base);
}

// Prunes the tree to what changed since the parent. False when the layer
// turned into a fresh base (the parent's manifest cannot be read, or the
// stack would grow too large): the tree may be half pruned then.
bool prune_layer(Layer& layer, Tree& tree, const View& view, const std::vector<SnapshotInfo>& snaps,
                 const std::string& target) {
    FileManifest before;
    try {
        before = read_manifest_file(target + "/remaster/" + layer.parent + "/manifest");
    } catch (const Error& e) {
        log::warn() << e.what() << "; writing a complete snapshot instead";
        become_base(layer);
        return false;
    }
    const std::string root = view.path();
    const DeltaSummary d = prune_to_delta(tree, before, layer.manifest, [&](const std::string& rel) {
        return sha256_file(root + rel);
    });
    const uint64_t data = totals(tree).data_bytes;
    if (deltas_too_large(infos_of(snaps, layer.below), data)) {
        log::info() << "Writing a complete snapshot: with this one, the layers above the base would hold more than "
                    << static_cast<int>(kMaxDeltaShare * 100) << "% of its data";
        become_base(layer);
        return false;
    }
    log::info() << "Writing a layer on " << layer.parent << ": " << d.added << " new, " << d.changed << " changed, "
                << d.removed << " removed (" << Progress::human_bytes(static_cast<double>(data)) << " of data)";
    return true;
}

// "zstd:3" for the snapshot.info of a layer, so blocks are reused only from
// images compressed the same way.
std::string compression_spec(const SquashOptions& o) { return o.compressor + ":" + std::to_string(o.level); }

// For a complete snapshot of a system whose newest snapshot is on the stick:
// the layers of that snapshot, to copy the compressed blocks of unchanged
// files from. Null when they were written another way or cannot be read.
std::unique_ptr<LayerImages> reusable_layers(const std::vector<SnapshotInfo>& snaps, const std::string& target,
                                             const Layer& layer, const SquashOptions& squash, const Tree& tree) {
    if (snaps.empty() || layer.delta) return nullptr;
    const SnapshotInfo& newest = snaps.front();
    if (newest.get("system") != layer.system) return nullptr;
    const auto ids = layers_of(newest);
    const auto infos = infos_of(snaps, ids);
    if (infos.size() != ids.size()) return nullptr;
    for (const auto& s : infos)
        if (s.get("compress") != compression_spec(squash) || s.get("block_size") != std::to_string(squash.block_size))
            return nullptr;
    try {
        const FileManifest before = read_manifest_file(target + "/remaster/" + newest.id + "/manifest");
        std::vector<std::string> files;
        for (auto it = ids.rbegin(); it != ids.rend(); ++it) files.push_back(target + "/remaster/" + *it + "/filesystem.squashfs");
        return std::make_unique<LayerImages>(files, unchanged_files(tree, before, layer.manifest));
    } catch (const Error& e) {
        log::warn() << "not reusing the blocks of " << newest.id << ": " << e.what();
        return nullptr;
    }
}

// Racy files (see file_manifest.hpp): their content is hashed as it is read.
ContentDigests racy_files(const Tree& tree, int64_t scanned_ns) {
    ContentDigests d;
    for_each_node(tree, [&](const Node& n) {
        if (S_ISREG(n.mode) && !n.link && n.ctime_ns >= scanned_ns - kRacyWindowNs) d.wanted.insert(&n);
    });
    return d;
}

// Hard-links the kernel and initramfs of a snapshot on the stick whose
// initramfs was built from the same inputs (the newest such): no dracut run,
// no copy, and each snapshot still owns its boot files (removing one leaves
// the other's). Returns the snapshot reused, or "".
std::string reuse_boot_files(const std::vector<SnapshotInfo>& snaps, const std::string& inputs,
                             const std::string& target, const std::string& snapdir) {
    for (const auto& s : snaps) {
        if (s.get("initramfs_inputs") != inputs) continue;
        const std::string from = target + "/remaster/" + s.id;
        bool linked = true;
        for (const char* f : {"vmlinuz", "initrd.img"})
            if (linked && ::link((from + "/" + f).c_str(), (snapdir + "/" + f).c_str()) != 0) {
                log::warn() << "could not reuse " << s.id << "/" << f << " (" << std::strerror(errno) << ")";
                linked = false;
            }
        if (linked) return s.id;
        ::unlink((snapdir + "/vmlinuz").c_str());
        ::unlink((snapdir + "/initrd.img").c_str());
    }
    return "";
}

void to_stick(const Plan& plan, const Options& opt, Runner& runner, PhaseClock& clock) {
    const StickPlan& sp = plan.stick;
    const bool add_to_existing = !sp.existing_uuid.empty();
    const std::string datadir = data_dir();
    const MenuTemplates templates = load_menu_templates(datadir + "/grub.d");
    if (!add_to_existing && (!sp.image_file || sp.overwrites)) confirm_wipe(sp.target, opt.yes);

    RuntimeDir run;
    // View and scrub, as for --squashfs.
    clock.start("view");
    View view(run, plan.root, plan.view_mounts.composed);
    int64_t scanned_ns = 0;
    auto tree = scrub_and_scan(view, plan, clock, scanned_ns);
    const ScanTotals totals_ = totals(*tree);

    // Target: add to a remaster stick, or partition and format a new one.
    clock.start("partition");
    std::unique_ptr<Stick> stick;
    std::string uuid;
    if (add_to_existing) {
        stick = Stick::open_existing(sp.target, sp.image_file, StickAccess::write, sp.lock);
        uuid = probe_existing_stick(stick->disk());
        if (uuid != sp.existing_uuid)
            throw Error(Exit::unsafe_target, "The stick '" + sp.target + "' changed since the plan was made");
        log::info() << "Adding a snapshot to the remaster stick " << sp.target;
    } else {
        const uint64_t size = sp.image_size ? sp.image_size : automatic_image_size(totals_, view.path(), sp.kernel);
        stick = Stick::create(sp.target, sp.image_file, size, sp.lock);
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

    // A layer of changes on the newest snapshot of this system, or a fresh base.
    const auto snaps = list_snapshots(target);
    Layer layer = plan_layer(snaps, target, sp, plan.root, opt.full || !add_to_existing, *tree, scanned_ns);
    if (layer.delta) {
        clock.start("diff");
        if (!prune_layer(layer, *tree, view, snaps, target)) {
            tree = scan_view(view, plan, clock, scanned_ns);  // the pruned one is no longer whole
            layer.manifest = manifest_of(*tree, scanned_ns);
        }
    }

    std::string boot_files_from;  // the snapshot whose kernel and initramfs are reused
    try {
        // Squash straight onto the stick.
        clock.start("squash");
        OutputFile out(snapdir + "/filesystem.squashfs");
        ContentDigests digests = racy_files(*tree, scanned_ns);
        const auto reuse = reusable_layers(snaps, target, layer, plan.squash, *tree);
        const SquashReport report = squash(*tree, view, plan, out.fd(), opt.quiet, &digests, reuse.get());
        out.commit();
        if (reuse)
            log::info() << "Copied the compressed blocks of " << report.reused_files << " unchanged files from the "
                        << reuse->layers() << " layer(s) of " << snaps.front().id << " instead of compressing them again";
        for (const auto& [node, hash] : digests.got) layer.manifest.records.at(node->rel_path()).content = hash;
        layer.data_bytes = totals(*tree).data_bytes;

        // Adapt: the generic initramfs with our module, built by the root's
        // dracut in the view, unless one on the stick was built from the same inputs.
        clock.start("initramfs");
        const std::string inputs = initramfs_fingerprint(layer.manifest, sp.kernel.version, datadir + "/dracut-module");
        boot_files_from = reuse_boot_files(snaps, inputs, target, snapdir);
        if (!boot_files_from.empty()) {
            log::info() << "Kernel and initramfs unchanged since " << boot_files_from << ": reused";
        } else {
            view.prepare_chroot();
            install_dracut_module(datadir, view.path());
            log::info() << "Building the initramfs for " << sp.kernel.version << " (dracut, generic) ...";
            runner.run(dracut_command(view.path(), sp.kernel.version, "/tmp/initrd.img",
                                      dracut_has_module(view.path(), "resume")));
            copy_file(view.at(sp.kernel.image), snapdir + "/vmlinuz");
            copy_file(view.at("/tmp/initrd.img"), snapdir + "/initrd.img");
        }
        layer.initramfs_inputs = inputs;
    } catch (const Error& e) {
        if (e.code() == Exit::no_space && sp.image_file && sp.image_size && !add_to_existing)
            throw Error(Exit::no_space,
                        "The image size " + Progress::human_bytes(static_cast<double>(sp.image_size)) +
                            " (--size) is too small for the snapshot (needs about " +
                            Progress::human_bytes(static_cast<double>(automatic_image_size(totals_, view.path(), sp.kernel))) +
                            "); nothing was written",
                        "Give a bigger --size, or leave it out to size the image automatically.");
        if (e.code() == Exit::no_space && add_to_existing)
            throw Error(Exit::no_space, std::string(e.what()) + " (the stick cannot hold the new snapshot beside the old ones)",
                        "The previous snapshot is untouched and still boots. Free space with `remaster remove --on " +
                            sp.target + " SNAPSHOT`, or start the stick afresh with --replace (its snapshots are erased).");
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
    std::map<std::string, std::string> known;
    if (!boot_files_from.empty())
        for (const auto& [name, hash] : read_manifest(target + "/remaster/" + boot_files_from))
            if (name == "vmlinuz" || name == "initrd.img") known[name] = hash;
    write_manifest(snapdir, {"filesystem.squashfs", "vmlinuz", "initrd.img"}, known);
    write_manifest_file(snapdir + "/manifest", layer.manifest);
    create_profile(target, kDefaultProfile);

    // Complete: snapshot.info after everything is on the stick, then the menu,
    // rendered and checked while the snapshot is still unfinished (a failure
    // removes it), then installed atomically: until this rename the stick
    // boots what it booted before.
    SnapshotInfo info{snapshot_id,
                      {{"os", sp.os_name}, {"kernel", sp.kernel.version}, {"kernel_args", sp.kernel_args},
                       {"root", plan.root}, {"mode", opt.mode == Mode::clean ? "clean" : "backup"},
                       {"system", layer.system}, {"layer_data", std::to_string(layer.data_bytes)},
                       {"initramfs_inputs", layer.initramfs_inputs},
                       {"compress", compression_spec(plan.squash)}, {"block_size", std::to_string(plan.squash.block_size)}}};
    std::string layers;
    for (const auto& id : layer.below) layers += id + " ";
    info.fields["layers"] = layers + snapshot_id;
    if (layer.delta) info.fields["parent"] = layer.parent;
    write_snapshot_info(target, info);
    const std::string default_id = opt.default_boot.empty() ? "" : default_entry_id(opt.default_boot);
    const std::string menu = render_stick_menu(templates, target, paths.uuid, runner, default_id);
    if (!default_id.empty()) write_default_entry(target, default_id);
    install_stick_menu(target, menu);
    unfinished.dismiss();

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
    // What a killed run left (mounts, loop devices, temporary images) goes
    // first: the plan would see the stick it was writing as in use.
    if (!opt.dry_run && ::geteuid() == 0) recover_stale_runs();
    // Plan: check every input and decide; nothing of ours is touched yet.
    const Plan plan = make_plan(opt);
    if (opt.dry_run) return dry_run(plan);
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
