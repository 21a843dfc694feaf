#include "snapshot.hpp"

#include <unistd.h>

#include <chrono>
#include <ctime>
#include <functional>
#include <iostream>
#include <memory>

#include "background_task.hpp"
#include "boot_install.hpp"
#include "bytes.hpp"
#include "checksum.hpp"
#include "file_sum_task.hpp"
#include "data_dir.hpp"
#include "delta.hpp"
#include "error.hpp"
#include "file_copy.hpp"
#include "file_manifest.hpp"
#include "grub_script.hpp"
#include "initramfs_build.hpp"
#include "interrupt.hpp"
#include "iso_output.hpp"
#include "layer_plan.hpp"
#include "layering.hpp"
#include "log.hpp"
#include "menu.hpp"
#include "netboot_output.hpp"
#include "mount.hpp"
#include "output_file.hpp"
#include "phase_clock.hpp"
#include "partition.hpp"
#include "paths.hpp"
#include "plan.hpp"
#include "plan_json.hpp"
#include "progress.hpp"
#include "recovery.hpp"
#include "runtime_dir.hpp"
#include "scrub.hpp"
#include "signing_key.hpp"
#include "small_file.hpp"
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

// Every kernel the snapshot boots: the default one first.
std::vector<Kernel> all_kernels(const StickPlan& sp) {
    std::vector<Kernel> out = {sp.kernel};
    out.insert(out.end(), sp.other_kernels.begin(), sp.other_kernels.end());
    return out;
}

std::vector<std::string> versions(const std::vector<Kernel>& kernels) {
    std::vector<std::string> out;
    for (const auto& k : kernels) out.push_back(k.version);
    return out;
}

// The paths of a stick: real ones, or placeholders for a dry run of an image file.
StickPaths stick_paths(const std::string& snapshot_dir, const std::string& disk, const std::string& uuid,
                       const std::string& view) {
    return {disk,
            partition_path(disk, kEspPartition),
            partition_path(disk, kDataPartition),
            uuid,
            view,
            kTargetInView,
            snapshot_dir};
}

void print_stick_commands(const Plan& plan, std::ostream& os) {
    const StickPlan& s = plan.stick;
    const std::string disk = s.image_file ? "/dev/loopN" : s.target;
    const SnapshotDir snap = SnapshotDir::as_booted(s.snapshot_id);
    const StickPaths p = stick_paths(snap.path(), disk, "<new-uuid>", "<view>");
    os << "Stick layout (GPT on " << disk << "):\n";
    int n = 1;
    for (const auto& part : stick_layout())
        os << "  " << partition_path(disk, n++) << "  " << part.name << "  "
           << (part.size ? format_bytes(part.size) : std::string("rest of the disk"))
           << "\n";
    os << "Commands:\n";
    for (const auto& c : format_commands(p.esp, p.data, p.uuid)) os << "  " << format_command(c) << "\n";
    for (const auto& k : all_kernels(s))
        os << "  " << format_command(dracut_command(p.view, k.version, kInitramfsInView,
                                                   dracut_has_module(plan.root, "resume"))) << "\n";
    for (const auto& c : grub_commands(p, *s.adapter, s.grub_bios_setup)) os << "  " << format_command(c) << "\n";
    if (s.signed_chain)
        for (const auto& c : signed_chain_commands(p, *s.signed_chain)) os << "  " << format_command(c) << "\n";
    os << "UEFI: " << uefi_chain_words(s.signed_chain) << "\n";
    const std::string args = grub_kernel_args(live_kernel_args(p.uuid, p.snapshot_dir, s.kernel_args));
    os << "Boot entry: linux " << snap.kernel() << " " << args << "\n";
    for (const auto& k : s.other_kernels)
        os << "Boot entry " << kEntryKernelPrefix << k.version << ": linux " << snap.kernel(k.version) << " " << args
           << "\n";
}

// --dry-run: walk the source read-only to show what the rules exclude.
// A normal user cannot read every directory (/root, /etc/ssl/private): those
// are skipped with a warning, so that the plan still shows the rest.
// `json`: the plan as one JSON object (--json) instead of text.
void dry_run(const Plan& plan, bool json) {
    std::vector<ExcludedPath> matches;
    std::vector<std::string> unreadable;
    const bool as_root = ::geteuid() == 0;
    scan_tree(plan.root, [&](const std::string& rel, const struct stat& st) {
        const ExclusionRule* r = plan.exclusions.match(rel, st);
        if (r) matches.push_back({rel, r});
        if (!r && !as_root && S_ISDIR(st.st_mode) && ::access(in_root(plan.root, rel).c_str(), R_OK | X_OK) != 0) {
            unreadable.push_back(rel);
            return FilterAction::exclude;
        }
        return r ? r->action : FilterAction::include;
    });
    for (const auto& d : unreadable)
        log::warn() << "cannot read '" << printable(d) << "' as a normal user: not listed (a real run is as root)";
    if (json) {
        print_plan_json(plan, matches, std::cout);
        return;
    }
    print_plan(plan, matches, std::cout);
    if (plan.to_stick) print_stick_commands(plan, std::cout);
    if (plan.to_iso) print_iso_plan(plan, std::cout);
    if (plan.to_netboot) print_netboot_plan(plan, std::cout);
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
    log::info() << "Squashing " << t.entries << " entries, " << format_bytes(t.data_bytes) << " of data";
    Progress bar("squash", t.data_bytes, quiet);
    SquashReport report = write_squashfs(tree, view.path(), out_fd, plan.squash,
                                         [&](uint64_t done, uint64_t) { bar.update(done); }, digests, reuse);
    bar.finish();
    report_dropped(report);
    return report;
}

// The kernels' images and, for each, an initramfs of `initramfs` bytes.
uint64_t boot_files_bytes(const std::vector<Kernel>& kernels, const std::string& view, uint64_t initramfs) {
    uint64_t bytes = 0;
    for (const auto& k : kernels) {
        struct stat st {};
        ::stat((view + k.image).c_str(), &st);
        bytes += static_cast<uint64_t>(st.st_size) + initramfs;
    }
    return bytes;
}

// An image file big enough for everything, whatever the compression ratio:
// it is sparse, so only what is written takes space.
uint64_t automatic_image_size(const ScanTotals& t, const std::string& view, const std::vector<Kernel>& kernels) {
    const uint64_t payload = t.data_bytes + t.entries * 128 + boot_files_bytes(kernels, view, 160ull << 20) +
                             (32ull << 20) /* GRUB */;
    return disk_size_for(payload + payload / 10 + (64ull << 20));
}

// The least a device must hold: the data compressed to about half (typical
// for a system; an estimate), the kernels, their initramfs and GRUB.
uint64_t minimum_stick_size(const ScanTotals& t, const std::string& view, const std::vector<Kernel>& kernels) {
    return disk_size_for(t.data_bytes / 2 + boot_files_bytes(kernels, view, 96ull << 20) + (32ull << 20));
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
    auto tree = scan_tree(view.path(), plan.exclusions.filter(), plan.root);
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
    log::info() << "Wrote " << plan.squashfs_out << ": " << format_bytes(report.image_bytes) << ", "
                << report.inodes << " inodes";
}

// Target: add to the remaster stick, or partition and format a new one.
std::unique_ptr<Stick> open_or_create_stick(const StickPlan& sp, const ScanTotals& t, const View& view, Runner& runner,
                                            RuntimeDir& run) {
    if (!sp.existing_uuid.empty()) {
        auto stick = Stick::open(sp.target, StickAccess::write, run, sp.existing_uuid, sp.lock);
        log::info() << "Adding a snapshot to the remaster stick " << sp.target;
        return stick;
    }
    Stick::Size size;
    size.image = sp.image_size ? sp.image_size : automatic_image_size(t, view.path(), all_kernels(sp));
    size.minimum = minimum_stick_size(t, view.path(), all_kernels(sp));
    return Stick::create(sp.target, sp.image_file, size, runner, run, sp.lock);
}

// The new snapshot's directory, beside the complete ones; what interrupted
// runs left goes first.
SnapshotDir begin_snapshot(const Stick& stick, const std::string& planned_id) {
    for (const auto& id : remove_incomplete_snapshots(stick))
        log::info() << "Removed the unfinished snapshot " << id << " left by an interrupted run";
    return stick.make_snapshot_dir(stick.unused_snapshot_id(planned_id));
}

// Squashes the (pruned) tree straight onto the stick, reusing the compressed
// blocks of the old layers where it can; the file manifest gets the digests
// of racy files, read as they were squashed.
void squash_layer(const Tree& tree, const View& view, const Plan& plan, bool quiet, const Stick& stick,
                  const std::vector<SnapshotInfo>& snaps, const SnapshotDir& snap, Layer& layer, int64_t scanned_ns) {
    OutputFile out(snap.image());
    ContentDigests digests = racy_files(tree, scanned_ns);
    const auto reuse = reusable_layers(snaps, stick, layer, plan.squash, tree);
    const SquashReport report = squash(tree, view, plan, out.fd(), quiet, &digests, reuse.get());
    out.commit();
    if (reuse)
        log::info() << "Copied the compressed blocks of " << report.reused_files << " unchanged files from the "
                    << reuse->layers() << " layer(s) of " << snaps.front().id << " instead of compressing them again";
    for (const auto& [node, hash] : digests.got) layer.manifest.records.at(node->rel_path()).content = hash;
    layer.data_bytes = totals(tree).data_bytes;
}

// The SHA-256 of each regular file the scrub wrote in the view, by path.
std::map<std::string, std::string> scrubbed_contents(const View& view, const std::vector<ScrubAction>& scrub) {
    std::map<std::string, std::string> out;
    struct stat st;
    for (const auto& a : scrub)
        if (a.kind != ScrubAction::Kind::symlink && ::lstat(view.at(a.path).c_str(), &st) == 0 && S_ISREG(st.st_mode))
            out[a.path] = sha256_file(view.at(a.path));
    return out;
}

// A kernel of the snapshot whose boot files are still to be written: its
// image copied, its initramfs built (or taken from this machine's cache).
struct BootBuild {
    Kernel kernel;
    std::string inputs;  // the fingerprint of what its initramfs is built from
    std::string kernel_name, initrd_name;  // in the snapshot's directory
};

// Adapt, first half (on this thread, before the squash): for every kernel,
// the fingerprint of its initramfs's inputs, and its kernel and initramfs
// hard-linked from an older snapshot on the stick built from the same
// inputs. Returns the rest, to build; `reused_sums` gets the SHA-256 of the
// files reused, by name.
std::vector<BootBuild> reuse_boot_files_or_plan(const Plan& plan, const std::map<std::string, std::string>& scrubbed,
                                                const std::string& datadir, const Stick& stick,
                                                const std::vector<SnapshotInfo>& snaps, const SnapshotDir& snap,
                                                Layer& layer, std::map<std::string, std::string>& reused_sums) {
    const StickPlan& sp = plan.stick;
    std::vector<BootBuild> builds;
    for (const Kernel& k : all_kernels(sp)) {
        const bool is_default = k.version == sp.kernel.version;
        std::string inputs = initramfs_fingerprint(layer.manifest, k.version, datadir + "/dracut-module", scrubbed);
        // An updating stick's initramfs is another one, and holds its key:
        // reused only from a snapshot with the same key.
        if (!plan.update_url.empty()) {
            Sha256 key;
            key.update(plan.update_key_pem.data(), plan.update_key_pem.size());
            inputs += "+update:" + key.hex().substr(0, 16);
        }
        (is_default ? layer.initramfs_inputs : layer.other_initramfs_inputs[k.version]) = inputs;
        const BootSlot slot = is_default ? BootSlot{SnapshotDir::kKernel, SnapshotDir::kInitrd, inputs}
                                         : BootSlot{SnapshotDir::kernel_name(k.version),
                                                    SnapshotDir::initrd_name(k.version), inputs};
        const std::string from = reuse_boot_files(snaps, slot, stick, snap, reused_sums);
        if (!from.empty()) {
            log::info() << "Kernel " << k.version << " and its initramfs unchanged since " << from << ": reused";
            continue;
        }
        builds.push_back({k, inputs, slot.kernel_file, slot.initrd_file});
    }
    return builds;
}

// Adapt, second half: the kernels copied and their generic initramfs with
// our module, built by the root's dracut in the view (or copied from this
// machine's cache of them). Runs beside the squash. Returns the SHA-256 of
// each file written, by name, known without reading the stick back.
// With --update-url the initramfs is the netboot one (network, curl,
// openssl) with the pinned key appended; its SHA-256 is then read back.
std::map<std::string, std::string> build_boot_files(View& view, const Plan& plan, const std::string& datadir,
                                                    Runner& runner, const SnapshotDir& snap,
                                                    const std::vector<BootBuild>& builds, bool alone) {
    std::map<std::string, std::string> sums;
    if (builds.empty()) return sums;
    const bool updates = !plan.update_url.empty();
    InitramfsBuilder initramfs(view, datadir, plan.cache_dir, runner, alone, updates);
    for (const BootBuild& b : builds) {
        sums.merge(initramfs.write_boot_files(b.kernel, b.inputs, snap, b.kernel_name, b.initrd_name));
        if (!updates) continue;
        append_public_key(snap.file(b.initrd_name), plan.update_key_pem);
        sums.erase(b.initrd_name);
    }
    return sums;
}

// dracut may run while the squash reads the view, since neither writes
// what the other reads (dracut writes the view's /tmp and /var/tmp, whose
// contents are not squashed), except our dracut module, which is copied
// into the view: where the root has a copy of its own (the package's), the
// squash would read it while it is replaced. Then the initramfs waits.
bool initramfs_beside_squash(const View& view) {
    struct stat st;
    return ::lstat(view.at(kDracutModuleInView).c_str(), &st) != 0;
}

// Squash and adapt, the initramfs on a thread of its own beside the squash
// when it can be (`initramfs_beside_squash`). The clock shows both. `build`
// is told whether it runs alone (then it may show progress of its own).
void squash_and_build(const std::function<void()>& squash, const std::function<void(bool alone)>& build, bool beside,
                      PhaseClock& clock) {
    clock.start("squash");
    if (!beside) {
        squash();
        clock.start("initramfs");
        build(true);
        return;
    }
    // Joined by its destructor if the squash throws: dracut ends first
    // (at once on Ctrl-C, which both watch).
    BackgroundTask initramfs([&build] { build(false); });
    squash();
    clock.start("initramfs");
    initramfs.wait();
    clock.beside("initramfs", initramfs.seconds(), "squash");
}

// Install: GRUB for BIOS and UEFI from the root's own GRUB, run in the view
// with the stick's data partition bound into it.
void install_grub(View& view, const Stick& stick, const SnapshotDir& snap, const StickPlan& sp,
                  const MenuTemplates& templates, Runner& runner) {
    log::info() << "Installing GRUB for BIOS and UEFI ...";
    view.prepare_chroot();  // done already when dracut ran; not when the initramfs came from the cache
    const StickPaths paths = stick_paths(snap.booted().path(), stick.disk(), stick.uuid(), view.path());
    make_dirs(view.at(kTargetInView), 0755);
    Mount target_bind = Mount::bind(stick.root(), view.at(kTargetInView), false);
    write_file_atomic(view.at("/tmp/early.cfg"), fill_template(templates.early, {{"UUID", paths.uuid}}));
    for (const auto& c : grub_commands(paths, *sp.adapter, sp.grub_bios_setup)) runner.run(c);
    if (sp.signed_chain) {
        // Secure Boot: shim and the signed GRUB replace the unsigned image.
        const std::string early = fill_template(templates.early, {{"UUID", paths.uuid}});
        write_file_atomic(view.at(kSignedConfigInView), signed_grub_config(early));
        for (const auto& c : signed_chain_commands(paths, *sp.signed_chain)) runner.run(c);
    }
    log::info() << "UEFI: " << uefi_chain_words(sp.signed_chain);
    target_bind.unmount();
}

// What snapshot.info records: the system, its kernel, how it was made, and the layer.
SnapshotInfo snapshot_info(const Plan& plan, const Options& opt, const std::string& id, const Layer& layer) {
    const StickPlan& sp = plan.stick;
    SnapshotInfo info{id,
                      {{"os", sp.os_name}, {"kernel", sp.kernel.version},
                       {"other_kernels", format_other_kernels(versions(sp.other_kernels))}, {"kernel_args", sp.kernel_args},
                       {"root", plan.root}, {"mode", opt.mode == Mode::clean ? "clean" : "backup"},
                       {"compress", compression_spec(plan.squash)}, {"block_size", std::to_string(plan.squash.block_size)}}};
    record_layer(layer, info);
    return info;
}

// snapshot.info's secure_boot: "yes" when the snapshot boots with Secure
// Boot on. A new stick gets the root's signed chain or not; a snapshot added
// to a stick boots through the ESP as the stick was made (recorded by its
// newest snapshot), and its kernel is signed only if its root has the chain.
// A stick made before this was recorded has the unsigned image.
bool stick_has_signed_chain(const std::vector<SnapshotInfo>& snaps) {
    return !snaps.empty() && snaps.front().get("secure_boot", "no") == "yes";
}
std::string secure_boot_field(const StickPlan& sp, const std::vector<SnapshotInfo>& snaps, bool add_to_existing) {
    if (!add_to_existing) return sp.signed_chain ? "yes" : "no";
    return stick_has_signed_chain(snaps) && sp.signed_chain ? "yes" : "no";
}

// Adding a snapshot keeps the stick's ESP: one made without the signed chain
// stays so. require refuses (before the squash; the empty snapshot
// directory goes with the guard); auto warns when this root has the chain.
void check_added_secure_boot(const StickPlan& sp, const Options& opt, const std::vector<SnapshotInfo>& snaps) {
    if (opt.secure_boot == "off" || stick_has_signed_chain(snaps)) return;
    const std::string why = "the stick '" + sp.target + "' was made without a signed boot chain, and adding a "
                            "snapshot keeps its boot partition";
    if (opt.secure_boot == "require")
        throw Error(Exit::bad_input, "--secure-boot require: " + why,
                    "Write the stick afresh with --replace (its snapshots are erased). Nothing was added.");
    if (sp.signed_chain) log::warn() << "this snapshot boots only with Secure Boot off: " << why << " (--replace writes it afresh)";
}

// A full stick says what to do: the previous snapshot still boots; an image
// of a --size too small names the size it needs (`needed`).
[[noreturn]] void rethrow_with_space_hint(const Error& e, const StickPlan& sp, bool add_to_existing, uint64_t needed) {
    const std::string& target = sp.target;
    if (e.code() == Exit::no_space && sp.image_file && sp.image_size && !add_to_existing)
        throw Error(Exit::no_space,
                    "The image size " + format_bytes(sp.image_size) + " (--size) is too small for the snapshot (needs about " +
                        format_bytes(needed) + "); nothing was written",
                    "Give a bigger --size, or leave it out to size the image automatically.");
    if (e.code() == Exit::no_space && add_to_existing)
        throw Error(Exit::no_space, std::string(e.what()) + " (the stick cannot hold the new snapshot beside the old ones)",
                    "The previous snapshot is untouched and still boots. Free space with `remaster remove --on " +
                        target + " SNAPSHOT`, or start the stick afresh with --replace (its snapshots are erased).");
    throw e;
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

    // Target: the stick, open or new, and the new snapshot's directory on it.
    clock.start("partition");
    const auto stick = open_or_create_stick(sp, totals(*tree), view, runner, run);
    const SnapshotDir snap = begin_snapshot(*stick, sp.snapshot_id);
    SnapshotGuard unfinished(snap);

    // A layer of changes on the newest snapshot of this system, or a fresh base.
    const auto snaps = list_snapshots(*stick);
    if (add_to_existing) check_added_secure_boot(sp, opt, snaps);
    // The files the scrub wrote count by content, here and in the next layer.
    const auto scrubbed = scrubbed_contents(view, plan.scrub);
    Layer layer = plan_layer(*stick, snaps, sp.os_id, plan.root, opt.full || !add_to_existing, *tree, scanned_ns);
    if (layer.delta) {
        clock.start("diff");
        if (!prune_layer(layer, *tree, view.path(), snaps, *stick, scrubbed)) {
            tree = scan_view(view, plan, clock, scanned_ns);  // the pruned one is no longer whole
            layer.manifest = manifest_of(*tree, scanned_ns);
        }
    }
    record_contents(layer.manifest, scrubbed);

    // The SHA-256 of the kernels and initramfs, reused from other snapshots
    // or taken while they are written: only the squashfs is read back.
    std::map<std::string, std::string> known_sums;
    try {
        // Squash straight onto the stick and, beside it, adapt: the kernels
        // and their generic initramfs (reused from an older snapshot of the
        // same inputs when there is one).
        const auto builds = reuse_boot_files_or_plan(plan, scrubbed, datadir, *stick, snaps, snap, layer, known_sums);
        std::map<std::string, std::string> built_sums;
        squash_and_build([&] { squash_layer(*tree, view, plan, opt.quiet, *stick, snaps, snap, layer, scanned_ns); },
                         [&](bool alone) { built_sums = build_boot_files(view, plan, datadir, runner, snap, builds, alone); },
                         initramfs_beside_squash(view),
                         clock);
        known_sums.insert(built_sums.begin(), built_sums.end());
    } catch (const Error& e) {
        rethrow_with_space_hint(e, sp, add_to_existing, automatic_image_size(totals(*tree), view.path(), all_kernels(sp)));
    }

    // The squashfs is read back for its SHA-256 (the kernels' and initramfs'
    // are known) beside GRUB's installation, which writes other partitions.
    FileSumTask image_sum(snap.image());

    // A stick that was there keeps its loaders: they find the data partition by its UUID.
    clock.start("install");
    if (!add_to_existing) install_grub(view, *stick, snap, sp, templates, runner);

    // Checksums for the verified boot and `remaster verify`, the default
    // persistence profile, and the default entry if one was asked for.
    clock.start("checksums");
    log::info() << "Writing checksums ...";
    known_sums[SnapshotDir::kImage] = image_sum.get();
    write_sums(snap, known_sums, versions(sp.other_kernels));
    write_manifest_file(snap.manifest(), layer.manifest);
    create_profile(*stick, kDefaultProfile);

    // Complete: snapshot.info after everything is on the stick, then the menu,
    // rendered and checked while the snapshot is still unfinished (a failure
    // removes it), then installed atomically: until this rename the stick
    // boots what it booted before.
    SnapshotInfo info = snapshot_info(plan, opt, snap.id(), layer);
    const std::string sb = secure_boot_field(sp, snaps, add_to_existing);
    if (!sb.empty()) info.fields["secure_boot"] = sb;
    if (!plan.update_url.empty()) {
        info.fields[kUpdateUrlField] = plan.update_url;
        info.fields[kUpdateKeyField] = pem_body(plan.update_key_pem);
    }
    write_snapshot_info(*stick, info);
    // With --update-url the stick asks the server first unless told otherwise.
    const std::string default_id = !opt.default_boot.empty() ? default_entry_id(opt.default_boot)
                                   : !plan.update_url.empty() ? kEntryUpdate
                                                              : "";
    const std::string menu = render_stick_menu(templates, *stick, stick->uuid(), runner, default_id);
    if (!default_id.empty()) write_default_entry(*stick, default_id);
    install_stick_menu(*stick, menu);
    unfinished.dismiss();

    clock.start("sync");
    stick->close();
    view.close();
    log::info() << "Wrote a live stick to " << sp.target << " (data partition UUID " << stick->uuid() << ", snapshot "
                << snap.id() << ")";
}

// --iso: one snapshot in a stick's layout on a staging medium, with GRUB
// for BIOS and UEFI from the root, streamed into a hybrid ISO (iso_output.hpp).
void to_iso(const Plan& plan, const Options& opt, Runner& runner, PhaseClock& clock) {
    const std::string datadir = data_dir();
    const MenuTemplates templates = load_menu_templates(datadir + "/grub.d");
    RuntimeDir run;
    // View, scrub and scan, as for --squashfs.
    clock.start("view");
    View view(run, plan.root, plan.view_mounts.composed);
    int64_t scanned_ns = 0;
    const auto tree = scrub_and_scan(view, plan, clock, scanned_ns);
    // Room for the squashfs and then the ISO beside it, before anything is written.
    check_iso_space(plan.iso_out, 2 * minimum_stick_size(totals(*tree), view.path(), {plan.stick.kernel}),
                    "the squashfs and the ISO made from it");
    IsoStage stage(run, plan.iso_out, plan.stick.snapshot_id, view.path());
    const std::string inputs = initramfs_fingerprint(manifest_of(*tree, scanned_ns), plan.stick.kernel.version,
                                                     datadir + "/dracut-module", scrubbed_contents(view, plan.scrub));
    SquashReport report;
    std::map<std::string, std::string> boot_sums;
    squash_and_build([&] { report = squash(*tree, view, plan, stage.squashfs_fd(), opt.quiet); },
                     [&](bool alone) { boot_sums = make_iso_boot_files(view, plan, datadir, inputs, runner, stage, alone); },
                     initramfs_beside_squash(view), clock);
    clock.start("install");
    install_iso_grub(view, stage, plan, templates, runner);
    // Checksums, snapshot.info and the menu (live, ram, check), as on a stick.
    clock.start("checksums");
    write_sums(stage.snap(), boot_sums);
    Layer layer;
    layer.data_bytes = totals(*tree).data_bytes;
    SnapshotInfo info = snapshot_info(plan, opt, stage.snap().id(), layer);
    info.fields["secure_boot"] = plan.stick.signed_chain ? "yes" : "no";
    write_snapshot_info(stage.medium(), info);
    install_stick_menu(stage.medium(), render_stick_menu(templates, stage.medium(), stage.uuid(), runner, kEntryLive));
    write_iso_loopback_menu(stage, datadir, runner);
    clock.start("iso");
    const uint64_t size = write_iso(stage, view, plan.iso_out, opt.quiet);
    clock.start("cleanup");
    view.close();
    log::info() << "Wrote " << plan.iso_out << ": " << format_bytes(size) << " (squashfs " << format_bytes(report.image_bytes)
                << "), UUID " << stage.uuid();
}

// --netboot: one snapshot's files flat in a directory staged beside DIR
// and renamed into place when complete (netboot_output.hpp).
void to_netboot(const Plan& plan, const Options& opt, Runner& runner, PhaseClock& clock) {
    const std::string datadir = data_dir();
    // Read now: a key that went away since the plan fails before the squash.
    std::unique_ptr<SigningKey> key;
    if (!plan.sign_key.empty()) key = std::make_unique<SigningKey>(plan.sign_key);
    RuntimeDir run;
    // View, scrub and scan, as for --squashfs.
    clock.start("view");
    View view(run, plan.root, plan.view_mounts.composed);
    int64_t scanned_ns = 0;
    const auto tree = scrub_and_scan(view, plan, clock, scanned_ns);
    check_iso_space(plan.netboot_out, minimum_stick_size(totals(*tree), view.path(), {plan.stick.kernel}),
                    "the netboot directory");
    NetbootStage stage(plan.netboot_out, plan.stick.snapshot_id);
    const NetbootDir& dir = stage.dir();
    const std::string inputs = initramfs_fingerprint(manifest_of(*tree, scanned_ns), plan.stick.kernel.version,
                                                     datadir + "/dracut-module", scrubbed_contents(view, plan.scrub));
    // Squash and, beside it, the kernel and the netboot initramfs.
    SquashReport report;
    std::map<std::string, std::string> boot_sums;
    OutputFile image(dir.snap().image());
    squash_and_build([&] { report = squash(*tree, view, plan, image.fd(), opt.quiet); },
                     [&](bool alone) {
                         boot_sums = make_netboot_boot_files(view, plan, datadir, inputs, runner, dir,
                                                             key ? key->public_pem() : std::string(), alone);
                     },
                     initramfs_beside_squash(view), clock);
    image.commit();
    // snapshot.info, then the checksums of it and the three files (signed
    // with --sign-key: a stick that updates itself from here trusts the
    // id, system and kernel it reads in snapshot.info), and the boot configs.
    clock.start("checksums");
    Layer layer;
    layer.system = system_id(plan.root, plan.stick.os_id);
    layer.data_bytes = totals(*tree).data_bytes;
    SnapshotInfo info = snapshot_info(plan, opt, dir.snap().id(), layer);
    info.fields[NetbootDir::kMediumField] = NetbootDir::kMediumValue;
    info.fields[NetbootDir::kIdField] = dir.snap().id();
    info.fields["signed"] = key ? "yes" : "no";
    write_file_atomic(dir.snap().info(), format_snapshot_info(info));
    write_sums(dir.snap(), boot_sums, {}, {SnapshotDir::kInfo});
    if (key) {
        const auto sums = read_small_file(dir.snap().sums());
        write_file_atomic(dir.signature(), key->sign(sums.value_or("")));
    }
    write_netboot_configs(plan, dir);
    // Publish: renamed into place, an earlier directory exchanged and removed.
    clock.start("publish");
    stage.commit();
    clock.start("cleanup");
    view.close();
    log::info() << "Wrote the netboot directory " << plan.netboot_out << " (squashfs " << format_bytes(report.image_bytes)
                << ", snapshot " << dir.snap().id() << "); serve it over HTTP and boot " << NetbootDir::kIpxe
                << " (docs/netboot.md)";
    if (!key)
        log::warn() << "the netboot directory is unsigned: the boot checks only the SHA-256, and anyone on the network "
                       "path could substitute the system (--sign-key signs it)";
}

}  // namespace

void snapshot(const Options& opt, Runner& runner) {
    const auto start = Clock::now();
    // What a killed run left (mounts, loop devices, temporary images) goes
    // first: the plan would see the stick it was writing as in use.
    if (!opt.dry_run && ::geteuid() == 0) recover_stale_runs();
    // Plan: check every input and decide; nothing of ours is touched yet.
    const Plan plan = make_plan(opt);
    if (opt.dry_run) return dry_run(plan, opt.json);
    PhaseClock clock;
    if (plan.to_stick)
        to_stick(plan, opt, runner, clock);
    else if (plan.to_iso)
        to_iso(plan, opt, runner, clock);
    else if (plan.to_netboot)
        to_netboot(plan, opt, runner, clock);
    else
        to_squashfs(plan, opt, clock);
    clock.stop();
    if (opt.timings) std::cerr << "remaster: timings: " << clock.summary() << "\n";
    log::info() << "Done in " << static_cast<int>(seconds_since(start) + 0.5) << " s";
}

}  // namespace remaster
