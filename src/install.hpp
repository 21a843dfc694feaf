// `remaster install --from STICK|IMAGE|SQUASHFS|DIR [--snapshot ID] --to DISK|FILE|DIR`,
// or inside a live system `remaster install [--pristine] --to ...`: a
// snapshot made into a normal installation (docs/install.md). install()
// reads as its steps: plan (every problem at once, nothing written),
// confirm, partition and format, copy, configure, boot setup in a chroot,
// the boot loader last.
#pragma once

#include <string>

#include "exclusions.hpp"

#include "runner.hpp"

namespace remaster {

struct InstallOptions {
    std::string from;      // a remaster stick, a stick image file, a squashfs image or a directory;
                           // empty: the live system this runs in
    bool pristine = false; // without --from: the layers the live system booted, not it as it runs
    Mode mode = Mode::backup;  // clean: the source's ssh host keys do not go into the installed system
    std::string snapshot;  // a snapshot id on the stick; empty: the newest
    std::string to;        // a block device (wiped), an image file (created), or a directory (files only)
    std::string size;      // --size for a new image file; empty: automatic
    bool yes = false;
    bool dry_run = false;
    bool quiet = false;
};

void install(const InstallOptions& opt, Runner& runner);

}  // namespace remaster
