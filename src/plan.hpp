// The plan: every decision of a run made before anything is mounted or
// written, from the options and a read-only look at the system. --dry-run
// prints it and stops; otherwise snapshot() carries it out.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "exclusions.hpp"
#include "options.hpp"
#include "preflight.hpp"
#include "scrub.hpp"
#include "squash_writer.hpp"
#include "system_mounts.hpp"

namespace remaster {

struct Plan {
    Plan() = default;
    Plan(const Plan&) = delete;  // exclusions.filter() refers to this object
    Plan& operator=(const Plan&) = delete;
    Plan(Plan&&) = default;

    std::string root;  // absolute, symlinks resolved
    ViewMounts view_mounts;
    Exclusions exclusions;
    std::vector<ScrubAction> scrub;
    SquashOptions squash;
    std::string squashfs_out;  // absolute final path, when --squashfs
    bool to_stick = false;     // --to
    StickPlan stick;           // when to_stick, to_iso or to_netboot (no target then)
    std::string iso_out;       // absolute final path, when --iso
    bool to_iso = false;       // --iso
    std::string netboot_out;   // absolute final path, when --netboot
    bool to_netboot = false;   // --netboot
    std::string sign_key;      // absolute; empty: unsigned
    // --update-url, ending in '/', and the public half of --sign-key (PEM)
    // that the server's snapshots must be signed with; empty: no updates.
    std::string update_url;
    std::string update_key_pem;
    std::string cache_dir;     // absolute; empty: --no-cache
};

// Checks the inputs (reporting every problem at once) and decides. Throws
// Error(Exit::bad_input) with all problems listed.
Plan make_plan(const Options& opt);

// The human-readable plan: view, exclusions (with what they match when
// `matches` is given), scrubs, squash settings, output.
struct ExcludedPath {
    std::string path;
    const ExclusionRule* rule;
};
void print_plan(const Plan& plan, const std::vector<ExcludedPath>& matches, std::ostream& os);

}  // namespace remaster
