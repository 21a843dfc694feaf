#include "update.hpp"

#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <iostream>
#include <optional>

#include "bytes.hpp"
#include "checksum.hpp"
#include "data_dir.hpp"
#include "error.hpp"
#include "http_client.hpp"
#include "interrupt.hpp"
#include "log.hpp"
#include "menu.hpp"
#include "open_stick.hpp"
#include "output_file.hpp"
#include "progress.hpp"
#include "public_key.hpp"
#include "remote_snapshot.hpp"
#include "stick_menu.hpp"
#include "stick_store.hpp"
#include "update_rule.hpp"
#include "update_url.hpp"

namespace remaster {
namespace {

// Room left on the stick beside the downloads: SHA256SUMS, snapshot.info,
// the menu, and the filesystem's own needs.
constexpr uint64_t kSpareBytes = 16ull << 20;

// Where to update from and the key it must be signed with: the stick's
// newest snapshot says both (snapshot --to --update-url --sign-key); --from
// overrides the URL only, never the key.
struct UpdateSource {
    std::string url;     // ends in "/"
    std::string origin;  // "--from" or "the stick's update_url"
    std::string key;     // update_key
};

UpdateSource update_source(const UpdateOptions& opt, const SnapshotInfo& newest) {
    UpdateSource src;
    const std::string recorded = newest.get("update_url");
    if (opt.from.empty() && recorded.empty())
        throw Error(Exit::usage,
                    "The stick '" + opt.on + "' records no URL to update from (its newest snapshot " + newest.id +
                        " has no update_url)",
                    "Pass --from URL, or make the stick again with `remaster snapshot --to " + opt.on +
                        " --update-url URL --sign-key KEY`.");
    src.origin = opt.from.empty() ? "The stick's update_url" : "--from";
    src.url = checked_update_url(opt.from.empty() ? recorded : opt.from, src.origin);
    src.key = newest.get("update_key");
    if (src.key.empty())
        throw Error(Exit::bad_input,
                    "This stick pins no key (its newest snapshot " + newest.id +
                        " has no update_key): a download could not be checked",
                    "Make the stick with `remaster snapshot --to " + opt.on + " --update-url URL --sign-key KEY`.");
    return src;
}

// The three small files, fetched into memory and checked: nothing the
// server says is believed before the signature with the pinned key.
RemoteSnapshot fetch_remote(HttpClient& http, const UpdateSource& src) {
    const PublicKey key = PublicKey::from_base64(src.key);
    std::string info;
    try {
        info = http.get(src.url + SnapshotDir::kInfo, kRemoteInfoMax, SnapshotDir::kInfo);
    } catch (const HttpStatusError& e) {
        if (e.status() != 404) throw;
        throw Error(Exit::failure, "The server has no netboot directory at " + src.url + " (no " + SnapshotDir::kInfo +
                                       " there: HTTP 404)",
                    "Check the URL (" + src.origin + "); the stick was not changed.");
    }
    const std::string sums = http.get(src.url + SnapshotDir::kSums, kRemoteSumsMax, SnapshotDir::kSums);
    std::string sig;
    try {
        sig = http.get(src.url + NetbootDir::kSignature, kRemoteSignatureMax, NetbootDir::kSignature);
    } catch (const HttpStatusError& e) {
        if (e.status() != 404) throw;
        throw Error(Exit::bad_input, "The server's netboot directory " + src.url + " is not signed (no " +
                                         NetbootDir::kSignature + ")",
                    "Make it with `remaster snapshot --netboot DIR --sign-key KEY`; the stick was not changed.");
    }
    return check_remote_snapshot(info, sums, sig, key, src.url);
}

uint64_t free_bytes(const Stick& stick) {
    struct statvfs vfs;
    if (::statvfs(stick.root().c_str(), &vfs) != 0) throw_errno("read the free space of '" + stick.target() + "'", errno);
    return static_cast<uint64_t>(vfs.f_bavail) * vfs.f_frsize;
}

// The size of each file the server announces (HEAD), and whether they fit.
struct Sizes {
    std::map<std::string, std::optional<uint64_t>> of;
    uint64_t known = 0;
};

Sizes remote_sizes(HttpClient& http, const UpdateSource& src) {
    Sizes s;
    for (const auto& f : remote_files()) {
        // A server that refuses HEAD (405) can still serve the file: its size is then unknown.
        try {
            s.of[f] = http.size(src.url + f, f);
        } catch (const HttpStatusError& e) {
            if (e.status() == 404) throw;
            s.of[f] = std::nullopt;
        }
        if (s.of[f]) s.known += *s.of[f];
    }
    return s;
}

void check_space(const Sizes& sizes, uint64_t free, const std::string& target) {
    if (sizes.known + kSpareBytes <= free) return;
    throw Error(Exit::no_space,
                "The stick '" + target + "' has " + format_bytes(free) + " free; the server's snapshot needs " +
                    format_bytes(sizes.known + kSpareBytes) + "; nothing was written",
                "Free space with `remaster remove --on " + target + " SNAPSHOT` (the stick keeps the one it boots).");
}

void write_all(int fd, const char* data, size_t size, const std::string& path) {
    while (size > 0) {
        const ssize_t n = ::write(fd, data, size);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw_errno("write '" + path + "'", errno);
        data += n;
        size -= static_cast<size_t>(n);
    }
}

// Downloads `name` into the new snapshot under a temporary name, hashing
// it as it streams; renamed into place only when its SHA-256 is the one
// the signed SHA256SUMS gives. At most `max` bytes (what the server
// announced, or the free space when it did not say).
void download(HttpClient& http, const UpdateSource& src, const SnapshotDir& snap, const std::string& name,
              const std::string& expected, uint64_t max, std::optional<uint64_t> announced,
              const std::function<void(uint64_t)>& on_bytes) {
    OutputFile out(snap.file(name));
    Sha256 digest;
    const std::string url = src.url + name;
    const uint64_t got = http.stream(
        url, max, name,
        [&](const char* data, size_t size) {
            write_all(out.fd(), data, size, out.temp_path());
            digest.update(data, size);
        },
        on_bytes);
    if (announced && got != *announced)
        throw Error(Exit::failure, "The download of " + url + " was cut off (" + format_bytes(got) + " of " +
                                       format_bytes(*announced) + ")",
                    "The stick was not changed; try again.");
    if (digest.hex() != expected)
        throw Error(Exit::bad_input,
                    "The downloaded " + name + " does not match its SHA-256 in the signed " + SnapshotDir::kSums +
                        ": it changed on the server after it was signed, or on the way",
                    "The stick was not changed. Make the server's directory again with `remaster snapshot --netboot`.");
    out.commit();
}

void print_plan(const OpenStick& s, const UpdateSource& src, const SnapshotInfo& newest, const RemoteSnapshot& remote,
                const UpdateDecision& d, const Sizes& sizes, uint64_t free) {
    std::cout << "Update of " << s->target() << " from " << src.url << "\n"
              << "  " << SnapshotDir::kSums << " and " << SnapshotDir::kInfo << ": signed with the key the stick pins\n"
              << "  The stick boots " << newest.id << "; the server has " << printable(remote.info.id) << " ("
              << printable(remote.info.get("os", "?")) << ", kernel " << printable(remote.info.get("kernel", "?")) << ")\n"
              << "  " << d.reason << "\n"
              << "Would write " << SnapshotDir::as_booted(s->unused_snapshot_id(remote.info.id)).path() << "/:\n";
    for (const auto& f : remote_files()) {
        const auto& size = sizes.of.at(f);
        std::cout << "  " << f << "  " << (size ? format_bytes(*size) : std::string("size not announced")) << "\n";
    }
    std::cout << "  " << SnapshotDir::kSums << ", " << SnapshotDir::kInfo << "; then the boot menu (default entry: "
              << read_default_entry(*s) << ", now booting " << remote.info.id << ")\n"
              << "Free space on the stick: " << format_bytes(free) << "\n"
              << "Nothing was written (--dry-run).\n";
}

// On a terminal the user says yes first; the stick's snapshots are never
// erased by an update, so a run without one (a timer) just goes ahead.
void confirm(const UpdateOptions& opt, const std::string& id) {
    if (opt.yes || !::isatty(0)) return;
    std::cerr << "Write the snapshot " << id << " onto " << opt.on << " beside the one it boots now? Type 'yes': "
              << std::flush;
    std::string answer;
    std::getline(std::cin, answer);
    check_interrupt();
    if (answer != "yes") throw Error(Exit::unsafe_target, "Not confirmed; '" + opt.on + "' was not touched");
}

}  // namespace

void update_stick(const UpdateOptions& opt, Runner& runner) {
    // Plan: the stick (locked, as list and remove open it), its newest
    // snapshot, where to update from and the key it pins; nothing written.
    OpenStick s(opt.on, opt.dry_run ? StickAccess::read : StickAccess::write);
    const auto snaps = list_snapshots(*s);
    if (snaps.empty())
        throw Error(Exit::bad_input, "The stick '" + opt.on + "' holds no complete snapshot to update",
                    "Write one with `remaster snapshot --to " + opt.on + " --update-url URL --sign-key KEY`.");
    const SnapshotInfo& newest = snaps.front();
    const UpdateSource src = update_source(opt, newest);
    const MenuTemplates templates = load_menu_templates(data_dir() + "/grub.d");

    // Fetch and check the small files: the signature first.
    HttpClient http;
    log::info() << "Checking " << src.url << " ...";
    const RemoteSnapshot remote = fetch_remote(http, src);

    // Decide: only a later snapshot of the same system.
    const UpdateDecision d = decide_update(newest, remote.info);
    if (d.verdict == UpdateDecision::Verdict::up_to_date) {
        log::info() << "The stick is up to date: " << d.reason;
        return;
    }
    if (d.verdict != UpdateDecision::Verdict::newer)
        throw Error(Exit::bad_input, "Not updating " + opt.on + ": " + d.reason, "The stick was not changed.");
    // The server's values go into the menu: refused here if they cannot.
    check_menu_values(templates, remote.info.get("os", "Linux"), remote.info.get("kernel_args"));
    const Sizes sizes = remote_sizes(http, src);
    const uint64_t free = free_bytes(*s);
    check_space(sizes, free, opt.on);
    if (opt.dry_run) return print_plan(s, src, newest, remote, d, sizes, free);
    confirm(opt, remote.info.id);

    // Write: a new snapshot beside the old ones, undone on any error or Ctrl-C.
    for (const auto& id : remove_incomplete_snapshots(*s))
        log::info() << "Removed the unfinished snapshot " << id << " left by an interrupted run";
    const SnapshotDir snap = s->make_snapshot_dir(s->unused_snapshot_id(remote.info.id));
    SnapshotGuard unfinished(snap);
    log::info() << "Downloading " << remote.info.id << " into " << snap.booted().path() << " ...";
    Progress progress("download", sizes.known, log::quiet());
    uint64_t before = 0;
    for (const auto& f : remote_files()) {
        const auto& announced = sizes.of.at(f);
        if (!announced) log::warn() << "the server does not say how big " << f << " is: the download stops when the stick is full";
        download(http, src, snap, f, remote.sums.at(f), announced ? *announced : free_bytes(*s), announced,
                 [&](uint64_t done) { progress.update(before + done); });
        before += announced ? *announced : 0;
    }
    progress.finish();

    // Complete: the checksums (known: each file was checked as it came),
    // snapshot.info, then the menu; until the menu's rename the stick boots
    // what it booted before, and a menu that fails takes the snapshot back.
    std::map<std::string, std::string> known;
    for (const auto& f : remote_files()) known[f] = remote.sums.at(f);
    write_sums(snap, known);
    SnapshotInfo info = stick_info_for(remote.info, snap.id(), newest);
    // The stick's boot partition is as it was made: without its signed
    // chain, no snapshot on it boots with Secure Boot on.
    if (newest.get("secure_boot") == "no") info.fields["secure_boot"] = "no";
    write_snapshot_info(*s, info);
    write_stick_menu(templates, *s, s->uuid(), runner);
    unfinished.dismiss();
    s->close();
    log::info() << "Updated the stick to " << snap.id() << " from " << src.url << " (was " << newest.id << ")";
}

}  // namespace remaster
