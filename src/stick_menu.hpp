// The stick's boot menu, generated from what is on the stick: every complete
// snapshot (newest first), the persistence profiles in /remaster/persist/,
// and the default chosen at snapshot time (/remaster/stick.conf). Every
// command that changes the stick regenerates it the same way.
#pragma once

#include <string>
#include <vector>

#include "menu.hpp"

namespace remaster {

// Entry ids of the newest snapshot. A profile NAME boots as "persist-NAME".
constexpr const char* kEntryLive = "live";        // tmpfs upper: nothing kept
constexpr const char* kEntryRam = "ram";          // copy to RAM, stick released
constexpr const char* kEntryCheck = "check";      // verify checksums first
constexpr const char* kDefaultProfile = "default";

// Profile names: [A-Za-z0-9_-], 1..32 characters.
bool valid_profile_name(const std::string& name);

// Persistence profiles on the mounted data partition, sorted.
std::vector<std::string> list_profiles(const std::string& data_mount);
// Creates /remaster/persist/NAME/{upper,work}.
void create_profile(const std::string& data_mount, const std::string& name);

// The default entry id stored on the stick ("live" when none).
std::string read_default_entry(const std::string& data_mount);
void write_default_entry(const std::string& data_mount, const std::string& id);

// What the user may pass as --default-boot: live, persist, ram, check or a
// profile name; returns the entry id ("persist" -> "persist-default").
std::string default_entry_id(const std::string& choice);

std::vector<MenuEntry> stick_menu_entries(const std::string& data_mount, const std::string& uuid);

// Writes /boot/grub/grub.cfg atomically from the stick's contents.
void write_stick_menu(const MenuTemplates& templates, const std::string& data_mount, const std::string& uuid);

}  // namespace remaster
