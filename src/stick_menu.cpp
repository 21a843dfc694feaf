#include "stick_menu.hpp"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <regex>

#include "dir_stream.hpp"
#include "error.hpp"
#include "file_copy.hpp"
#include "grub_script.hpp"
#include "grubenv.hpp"
#include "layering.hpp"
#include "mount.hpp"
#include "stick_store.hpp"
#include "small_file.hpp"

namespace remaster {
bool valid_profile_name(const std::string& name) {
    static const std::regex ok("[A-Za-z0-9_-]{1,32}");
    return std::regex_match(name, ok);
}

std::vector<std::string> list_profiles(const Medium& medium) {
    std::vector<std::string> out;
    DirStream d(medium.persist_dir());
    while (const dirent* e = d.next())
        if (valid_profile_name(e->d_name)) out.push_back(e->d_name);
    std::sort(out.begin(), out.end());
    return out;
}

void create_profile(const Medium& medium, const std::string& name) {
    if (!valid_profile_name(name))
        throw Error(Exit::bad_input, "'" + name + "' is not a valid profile name",
                    "Use letters, digits, '-' and '_' (at most 32).");
    const std::string dir = medium.profile_dir(name);
    make_dirs(dir + "/upper", 0755);
    make_dirs(dir + "/work", 0700);
}

std::string read_default_entry(const Medium& medium) {
    const auto text = read_small_file(medium.conf_file(), {kConfigMax, false, "", Exit::failure});
    const SnapshotInfo conf = parse_snapshot_info("", text.value_or(""));
    return conf.get("default_entry", kEntryLive);
}

void write_default_entry(const Medium& medium, const std::string& id) {
    write_file_atomic(medium.conf_file(), format_snapshot_info({"", {{"default_entry", id}}}));
}

std::string default_entry_id(const std::string& choice) {
    if (choice == kEntryLive || choice == kEntryRam || choice == kEntryCheck || choice == kEntryUpdate) return choice;
    if (choice == "persist") return std::string("persist-") + kDefaultProfile;
    if (valid_profile_name(choice)) return "persist-" + choice;
    throw Error(Exit::usage, "'" + choice + "' is not a boot entry",
                "Use live, persist, ram, check, update or the name of a profile.");
}

std::string update_kernel_args(const std::string& url) { return "rd.remaster.update=" + url + " ip=dhcp rd.neednet=1"; }

std::vector<MenuEntry> stick_menu_entries(const Medium& medium, const std::string& uuid) {
    std::vector<MenuEntry> entries;
    const auto snaps = list_snapshots(medium);
    for (size_t i = 0; i < snaps.size(); ++i) {
        const SnapshotInfo& s = snaps[i];
        // Paths as GRUB and the initramfs see them, from the medium's root.
        const SnapshotDir dir = medium.snapshot(s.id).booted();
        // The layers under this one, nearest first, as overlayfs stacks them.
        const auto layers = layers_of(s);
        std::vector<std::string> below;
        for (auto it = layers.rbegin() + 1; it != layers.rend(); ++it)
            below.push_back(medium.snapshot(*it).booted().path());
        const std::string base = live_kernel_args(uuid, dir.path(), s.get("kernel_args"), below);
        const std::string what = s.get("os", "Linux") + ", " + readable_snapshot_time(s.id);
        auto entry = [&](const std::string& id, const std::string& title, const std::string& extra) {
            entries.push_back({id, title, dir.kernel(), dir.initrd(), base + (extra.empty() ? "" : " " + extra)});
        };
        if (i > 0) {  // older snapshots: the plain live boot of exactly that state
            entry("snapshot-" + s.id, "Older snapshot: " + what + " (changes not kept)", "");
            continue;
        }
        // The server is asked only here; every other entry boots what is on the stick.
        const std::string update_url = s.get(kUpdateUrlField);
        if (!update_url.empty())
            entry(kEntryUpdate, "remaster live: " + what + ", or a newer snapshot from " + update_url + " (changes not kept)",
                  update_kernel_args(update_url));
        entry(kEntryLive, "remaster live: " + what + " (changes not kept)", "");
        // The other kernels, for a machine the newest one fails on: the same system and arguments.
        for (const auto& v : other_kernels(s))
            entries.push_back({kEntryKernelPrefix + v, "remaster live: " + what + " (kernel " + v + ", changes not kept)",
                               dir.kernel(v), dir.initrd(v), base});
        for (const auto& p : list_profiles(medium))
            entry("persist-" + p,
                  "remaster live: " + what + (p == kDefaultProfile ? " (changes kept)" : " (profile " + p + ", changes kept)"),
                  "rd.remaster.persist=" + p);
        entry(kEntryRam, "remaster live: " + what + " (copy to RAM; the stick can be removed)", "rd.remaster.ram=1");
        entry(kEntryCheck, "remaster live: " + what + " (verify the stick first)", "rd.remaster.check=1");
    }
    return entries;
}

std::string render_stick_menu(const MenuTemplates& templates, const Medium& medium, const std::string& uuid,
                              Runner& runner, const std::string& default_id) {
    const auto entries = stick_menu_entries(medium, uuid);
    if (entries.empty()) throw Error(Exit::failure, "The stick holds no complete snapshot to boot");
    std::string def = default_id.empty() ? read_default_entry(medium) : default_id;
    if (std::none_of(entries.begin(), entries.end(), [&](const MenuEntry& e) { return e.id == def; }))
        def = entries.front().id;  // e.g. the default profile was removed
    const std::string cfg = render_grub_cfg(templates, uuid, entries, def, 3);
    check_grub_script(runner, cfg);
    return cfg;
}

void install_stick_menu(const Medium& medium, const std::string& cfg) {
    write_file_atomic(medium.grub_cfg(), cfg);
    // The menu loads it; an empty one, once, so boot-test finds a block to
    // change in its view (grubenv.hpp). A stick made before has none: made here.
    struct stat st;
    if (::stat(medium.grubenv().c_str(), &st) != 0) write_file_atomic(medium.grubenv(), grubenv_block({}));
}

void write_stick_menu(const MenuTemplates& templates, const Medium& medium, const std::string& uuid, Runner& runner) {
    install_stick_menu(medium, render_stick_menu(templates, medium, uuid, runner));
}

void check_menu_values(const MenuTemplates& templates, const std::string& os_name, const std::string& kernel_args) {
    // The entries' own arguments are ours and safe; the user's are what may not be.
    const SnapshotDir dir = SnapshotDir::as_booted("20260101-000000");
    const MenuEntry e{kEntryLive, "remaster live: " + os_name, dir.kernel(), dir.initrd(),
                      live_kernel_args("0", dir.path(), kernel_args)};
    (void)render_grub_cfg(templates, "0", {e}, e.id, 3);
}

}  // namespace remaster
