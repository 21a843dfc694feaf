#include "snapshot.hpp"

#include <chrono>
#include <iostream>

#include "error.hpp"
#include "interrupt.hpp"
#include "log.hpp"
#include "output_file.hpp"
#include "plan.hpp"
#include "progress.hpp"
#include "runtime_dir.hpp"
#include "scrub.hpp"
#include "squash_writer.hpp"
#include "tree.hpp"
#include "view.hpp"

namespace remaster {
namespace {

// --dry-run: walk the source read-only to show what the rules exclude.
void dry_run(const Plan& plan) {
    std::vector<ExcludedPath> matches;
    scan_tree(plan.root, [&](const std::string& rel, const struct stat& st) {
        const ExclusionRule* r = plan.exclusions.match(rel, st);
        if (r) matches.push_back({rel, r});
        return r ? r->action : FilterAction::include;
    });
    print_plan(plan, matches, std::cout);
}

void report_dropped(const SquashReport& report) {
    for (const auto& d : report.dropped)
        if (d.count)
            log::warn() << d.count << " " << d.what << " cannot be stored in squashfs and were left out (e.g. '"
                        << d.example_path << "')";
}

// Scans the view and writes it to `out_fd`; returns what the writer reports.
SquashReport squash(const View& view, const Plan& plan, int out_fd, bool quiet) {
    log::info() << "Scanning " << plan.root << " ...";
    auto tree = scan_tree(view.path(), plan.exclusions.filter());
    const ScanTotals t = totals(*tree);
    log::info() << "Squashing " << t.entries << " entries, " << Progress::human_bytes(t.data_bytes) << " of data";
    check_interrupt();
    Progress bar("squash", t.data_bytes, quiet);
    SquashReport report = write_squashfs(*tree, view.path(), out_fd, plan.squash,
                                         [&](uint64_t done, uint64_t) { bar.update(done); });
    bar.finish();
    report_dropped(report);
    return report;
}

}  // namespace

void snapshot(const Options& opt, Runner& runner) {
    (void)runner;
    const auto start = std::chrono::steady_clock::now();

    // Plan: check every input and decide; nothing is touched yet.
    const Plan plan = make_plan(opt);
    if (opt.dry_run) return dry_run(plan);

    // View: an overlay of the root whose changes go to a tmpfs of ours.
    RuntimeDir run;
    View view(run, plan.root, plan.view_mounts.composed);

    // Scrub: live fstab and mtab (and identity in --mode clean), in the view only.
    apply_scrub(view.path(), plan.scrub);

    // Squash: the view, minus exclusions, to a temporary file renamed when complete.
    OutputFile out(plan.squashfs_out);
    const SquashReport report = squash(view, plan, out.fd(), opt.quiet);
    out.commit();

    // Unmount now so a failure to unmount is reported, not just logged.
    view.close();
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    log::info() << "Wrote " << plan.squashfs_out << ": " << Progress::human_bytes(report.image_bytes) << ", "
                << report.inodes << " inodes, in " << static_cast<int>(secs + 0.5) << " s";
}

}  // namespace remaster
