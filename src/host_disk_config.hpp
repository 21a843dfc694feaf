// The host's disks in its configuration: encrypted disks (/etc/crypttab),
// swap and mounts (/etc/fstab), resume from hibernation (initramfs-tools,
// dracut, uswsusp) and hibernation itself (systemd sleep). On another machine
// the live system would wait for these disks; on the host it would ask for the
// passphrase of the host's own disk or resume the host's hibernated image.
// In every mode they are neutralized in the view, never deleted: each active
// line is kept behind kHostLineNote, so `remaster install` can restore it by
// removing the note.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "scrub.hpp"

namespace remaster {

// The prefix of every line commented out for the live system.
extern const char* const kHostLineNote;

// The drop-in that turns hibernation off in the live system.
extern const char* const kNoHibernateDropIn;

struct CommentedOut {
    std::string text;   // the file with the chosen lines commented out
    size_t count = 0;   // how many lines were
};

// Comments out each active (not blank, not '#') line of `text` for which
// `pick` holds; the rest is kept byte for byte. A last line without a newline
// gets one only when it is commented out.
CommentedOut comment_out(const std::string& text, const std::function<bool(const std::string&)>& pick);

// Line pickers for the files above.
bool is_resume_assignment(const std::string& line);  // initramfs-tools: RESUME=...
bool mentions_resume(const std::string& line);       // dracut: the resume module or a resume= argument
bool is_uswsusp_resume(const std::string& line);     // uswsusp: "resume device = ...", "resume offset"

// The scrub actions for the host's disk configuration in `root` (read only,
// symlinks resolved inside it).
std::vector<ScrubAction> plan_host_disk_scrub(const std::string& root);

}  // namespace remaster
