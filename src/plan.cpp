#include "plan.hpp"

#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <ostream>

#include "bytes.hpp"
#include "data_dir.hpp"
#include "error.hpp"
#include "iso_output.hpp"
#include "medium.hpp"
#include "netboot_output.hpp"
#include "output_file.hpp"
#include "paths.hpp"
#include "remaster_bundle.hpp"
#include "runtime_dir.hpp"
#include "http_url.hpp"
#include "signing_key.hpp"
#include "source_device.hpp"
#include "stick_menu.hpp"

namespace remaster {
namespace {

// Where our dracut module comes from: the installed data dir, or the source
// tree of a build. The plan says so; a missing one is an error of the run.
std::string dracut_module_source() {
    try {
        return data_dir() + "/dracut-module";
    } catch (const Error& e) {
        return std::string("not found (") + e.what() + ")";
    }
}

// "does not exist", or what else stat said (a symlink loop, no permission).
std::string why_not_there(int err) {
    if (err == ENOENT || err == ENOTDIR) return "does not exist";
    if (err == ELOOP) return "is a symbolic link loop";
    return "cannot be read (" + errno_string(err) + ")";
}

// A number from the command line, checked against its bounds.
void check_jobs(const std::string& text, unsigned& jobs, Problems& problems) {
    constexpr unsigned long kMaxJobs = 1024;
    char* end = nullptr;
    errno = 0;
    const unsigned long n = text.empty() || text[0] == '-' ? 0 : std::strtoul(text.c_str(), &end, 10);
    if (!end || *end || errno || n < 1 || n > kMaxJobs)
        problems.push_back("--jobs '" + text + "' is not a number of threads from 1 to " + std::to_string(kMaxJobs) +
                           " (leave it out to use all cores)");
    else
        jobs = static_cast<unsigned>(n);
}

// The block size as typed: "8G" is reported as 8G, not as what a uint32 holds.
uint32_t check_block_size(const std::string& text, Problems& problems) {
    uint64_t bs = 0;
    try {
        bs = parse_bytes(text);
    } catch (const Error&) {
    }
    if (bs < 4096 || bs > (1u << 20) || (bs & (bs - 1))) {
        problems.push_back("--block-size '" + text + "' is not a power of two from 4K to 1M (e.g. 128K)");
        return 0;
    }
    return static_cast<uint32_t>(bs);
}

// Never squash our own output: an image file or squashfs written below the
// root (the running system's, always) is left out of the scan under its final
// and its temporary name. A path in a mount the view composes (a separate
// /srv) is in the view under the same name; one in a mount the view leaves out
// (/media/usb) is not in the view at all, and the rule matches nothing.
void add_own_output(const std::string& root, const std::string& out, std::vector<std::string>& own_outputs) {
    if (root.empty() || out.empty() || !path_below(out, root)) return;
    for (const std::string& p : {out, OutputFile::temp_name_for(out)})
        own_outputs.push_back(literal_pattern(relative_to_root(p, root)));
}

// --squashfs FILE: where it goes, and whether it can. Returns our own
// outputs below the root (the file and its temporary), to exclude.
std::vector<std::string> plan_squashfs_out(Plan& plan, const std::string& squashfs, Problems& problems,
                                           std::string& hint) {
    struct stat st;
    plan.squashfs_out = absolute_path(squashfs);
    const std::string dir = plan.squashfs_out.empty() ? "" : parent_path(plan.squashfs_out);
    if (plan.squashfs_out.empty() || ::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
        problems.push_back("The output directory for '" + squashfs + "' does not exist");
        if (hint.empty()) hint = "Create the directory first, or choose another output path.";
    } else if (::access(dir.c_str(), W_OK) != 0 && ::geteuid() == 0) {
        problems.push_back("The output directory '" + dir + "' is not writable (read-only filesystem?)");
    } else if (::stat(plan.squashfs_out.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
        problems.push_back("The output '" + squashfs + "' exists and is not a regular file");
    } else if (plan.squashfs_out == plan.root || path_below(plan.root, plan.squashfs_out)) {
        problems.push_back("The output '" + squashfs + "' cannot hold the root being snapshotted");
    }
    std::vector<std::string> own;
    add_own_output(plan.root, plan.squashfs_out, own);
    return own;
}

// The least free space an ISO's directory must have to begin: the kernel,
// initramfs and GRUB alone take that. The real need is checked once the
// size of the system is known (snapshot.cpp, to_iso), before the squash.
constexpr uint64_t kIsoLeastFree = 64ull << 20;

// --iso FILE: an image file, never a device; plus the squashfs' temporary
// beside it, both left out of the scan when below the root.
std::vector<std::string> plan_iso_out(Plan& plan, const Options& opt, Problems& problems, std::string& hint) {
    struct stat st;
    if (::stat(opt.iso.c_str(), &st) == 0 && S_ISBLK(st.st_mode)) {
        problems.push_back("--iso '" + opt.iso + "' is a block device; --iso writes an image file (use --to " + opt.iso +
                           " to make a stick on it, or dd the ISO onto it afterwards)");
        return {};
    }
    // The same checks as for a squashfs output; the path is the ISO's.
    auto own = plan_squashfs_out(plan, opt.iso, problems, hint);
    plan.iso_out = std::move(plan.squashfs_out);
    plan.squashfs_out.clear();
    add_own_output(plan.root, iso_squashfs_name(plan.iso_out), own);
    struct statvfs vfs;
    if (problems.empty() && ::statvfs(parent_path(plan.iso_out).c_str(), &vfs) == 0 &&
        static_cast<uint64_t>(vfs.f_bavail) * vfs.f_frsize < kIsoLeastFree)
        problems.add(Exit::no_space, "Not enough space in '" + parent_path(plan.iso_out) + "' for an ISO: " +
                                         format_bytes(static_cast<uint64_t>(vfs.f_bavail) * vfs.f_frsize) +
                                         " free, the boot files alone need " + format_bytes(kIsoLeastFree));
    return own;
}

// --netboot DIR: a directory beside which its stage can be written, and
// nothing there but an earlier netboot directory of this root. Returns our
// outputs below the root (the directory and its stage), to exclude.
std::vector<std::string> plan_netboot_out(Plan& plan, const Options& opt, Problems& problems, std::string& hint) {
    struct stat st;
    plan.netboot_out = absolute_path(opt.netboot);
    while (plan.netboot_out.size() > 1 && plan.netboot_out.back() == '/') plan.netboot_out.pop_back();
    const std::string dir = plan.netboot_out.empty() ? "" : parent_path(plan.netboot_out);
    if (plan.netboot_out.empty() || plan.netboot_out == "/" || ::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
        problems.push_back("The directory that would hold '" + opt.netboot + "' does not exist");
        if (hint.empty()) hint = "Create the parent directory first, or choose another path.";
        return {};
    }
    if (::access(dir.c_str(), W_OK) != 0 && ::geteuid() == 0)
        problems.push_back("The directory '" + dir + "' is not writable (read-only filesystem?)");
    else if (plan.netboot_out == plan.root || path_below(plan.root, plan.netboot_out))
        problems.push_back("The netboot directory '" + opt.netboot + "' cannot hold the root being snapshotted");
    else if (::lstat(plan.netboot_out.c_str(), &st) == 0) {
        const std::string why = netboot_dir_refusal(plan.netboot_out, plan.root);
        if (!why.empty()) problems.push_back("--netboot: " + why);
    }
    std::vector<std::string> own;
    add_own_output(plan.root, plan.netboot_out, own);
    add_own_output(plan.root, netboot_stage_path(plan.netboot_out), own);
    return own;
}

// --update-url URL with --to and --sign-key: the stick pins the public
// half of the key; a server's snapshot signed otherwise is never booted.
void plan_update_url(Plan& plan, const Options& opt, Problems& problems) {
    if (opt.update_url.empty()) return;
    if (opt.to.empty() || !opt.iso.empty())
        problems.push_back("--update-url is for a stick (--to): its default entry asks the server for a newer snapshot");
    if (const std::string why = http_url_problem(opt.update_url); !why.empty())
        problems.push_back("--update-url " + why);
    else
        plan.update_url = http_dir_url(opt.update_url);
    if (opt.sign_key.empty()) {
        problems.push_back("--update-url needs --sign-key KEY: the stick boots only a snapshot signed with that key. "
                           "Make one with `openssl genpkey -algorithm ed25519 -out netboot.key`, sign the server's "
                           "directory with `remaster snapshot --netboot DIR --sign-key netboot.key`, and give the same "
                           "file (or its public half) here");
        return;
    }
    try {
        plan.update_key_pem = read_public_key_pem(opt.sign_key);
        plan.sign_key = absolute_path(opt.sign_key);
    } catch (const Error& e) {
        problems.push_back(e.hint().empty() ? e.what() : std::string(e.what()) + ". " + e.hint());
    }
}

// --sign-key FILE: an Ed25519 private key, for --netboot (with --update-url,
// plan_update_url reads it).
void plan_sign_key(Plan& plan, const Options& opt, Problems& problems) {
    if (opt.sign_key.empty() || !opt.update_url.empty()) return;
    if (opt.netboot.empty())
        problems.push_back("--sign-key signs a netboot directory (--netboot DIR) or pins the key of --update-url: it needs one of them");
    try {
        SigningKey key(opt.sign_key);
        plan.sign_key = absolute_path(opt.sign_key);
    } catch (const Error& e) {
        problems.push_back(e.hint().empty() ? e.what() : std::string(e.what()) + ". " + e.hint());
    }
}

// What the root's filesystem and each composed mount sit on (LVM, LUKS,
// RAID, a btrfs subvolume), for the plan's view listing.
void describe_view_sources(ViewMounts& vm, const std::string& root, const std::vector<MountEntry>& mounts) {
    if (const MountEntry* m = mount_containing(mounts, root)) vm.sources["/"] = describe_source(*m);
    for (const auto& rel : vm.composed) {
        const std::string target = root == "/" ? rel : root + rel;
        for (auto it = mounts.rbegin(); it != mounts.rend(); ++it)  // the last mount there is what is seen
            if (it->target == target) {
                vm.sources[rel] = describe_source(*it);
                break;
            }
    }
}

}  // namespace

Plan make_plan(const Options& opt) {
    Plan plan;
    Problems problems;
    std::string hint;

    if (::geteuid() != 0 && !opt.dry_run) {
        problems.push_back("remaster must run as root: it mounts an overlay view of the system");
        hint = "Run it with sudo, or add --dry-run to see the plan as a normal user.";
    }

    struct stat st;
    plan.root = absolute_path(opt.root);
    const bool root_ok = !plan.root.empty() && ::stat(plan.root.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
    if (plan.root.empty() || ::stat(plan.root.c_str(), &st) != 0)
        problems.push_back("The root '" + opt.root + "' " + why_not_there(plan.root.empty() ? ENOENT : errno));
    else if (!S_ISDIR(st.st_mode))
        problems.push_back("The root '" + opt.root + "' is not a directory");

    if (!opt.netboot.empty() && !(opt.to.empty() && opt.squashfs.empty() && opt.iso.empty()))
        problems.push_back("--netboot writes a whole netboot directory by itself: leave out --to, --iso and --squashfs "
                           "(one output per run)");
    else if (!opt.iso.empty() && !(opt.to.empty() && opt.squashfs.empty()))
        problems.push_back(std::string("--iso writes the whole bootable image by itself: leave out ") +
                           (opt.to.empty() ? "--squashfs" : "--to") + " (one output per run)");
    else if (opt.netboot.empty() && opt.iso.empty() && opt.to.empty() == opt.squashfs.empty())
        problems.push_back("Say where to write: --to DEVICE_OR_IMAGE (a bootable stick), --iso FILE (a hybrid ISO), "
                           "--netboot DIR (a directory to serve over HTTP) or --squashfs FILE (just the image)");

    unsigned jobs = 0;
    if (!opt.jobs.empty()) check_jobs(opt.jobs, jobs, problems);
    if (const uint32_t block_size = check_block_size(opt.block_size, problems)) {
        try {
            plan.squash = parse_compression(opt.compress, block_size, jobs);
        } catch (const Error& e) {
            problems.push_back(e.hint().empty() ? e.what() : std::string(e.what()) + ". " + e.hint());
        }
    }
    for (const auto& x : opt.excludes)
        if (x.empty())
            problems.push_back("--exclude '' names nothing; give a pattern such as '/home/*/Videos' or '*.iso'");

    if (!opt.default_boot.empty()) {
        try {
            (void)default_entry_id(opt.default_boot);
        } catch (const Error& e) {
            problems.push_back(std::string(e.what()) + ". " + e.hint());
        }
        if (opt.to.empty()) problems.push_back("--default-boot is for sticks (--to)");
    }

    std::vector<std::string> own_outputs;
    if (!opt.squashfs.empty()) own_outputs = plan_squashfs_out(plan, opt.squashfs, problems, hint);
    plan.to_iso = !opt.iso.empty() && opt.to.empty() && opt.squashfs.empty();
    if (plan.to_iso) own_outputs = plan_iso_out(plan, opt, problems, hint);
    if (plan.to_iso && root_ok) plan.stick = plan_iso_system(opt, plan.root, problems);
    if (plan.to_iso && !opt.image_size.empty())
        problems.push_back("--size is for an image file made with --to; an ISO is as big as what it holds");
    plan.to_netboot = !opt.netboot.empty() && opt.to.empty() && opt.squashfs.empty() && opt.iso.empty();
    if (plan.to_netboot && root_ok) {
        own_outputs = plan_netboot_out(plan, opt, problems, hint);
        plan.stick = plan_netboot_system(opt, plan.root, problems);
    }
    if (plan.to_netboot && !opt.image_size.empty())
        problems.push_back("--size is for an image file made with --to; a netboot directory is as big as what it holds");
    plan_sign_key(plan, opt, problems);
    plan_update_url(plan, opt, problems);
    const std::vector<MountEntry> mounts = read_mount_table();
    plan.to_stick = !opt.to.empty() && opt.iso.empty();
    if (plan.to_stick && root_ok) {
        plan.stick = plan_stick(opt, plan.root, mounts, problems);
        if (plan.stick.image_file) add_own_output(plan.root, plan.stick.target, own_outputs);
    }
    if (!problems.empty())
        throw Error(problems.code(), printable(problems.joined()),
                    hint.empty() ? "Nothing was written. Fix the above and run again." : hint);

    plan.view_mounts = plan_view_mounts(plan.root, mounts, {RuntimeDir::base()});
    describe_view_sources(plan.view_mounts, plan.root, mounts);
    ExclusionInputs in;
    in.mode = opt.mode;
    in.user_patterns = opt.excludes;
    in.swap_files = find_swap_files(plan.root);
    in.own_outputs = own_outputs;
    plan.cache_dir = absolute_path(opt.cache_dir);
    if (path_below(plan.cache_dir, plan.root)) in.cache_dir = relative_to_root(plan.cache_dir, plan.root);
    plan.exclusions = default_exclusions(in);
    // What the view leaves out is an empty mount point there; say so in the plan.
    for (const auto& s : plan.view_mounts.skipped)
        plan.exclusions.add(s.target, FilterAction::empty_dir, "mount left out: " + s.reason);
    plan.scrub = plan_scrub(plan.root, opt.mode);
    // An operating system root (the scrub found /etc) without remaster gets
    // ours, so that `remaster install` runs in its live system.
    if (!plan.scrub.empty())
        for (auto& a : plan_remaster_bundle(plan.root, running_bundle_inputs())) plan.scrub.push_back(std::move(a));
    return plan;
}

void print_plan(const Plan& plan, const std::vector<ExcludedPath>& matches, std::ostream& os) {
    os << "Plan (dry run: nothing is mounted or written)\n";
    os << "  root:      " << plan.root << "\n";
    if (!plan.squashfs_out.empty()) os << "  squashfs:  " << plan.squashfs_out << "\n";
    if (plan.to_iso) os << "  iso:       " << plan.iso_out << " (hybrid: a DVD, a VM's CD-ROM, or dd onto a stick)\n";
    if (plan.to_netboot)
        os << "  netboot:   " << plan.netboot_out << " (serve it with any HTTP server; "
           << (plan.sign_key.empty() ? "unsigned" : "signed with " + plan.sign_key) << ")\n";
    if (plan.to_stick) {
        const StickPlan& s = plan.stick;
        os << "  adapter:   " << s.adapter->family() << " (" << printable(s.adapter_why) << "; " << printable(s.os_name)
           << ")\n";
        os << "  kernel:    " << s.kernel.version << " (" << s.kernel.image << "), boots by default\n";
        for (const auto& k : s.other_kernels)
            os << "  kernel:    " << k.version << " (" << k.image << "), its own menu entry " << kEntryKernelPrefix
               << k.version << "\n";
        os << "  target:    " << s.target << (s.image_file ? " (image file" : " (block device")
           << (s.existing_uuid.empty() ? ", written afresh)" : ", a remaster stick: the new snapshot goes beside the old ones)")
           << "\n";
        if (!s.contents.empty())
            os << "  it holds:  " << printable(s.contents) << (s.overwrites ? "; replaced only after you type 'yes', or with --yes" : "")
               << "\n";
        os << "  snapshot:  " << SnapshotDir::as_booted(s.snapshot_id).path() << "\n";
        os << "  initramfs: "
           << (plan.cache_dir.empty() ? std::string("built by dracut (--no-cache)")
                                      : "taken from " + plan.cache_dir + " if built from the same files before, else built by dracut and kept there")
           << "\n";
        os << "  module:    " << dracut_module_source() << " (copied into the view for dracut as 90remaster)\n";
        if (!plan.update_url.empty())
            os << "  updates:   the default entry '" << kEntryUpdate << "' asks " << plan.update_url
               << " for a newer snapshot of this system and boots it from RAM if it is signed with the key of "
               << plan.sign_key << "; entry '" << kEntryLive << "' boots the stick's own (the initramfs gets dracut's "
               << "network module, curl, openssl and the public key)\n";
    }
    os << "  compress:  " << plan.squash.compressor << (plan.squash.level ? ":" + std::to_string(plan.squash.level) : "")
       << ", block size " << plan.squash.block_size << ", " << (plan.squash.jobs ? std::to_string(plan.squash.jobs) : "all")
       << " cores\n";
    os << "View (overlay, changes go to a tmpfs, the source is not written):\n";
    const auto& sources = plan.view_mounts.sources;
    auto on = [&](const std::string& rel) {
        const auto it = sources.find(rel);
        return it == sources.end() ? std::string() : "; " + printable(it->second);
    };
    os << "  /  (overlay of " << plan.root << on("/") << ")\n";
    for (const auto& m : plan.view_mounts.composed) os << "  " << m << "  (own overlay: part of the system" << on(m) << ")\n";
    for (const auto& m : plan.view_mounts.skipped) os << "  " << m.target << "  left out: " << m.reason << "\n";
    os << "Scrub (written into the view only):\n";
    if (plan.scrub.empty()) os << "  nothing (no /etc: not an operating system root)\n";
    for (const auto& a : plan.scrub)
        os << "  " << a.path
           << (a.kind == ScrubAction::Kind::symlink     ? " -> " + a.content
               : a.kind == ScrubAction::Kind::copy_file ? " copied from " + a.content
                                                        : std::string(" rewritten"))
           << ": " << a.reason << "\n";
    os << "Exclusion rules:\n";
    for (const auto& r : plan.exclusions.rules())
        os << "  " << (r.action == FilterAction::empty_dir ? "empty   " : "exclude ") << r.pattern << "  (" << r.reason
           << ")\n";
    os << "Excluded in this root:\n";
    if (matches.empty()) os << "  nothing\n";
    for (const auto& m : matches)
        os << "  " << (m.rule->action == FilterAction::empty_dir ? "empty   " : "exclude ") << m.path << "  ("
           << m.rule->reason << ")\n";
}

}  // namespace remaster
