#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "remaster_bundle.hpp"
#include "temp_dir.hpp"

using namespace remaster;

namespace {

// A binary, its libraries (the loader behind a symlinked path, as /lib64 is)
// and a data dir, all fakes in `host`.
BundleInputs fake_inputs(const TempDir& host) {
    host.file("/bin/remaster", "ELF", 0755);
    host.file("/lib/x86_64-linux-gnu/libc.so.6", "libc", 0755);
    host.file("/lib/x86_64-linux-gnu/libmount.so.1", "libmount", 0644);
    host.file("/lib64/ld-linux-x86-64.so.2", "loader", 0755);
    host.file("/share/grub.d/grub.cfg.in", "menu", 0644);
    host.file("/share/dracut-module/module-setup.sh", "#!/bin/sh", 0755);
    return {host / "bin/remaster",
            {host / "lib/x86_64-linux-gnu/libmount.so.1", host / "lib/x86_64-linux-gnu/libc.so.6",
             host / "lib64/ld-linux-x86-64.so.2", host / "lib/x86_64-linux-gnu/libc.so.6"},
            host / "share"};
}

const ScrubAction* find(const std::vector<ScrubAction>& acts, const std::string& path) {
    const auto it = std::find_if(acts.begin(), acts.end(), [&](const ScrubAction& a) { return a.path == path; });
    return it == acts.end() ? nullptr : &*it;
}

}  // namespace

TEST_CASE("a root without remaster gets the binary, its libraries, its data and a wrapper through the bundled loader") {
    TempDir host("remaster-bundle-host"), root("remaster-bundle-root");
    root.file("/etc/os-release", "ID=debian\n");
    const auto acts = plan_remaster_bundle(root.path, fake_inputs(host));
    const ScrubAction* bin = find(acts, "/usr/local/lib/remaster/bin/remaster");
    REQUIRE(bin);
    CHECK(bin->kind == ScrubAction::Kind::copy_file);
    CHECK(bin->content == host / "bin/remaster");
    CHECK(bin->mode == 0755);
    CHECK(find(acts, "/usr/local/lib/remaster/lib/libmount.so.1"));
    CHECK(find(acts, "/usr/local/lib/remaster/lib/ld-linux-x86-64.so.2"));
    CHECK(std::count_if(acts.begin(), acts.end(), [](const ScrubAction& a) {
              return a.path == "/usr/local/lib/remaster/lib/libc.so.6";
          }) == 1);  // listed twice, copied once
    const ScrubAction* setup = find(acts, "/usr/local/lib/remaster/share/dracut-module/module-setup.sh");
    REQUIRE(setup);
    CHECK(setup->mode == 0755);
    CHECK(find(acts, "/usr/local/lib/remaster/share/grub.d/grub.cfg.in"));
    const ScrubAction* wrapper = find(acts, "/usr/local/sbin/remaster");
    REQUIRE(wrapper);
    CHECK(wrapper->kind == ScrubAction::Kind::write_file);
    CHECK(wrapper->mode == 0755);
    CHECK(wrapper->content.find("exec /usr/local/lib/remaster/lib/ld-linux-x86-64.so.2 --library-path "
                                "/usr/local/lib/remaster/lib /usr/local/lib/remaster/bin/remaster \"$@\"") != std::string::npos);
    CHECK(wrapper->content.find("REMASTER_DATA_DIR=/usr/local/lib/remaster/share") != std::string::npos);
}

TEST_CASE("a root with remaster on its PATH, or inputs without a loader, get nothing") {
    TempDir host("remaster-bundle-host"), root("remaster-bundle-root");
    const BundleInputs in = fake_inputs(host);
    BundleInputs no_loader = in;
    no_loader.libraries.erase(std::remove_if(no_loader.libraries.begin(), no_loader.libraries.end(),
                                             [](const std::string& l) { return l.find("ld-linux") != std::string::npos; }),
                              no_loader.libraries.end());
    CHECK(plan_remaster_bundle(root.path, no_loader).empty());
    root.file("/usr/sbin/remaster", "", 0755);
    CHECK(plan_remaster_bundle(root.path, in).empty());
}
