#include "stick_commands.hpp"

#include <ftw.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <iostream>
#include <memory>

#include "bytes.hpp"
#include "checksum.hpp"
#include "data_dir.hpp"
#include "device_use.hpp"
#include "error.hpp"
#include "iso_reader.hpp"
#include "json_writer.hpp"
#include "layering.hpp"
#include "log.hpp"
#include "open_stick.hpp"
#include "recovery.hpp"
#include "runner.hpp"
#include "runtime_dir.hpp"
#include "stick.hpp"
#include "stick_menu.hpp"
#include "stick_store.hpp"
#include "system_mounts.hpp"
#include "verify_listing.hpp"

namespace remaster {
namespace {

// The menu for what the stick holds now, checked; the old one stays if it fails.
std::string render_menu(const Stick& s, Runner& runner) {
    return render_stick_menu(load_menu_templates(data_dir() + "/grub.d"), s, s.uuid(), runner);
}

// The menu for the stick as it will be once `hidden` is gone: `hidden` is
// renamed to `held` (out of the menu's sight) while the menu is rendered and
// checked, and renamed back if that fails, so nothing is lost to a bad menu.
std::string render_menu_without(const Stick& s, Runner& runner, const std::string& hidden, const std::string& held) {
    if (::rename(hidden.c_str(), held.c_str()) != 0) throw_errno("rename '" + hidden + "' to '" + held + "'", errno);
    try {
        return render_menu(s, runner);
    } catch (...) {
        if (::rename(held.c_str(), hidden.c_str()) != 0)
            log::warn() << "could not put back '" << held << "' as '" << hidden << "': " << errno_string(errno);
        throw;
    }
}

// Bytes the files below `dir` take; with only_own, just those with no other
// name (a kernel and initramfs linked from another snapshot are not freed by
// removing this one).
uint64_t tree_bytes(const std::string& dir, bool only_own = false) {
    static uint64_t total;
    static bool own;
    total = 0;
    own = only_own;
    ::nftw(dir.c_str(),
           [](const char*, const struct stat* st, int type, struct FTW*) {
               if (type == FTW_F && (!own || st->st_nlink == 1)) total += static_cast<uint64_t>(st->st_blocks) * 512;
               return 0;
           },
           32, FTW_PHYS | FTW_MOUNT);
    return total;
}

// Deletes what is below `dir` (not `dir` itself): a profile's store on the
// stick. Never crosses into another mount.
void empty_dir(const std::string& dir) {
    static std::string top;
    top = dir;
    int rc = ::nftw(dir.c_str(),
                    [](const char* path, const struct stat*, int, struct FTW*) {
                        if (top == path) return 0;
                        return ::remove(path) == 0 || errno == ENOENT ? 0 : -1;
                    },
                    32, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
    if (rc != 0) throw_errno("empty '" + dir + "'", errno);
}

std::string profile_dir(const Stick& s, const std::string& name) {
    if (!valid_profile_name(name)) throw Error(Exit::bad_input, "'" + name + "' is not a valid profile name");
    return s.profile_dir(name);
}

bool profile_exists(const Stick& s, const std::string& name) {
    struct stat st;
    return ::stat(profile_dir(s, name).c_str(), &st) == 0;
}

}  // namespace

void verify_stick(const std::string& target, bool json) {
    if (is_iso_image(target)) return verify_iso(target, json);  // read through libisofs, not mounted
    OpenStick s(target, StickAccess::read);
    VerifyListing listing(target, json);
    for (const auto& snap : list_snapshots(*s)) {
        const SumsResult r = verify_sums(s->snapshot(snap.id));
        for (const auto& f : r.ok) listing.ok(snap.id, f);
        for (const auto& f : r.bad) listing.bad(snap.id, f);
    }
    // Not damage (it never boots), but not verified either.
    const auto unfinished = list_unfinished_snapshots(*s);
    for (const auto& id : unfinished) listing.unfinished(id);
    s->close();
    listing.finish();
    // Passing on zero files checked would call an empty or broken stick good.
    if (listing.checked() == 0)
        throw Error(Exit::failure,
                    "Nothing on '" + target + "' was verified: it holds no finished snapshot" +
                        (unfinished.empty() ? std::string() : " (" + std::to_string(unfinished.size()) + " unfinished)"),
                    "Write one with `remaster snapshot --to " + target + "`.");
    const auto& bad = listing.damaged();
    if (!bad.empty())
        throw Error(Exit::failure, "The stick '" + target + "' is damaged: " + bad.front() +
                                       (bad.size() > 1 ? " (and " + std::to_string(bad.size() - 1) + " more)" : ""),
                    "Do not boot it; make the snapshot again with `remaster snapshot --to " + target + " --replace`.");
    log::info() << "Every file on " << target << " matches its checksum";
}

void profile_add(const std::string& target, const std::string& name, Runner& runner) {
    OpenStick s(target, StickAccess::write);
    if (profile_exists(*s, name)) throw Error(Exit::bad_input, "The profile '" + name + "' already exists");
    create_profile(*s, name);
    // The menu lists the profiles on the stick, so it is rendered after the
    // profile exists; a profile whose menu fails is taken back.
    std::string menu;
    try {
        menu = render_menu(*s, runner);
    } catch (...) {
        try {
            empty_dir(profile_dir(*s, name));  // new and empty; cannot fail short of I/O errors
        } catch (const Error& e) {
            log::warn() << e.what();
        }
        ::rmdir(profile_dir(*s, name).c_str());
        throw;
    }
    install_stick_menu(*s, menu);
    s->close();
    log::info() << "Added the profile '" << name << "': its boot entry keeps its own changes";
}

void profile_remove(const std::string& target, const std::string& name, Runner& runner) {
    OpenStick s(target, StickAccess::write);
    if (!profile_exists(*s, name)) throw Error(Exit::bad_input, "There is no profile '" + name + "' on the stick");
    // Out of the menu's sight first (list_profiles skips names with a dot),
    // so the menu without it is rendered and checked while the profile is
    // still whole; a menu that fails puts it back.
    const std::string dir = profile_dir(*s, name);
    const std::string held = s->persist_dir() + "/.removing-" + name;
    install_stick_menu(*s, render_menu_without(*s, runner, dir, held));
    empty_dir(held);
    if (::rmdir(held.c_str()) != 0) throw_errno("remove '" + held + "'", errno);
    s->close();
    log::info() << "Removed the profile '" << name << "' and its saved changes";
}

void profile_reset(const std::string& target, const std::string& name) {
    OpenStick s(target, StickAccess::write);
    if (!profile_exists(*s, name)) throw Error(Exit::bad_input, "There is no profile '" + name + "' on the stick");
    empty_dir(profile_dir(*s, name));
    create_profile(*s, name);
    s->close();
    log::info() << "Reset the profile '" << name << "': it boots as the snapshot was taken";
}

void profile_list(const std::string& target) {
    OpenStick s(target, StickAccess::read);
    for (const auto& p : list_profiles(*s))
        std::cout << p << "\t" << format_bytes(tree_bytes(profile_dir(*s, p) + "/upper")) << " of saved changes\n";
    s->close();
}

namespace {

// The snapshots other than `id` that stack `id` as one of their layers.
std::vector<std::string> dependents(const std::vector<SnapshotInfo>& snaps, const std::string& id) {
    std::vector<std::string> out;
    for (const auto& s : snaps) {
        if (s.id == id) continue;
        const auto layers = layers_of(s);
        if (std::find(layers.begin(), layers.end(), id) != layers.end()) out.push_back(s.id);
    }
    return out;
}

std::string file_size(const std::string& path) {
    struct stat st;
    return ::stat(path.c_str(), &st) == 0 ? format_bytes(st.st_size) : std::string("?");
}

std::string joined(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
    return out;
}

}  // namespace

void list_stick(const std::string& target) {
    OpenStick s(target, StickAccess::read);
    const auto snaps = list_snapshots(*s);
    std::cout << "Snapshots on " << target << " (newest first; the first boots by default):\n";
    for (const auto& snap : snaps) {
        const SnapshotDir dir = s->snapshot(snap.id);
        const auto layers = layers_of(snap);
        const auto users = dependents(snaps, snap.id);
        const auto others = other_kernels(snap);
        std::cout << "  " << snap.id << "  " << readable_snapshot_time(snap.id) << "  " << snap.get("os", "?")
                  << (others.empty() ? ", kernel " : ", kernels ") << snap.get("kernel", "?")
                  << (others.empty() ? "" : " (default), " + joined(others)) << "\n      "
                  << (layers.size() > 1 ? "layer on " + layers[layers.size() - 2] + " (" + std::to_string(layers.size()) +
                                              " layers stacked)"
                                        : std::string("full snapshot"))
                  << ", squashfs " << file_size(dir.image()) << ", "
                  << format_bytes(tree_bytes(dir.path(), true)) << " of its own";
        const std::string sb = snap.get("secure_boot");
        if (!sb.empty()) std::cout << (sb == "yes" ? ", boots with Secure Boot on" : ", needs Secure Boot off");
        if (!users.empty()) std::cout << "; a layer of " << joined(users);
        std::cout << "\n";
    }
    for (const auto& id : list_unfinished_snapshots(*s))
        std::cout << "  " << id << "  " << readable_snapshot_time(id) << "  unfinished (an interrupted run), "
                  << format_bytes(tree_bytes(s->snapshot(id).path()))
                  << "; not bootable, the next snapshot --to removes it\n";
    std::cout << "Profiles:";
    for (const auto& p : list_profiles(*s)) std::cout << " " << p;
    struct statvfs vfs;
    if (::statvfs(s->root().c_str(), &vfs) == 0)
        std::cout << "\nFree space: " << format_bytes(static_cast<double>(vfs.f_bavail) * vfs.f_frsize) << "\n";
    s->close();
}

namespace {

uint64_t size_of(const std::string& path) {
    struct stat st;
    return ::stat(path.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
}

// One snapshot as docs/json.md describes it.
void snapshot_json(JsonWriter& j, const Medium& medium, const std::vector<SnapshotInfo>& snaps, const SnapshotInfo& snap,
                   bool is_default) {
    const SnapshotDir dir = medium.snapshot(snap.id);
    const auto layers = layers_of(snap);
    j.begin_object();
    j.key("id").value(snap.id);
    j.key("time").value(readable_snapshot_time(snap.id));
    j.key("default").value(is_default);
    j.key("os").value(snap.get("os", ""));
    j.key("kernel").value(snap.get("kernel", ""));
    j.key("other_kernels").strings(other_kernels(snap));
    j.key("layers").strings(layers);
    j.key("squashfs_bytes").value(size_of(dir.image()));
    j.key("own_bytes").value(tree_bytes(dir.path(), true));
    const std::string sb = snap.get("secure_boot");
    j.key("secure_boot");
    if (sb.empty()) j.null();
    else j.value(sb == "yes");
    j.key("layer_of").strings(dependents(snaps, snap.id));
    j.end_object();
}

}  // namespace

void list_stick_json(const std::string& target) {
    OpenStick s(target, StickAccess::read);
    const auto snaps = list_snapshots(*s);
    JsonWriter j(std::cout);
    j.begin_object();
    j.key("schema").value(uint64_t{1});
    j.key("stick").value(target);
    j.key("snapshots").begin_array();
    for (size_t i = 0; i < snaps.size(); ++i) snapshot_json(j, *s, snaps, snaps[i], i == 0);
    j.end_array();
    j.key("unfinished").begin_array();
    for (const auto& id : list_unfinished_snapshots(*s))
        j.begin_object().key("id").value(id).key("bytes").value(tree_bytes(s->snapshot(id).path())).end_object();
    j.end_array();
    j.key("profiles").begin_array();
    for (const auto& p : list_profiles(*s))
        j.begin_object().key("name").value(p).key("saved_bytes").value(tree_bytes(profile_dir(*s, p) + "/upper")).end_object();
    j.end_array();
    struct statvfs vfs;
    j.key("free_bytes");
    if (::statvfs(s->root().c_str(), &vfs) == 0) j.value(static_cast<uint64_t>(vfs.f_bavail) * vfs.f_frsize);
    else j.null();
    j.end_object();
    std::cout << "\n";
    s->close();
}

void remove_stick_snapshot(const std::string& target, const std::string& id, Runner& runner) {
    OpenStick s(target, StickAccess::write);
    const auto snaps = list_snapshots(*s);
    bool found = false;
    for (const auto& snap : snaps) found = found || snap.id == id;
    if (!found) throw Error(Exit::bad_input, "There is no snapshot '" + id + "' on the stick (see `remaster list --on`)");
    if (snaps.size() == 1)
        throw Error(Exit::bad_input, "'" + id + "' is the only snapshot on the stick; removing it would leave nothing to boot");
    const auto users = dependents(snaps, id);
    if (!users.empty())
        throw Error(Exit::bad_input,
                    "'" + id + "' is a layer of " + joined(users) + ", which would not boot without it; nothing was removed",
                    "Remove those first, or write a fresh base with `remaster snapshot --full --to " + target +
                        "` and then remove the older snapshots.");
    const SnapshotDir dir = s->snapshot(id);
    const uint64_t freed = tree_bytes(dir.path(), true);
    // Without snapshot.info the snapshot is not listed (unfinished), so the
    // menu without it is rendered and checked while its files are all there;
    // a menu that fails gives it back its info.
    const std::string held = dir.info() + ".removing";
    install_stick_menu(*s, render_menu_without(*s, runner, dir.info(), held));
    if (::unlink(held.c_str()) != 0) throw_errno("remove '" + held + "'", errno);
    remove_snapshot(dir);
    s->close();
    log::info() << "Removed the snapshot " << id << " (" << format_bytes(freed) << " freed)";
}

}  // namespace remaster
