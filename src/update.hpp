// remaster update --on STICK [--from URL]: the stick takes a newer snapshot
// of its system from the netboot directory a server holds (snapshot
// --netboot DIR --sign-key KEY, docs/netboot.md), beside the snapshot it
// boots now (A/B): the old one stays bootable, and until the new one is
// complete and checked the stick is exactly as it was.
#pragma once

#include <string>

namespace remaster {

class Runner;

struct UpdateOptions {
    std::string on;    // the stick: a device or an image file
    std::string from;  // the server's directory; default: the stick's update_url
    bool dry_run = false;
    bool yes = false;  // do not ask on a terminal before writing
};

// Throws Error: usage without a URL, bad_input for what the server serves
// (unsigned, another key, malformed, another system), failure for the
// transfer, no_space, interrupted.
void update_stick(const UpdateOptions& opt, Runner& runner);

}  // namespace remaster
