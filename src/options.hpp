// Everything the command line says, in one struct, filled by main (CLI11).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "exclusions.hpp"
#include "initramfs_cache.hpp"

namespace remaster {

// --kernel: every installed kernel (the newest boots by default), or only the newest.
constexpr const char* kKernelsAll = "all";
constexpr const char* kKernelNewest = "newest";

struct Options {
    std::string root = "/";
    std::string to;        // block device or image file: the stick
    std::string squashfs;  // just the image
    std::string iso;       // a hybrid ISO image file
    std::string netboot;   // a directory to serve over HTTP (docs/netboot.md)
    std::string sign_key;  // --sign-key: Ed25519 private key (PEM) signing the netboot's SHA256SUMS
    // --update-url: with --to, the netboot directory the stick's default
    // entry asks for a newer snapshot of the system (docs/netboot.md)
    std::string update_url;
    Mode mode = Mode::backup;
    std::vector<std::string> excludes;
    std::string compress = "zstd:3";
    // Numbers as the user typed them: make_plan checks them, so that a bad
    // value is reported in its own words with every other problem.
    std::string block_size = "128K";
    std::string jobs;  // empty: all cores
    std::string kernel_args;
    std::string kernel;      // --kernel: all (also when empty), newest, or a version
    std::string image_size;  // --size for image-file targets; empty: automatic
    bool dry_run = false;
    bool json = false;  // with --dry-run: the plan as JSON (docs/json.md)
    bool yes = false;
    bool allow_fixed_disk = false;
    bool replace = false;      // wipe a remaster stick instead of adding a snapshot to it
    bool full = false;         // a fresh base instead of a layer on the newest snapshot
    std::string default_boot;  // live, persist, ram, check or a profile: the menu's default
    // --secure-boot: auto (the root's signed chain when it has one), require
    // (refuse a root without one), off (the unsigned GRUB image).
    std::string secure_boot = "auto";
    bool quiet = false;
    bool verbose = false;
    bool timings = false;  // print the wall time of each phase
    // Where built initramfs images are kept (initramfs_cache.hpp); --no-cache
    // empties it.
    std::string cache_dir = kDefaultInitramfsCache;
};

}  // namespace remaster
