// New ssh host keys for a --mode clean live system. The clean scrub leaves
// out the host's /etc/ssh/ssh_host_* (they would let every stick pose as the
// host). Fedora's sshd-keygen@.service and Arch's sshdgenkeys.service make
// new ones at boot, but Debian's and Ubuntu's ssh.service does not (their
// keys come from the package's postinst), so there sshd would never start.
// For such a root the scrub adds a small oneshot unit, enabled, that runs
// `ssh-keygen -A` at the first live boot, before sshd: each machine the stick
// boots gets a key set of its own, kept on a persistent stick.
#pragma once

#include <string>
#include <vector>

#include "scrub.hpp"

namespace remaster {

// The unit the scrub writes, and the name it has in /etc/systemd/system.
extern const char* const kSshKeygenUnitName;
std::string ssh_keygen_unit(const std::string& ssh_keygen);

// The scrub actions (the unit and its multi-user.target.wants link) for
// `root`, read only: none unless the root has host keys the clean scrub
// drops, sshd, ssh-keygen and systemd, and no key generator of its own.
std::vector<ScrubAction> plan_ssh_host_keys(const std::string& root);

}  // namespace remaster
