// remaster in the live system of a root that did not have it: `remaster
// install` runs inside the live system (install.hpp), so a snapshot of a
// root without remaster on its PATH (a --root chroot, a machine running it
// from a build tree) gets a self-contained copy, in the view only:
//
//   /usr/local/lib/remaster/bin/remaster this very binary
//   /usr/local/lib/remaster/lib/         every shared object this process has
//                                        loaded, under its soname, the dynamic
//                                        loader and libc included, so it runs
//                                        on a root with an older glibc
//   /usr/local/lib/remaster/share/       dracut-module/ and grub.d/ (data_dir)
//   /usr/local/sbin/remaster             a wrapper: the bundled loader runs the
//                                        binary on the bundled libraries, with
//                                        REMASTER_DATA_DIR pointing at share/
//
// The libraries come from the loader's own list (dl_iterate_phdr), not from
// ldd: what is mapped is what the binary needs. A root with remaster on its
// PATH (the Debian package's /usr/sbin/remaster) gets nothing.
#pragma once

#include <string>
#include <vector>

#include "scrub.hpp"

namespace remaster {

constexpr const char* kBundleDir = "/usr/local/lib/remaster";
constexpr const char* kBundleWrapper = "/usr/local/sbin/remaster";

// What is bundled: the binary, its shared objects (absolute paths as the
// loader opened them) and the data dir (data_dir.hpp).
struct BundleInputs {
    std::string binary;
    std::vector<std::string> libraries;
    std::string data_dir;
};

// This process's: /proc/self/exe, the objects mapped now, data_dir().
BundleInputs running_bundle_inputs();

// The scrub actions that put the bundle into the view of `root`; none when
// the root has remaster on its PATH, or when the inputs lack a dynamic
// loader (a static build needs none of this, and is not one).
std::vector<ScrubAction> plan_remaster_bundle(const std::string& root, const BundleInputs& in);

// The wrapper's text, for a loader named `loader` in the bundle's lib/.
std::string bundle_wrapper(const std::string& loader);

}  // namespace remaster
