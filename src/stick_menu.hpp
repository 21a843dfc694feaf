// The stick's boot menu, generated from what is on the medium: every
// complete snapshot (newest first), the persistence profiles, and the
// default chosen at snapshot time (stick.conf; layout: medium.hpp). Every
// command that changes the stick regenerates it the same way.
#pragma once

#include <string>
#include <vector>

#include "medium.hpp"
#include "menu.hpp"

namespace remaster {

class Runner;

// Entry ids of the newest snapshot. A profile NAME boots as "persist-NAME".
constexpr const char* kEntryLive = "live";        // tmpfs upper: nothing kept
constexpr const char* kEntryRam = "ram";          // copy to RAM, stick released
constexpr const char* kEntryCheck = "check";      // verify checksums first
// A snapshot made with --update-url: a newer one from the server first.
constexpr const char* kEntryUpdate = "update";
constexpr const char* kDefaultProfile = "default";
// The newest snapshot's other kernels boot as "kernel-KVER".
constexpr const char* kEntryKernelPrefix = "kernel-";

// snapshot.info's fields of a snapshot made with --update-url: the server's
// netboot directory, and the public key (pem_body) its snapshots must be
// signed with (the initramfs holds the same key).
constexpr const char* kUpdateUrlField = "update_url";
constexpr const char* kUpdateKeyField = "update_key";

// The update entry's own kernel arguments: the server to ask, and the
// network brought up by dracut (docs/kernel-args.md).
std::string update_kernel_args(const std::string& url);

// Profile names: [A-Za-z0-9_-], 1..32 characters.
bool valid_profile_name(const std::string& name);

// Persistence profiles on the medium, sorted.
std::vector<std::string> list_profiles(const Medium& medium);
// Creates the profile's upper and work directories.
void create_profile(const Medium& medium, const std::string& name);

// The default entry id stored on the stick ("live" when none).
std::string read_default_entry(const Medium& medium);
void write_default_entry(const Medium& medium, const std::string& id);

// What the user may pass as --default-boot: live, persist, ram, check,
// update or a profile name; returns the entry id ("persist" ->
// "persist-default").
std::string default_entry_id(const std::string& choice);

// Newest snapshot: update (when it was made with --update-url), live, one
// entry per other kernel (newest first), the profiles, ram, check; then one
// plain entry per older snapshot.
std::vector<MenuEntry> stick_menu_entries(const Medium& medium, const std::string& uuid);

// The grub.cfg for the stick's contents, with `default_id` as the default
// entry (the one stored on the stick when empty), checked with
// grub-script-check through `runner`.
std::string render_stick_menu(const MenuTemplates& templates, const Medium& medium, const std::string& uuid,
                              Runner& runner, const std::string& default_id = {});
// Replaces the medium's grub.cfg atomically with `cfg`, and writes an empty
// grubenv if there is none.
void install_stick_menu(const Medium& medium, const std::string& cfg);
// Both: the old grub.cfg stays when rendering or the check fails.
void write_stick_menu(const MenuTemplates& templates, const Medium& medium, const std::string& uuid, Runner& runner);

// Throws Error(Exit::bad_input) when a snapshot of `os_name` with these
// kernel arguments could not get a boot menu: the plan-time check.
void check_menu_values(const MenuTemplates& templates, const std::string& os_name, const std::string& kernel_args);

}  // namespace remaster
