// Commands on an existing stick: verify, profiles, snapshot listing and
// removal. Each opens the stick (a device or an image file), mounts its data
// partition in our runtime directory, acts, regenerates the menu if it
// changed anything, and undoes every mount and loop device.
#pragma once

#include <string>

namespace remaster {

class Runner;

// Checks every snapshot's SHA256SUMS; prints a line per file. Throws
// Error(Exit::failure) naming the bad files.
void verify_stick(const std::string& target, bool json = false);

void profile_add(const std::string& target, const std::string& name, Runner& runner);
void profile_remove(const std::string& target, const std::string& name, Runner& runner);
void profile_reset(const std::string& target, const std::string& name);
void profile_list(const std::string& target);

// Snapshots (dates, systems, kernels, sizes), profiles and free space.
void list_stick(const std::string& target);
// The same as one JSON object (docs/json.md), for scripts.
void list_stick_json(const std::string& target);
// Removes one snapshot; refuses to remove the only one.
void remove_stick_snapshot(const std::string& target, const std::string& id, Runner& runner);

}  // namespace remaster
