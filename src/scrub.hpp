// Changes made inside the view so the image boots as a live system elsewhere:
// a live /etc/fstab instead of the host's disks, /etc/mtab as the kernel's
// list, and in --mode clean the machine's identity and the secrets that live
// inside files the system still needs (wpa_supplicant's networks), and a unit
// that makes the ssh host keys the image lacks (ssh_host_keys.hpp). Removals
// are exclusions (see exclusions.hpp); scrubbing only writes, and only into
// the view.
#pragma once

#include <string>
#include <vector>

#include "exclusions.hpp"

namespace remaster {

struct ScrubAction {
    // strip_wpa_networks rewrites the file as found in the view, without its
    // network and credential blocks, keeping its mode. copy_file writes a
    // file of this machine (remaster_bundle.hpp) into the view.
    enum class Kind { write_file, symlink, strip_wpa_networks, copy_file };
    Kind kind;
    std::string path;     // relative to the root, e.g. "/etc/fstab"
    std::string content;  // file content, symlink target, or for copy_file the file copied (absolute, on this machine)
    std::string reason;
    unsigned mode = 0;    // a new file's mode; 0: 0644 (a file rewritten keeps its own)
    std::string times_of; // a file of this machine whose mtime the new file takes; empty: now.
                          // The same input then gives the same image, and a layer nothing new.
};

// The live system's /etc/fstab: no host disks (they are not there at boot
// elsewhere, and systemd would wait for them); the root is assembled by the
// initramfs.
extern const char* const kLiveFstab;

// A wpa_supplicant configuration without its network={...} and cred={...}
// blocks (SSIDs, PSKs, passwords), each replaced by a comment; the global
// settings (ctrl_interface, ...) stay, so the service still starts.
std::string without_wpa_networks(const std::string& conf);

// Decides the scrub actions by looking (read-only) at `root`. Nothing is
// written when the tree has no /etc directory: --squashfs also serves plain
// directory trees, which must come out unchanged.
std::vector<ScrubAction> plan_scrub(const std::string& root, Mode mode);

// Carries out the actions below `view_root`. Paths are resolved inside the
// view (symlinks cannot lead out of it).
void apply_scrub(const std::string& view_root, const std::vector<ScrubAction>& actions);

}  // namespace remaster
