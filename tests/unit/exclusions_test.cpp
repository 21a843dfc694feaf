#include <catch2/catch.hpp>

#include "exclusions.hpp"

using namespace remaster;

namespace {
struct stat dir_stat() {
    struct stat st {};
    st.st_mode = S_IFDIR | 0755;
    return st;
}
struct stat file_stat() {
    struct stat st {};
    st.st_mode = S_IFREG | 0644;
    return st;
}
struct stat link_stat() {
    struct stat st {};
    st.st_mode = S_IFLNK | 0777;
    return st;
}
}  // namespace

TEST_CASE("anchored patterns match whole paths, bare ones match names anywhere") {
    CHECK(pattern_matches("/proc", "/proc"));
    CHECK_FALSE(pattern_matches("/proc", "/proc/1"));
    CHECK_FALSE(pattern_matches("/proc", "/home/proc"));
    CHECK(pattern_matches("/home/*/Videos", "/home/ann/Videos"));
    CHECK_FALSE(pattern_matches("/home/*/Videos", "/home/ann/x/Videos"));
    CHECK(pattern_matches("*.iso", "/home/ann/debian.iso"));
    CHECK(pattern_matches("*.iso", "/x.iso"));
    CHECK_FALSE(pattern_matches("*.iso", "/home/iso/readme"));
    CHECK_FALSE(pattern_matches("", "/x"));
}

TEST_CASE("runtime directories are kept empty, not dropped") {
    const Exclusions ex = default_exclusions({});
    for (const char* d : {"/proc", "/sys", "/dev", "/run", "/tmp", "/var/tmp"})
        CHECK(ex.decide(d, dir_stat()) == FilterAction::empty_dir);
    // A /tmp that is a symlink stays what it is.
    CHECK(ex.decide("/tmp", link_stat()) == FilterAction::include);
    CHECK(ex.decide("/etc", dir_stat()) == FilterAction::include);
    CHECK(ex.decide("/home/ann/.bash_history", file_stat()) == FilterAction::include);
    CHECK(ex.decide("/var/cache/apt/archives/foo_1.0_amd64.deb", file_stat()) == FilterAction::exclude);
    CHECK(ex.decide("/var/cache/apt/archives/partial", dir_stat()) == FilterAction::include);
}

TEST_CASE("backup tools' copies of the system inside it are kept empty, in every mode") {
    for (Mode m : {Mode::backup, Mode::clean}) {
        ExclusionInputs in;
        in.mode = m;
        const Exclusions ex = default_exclusions(in);
        for (const char* d : {"/.snapshots", "/home/.snapshots", "/timeshift"})
            CHECK(ex.decide(d, dir_stat()) == FilterAction::empty_dir);
        // Only there: a user's own directory of that name is theirs.
        CHECK(ex.decide("/home/ann/.snapshots", dir_stat()) == FilterAction::include);
        CHECK(ex.decide("/srv/timeshift", dir_stat()) == FilterAction::include);
    }
}

TEST_CASE("clean mode drops identity, secrets, logs and history; backup keeps them") {
    ExclusionInputs in;
    in.mode = Mode::clean;
    const Exclusions clean = default_exclusions(in);
    const Exclusions backup = default_exclusions({});
    for (const char* p : {"/etc/ssh/ssh_host_ed25519_key", "/etc/NetworkManager/system-connections/home.nmconnection",
                          "/root/.bash_history", "/home/ann/.bash_history", "/var/lib/dbus/machine-id",
                          "/home/ann/.zsh_history", "/root/.local/share/fish/fish_history", "/var/lib/iwd/home.psk",
                          "/var/lib/connman/wifi_home_managed_psk"}) {
        CHECK(clean.decide(p, file_stat()) == FilterAction::exclude);
        CHECK(backup.decide(p, file_stat()) == FilterAction::include);
    }
    CHECK(clean.decide("/var/log/journal", dir_stat()) == FilterAction::empty_dir);
    CHECK(backup.decide("/var/log/journal", dir_stat()) == FilterAction::include);
}

TEST_CASE("swap files, our own output and user patterns are dropped with their reason") {
    ExclusionInputs in;
    in.swap_files = {"/swapfile"};
    in.own_outputs = {"/root/out.sqfs"};
    in.user_patterns = {"*.iso", "/home/*/Downloads"};
    const Exclusions ex = default_exclusions(in);
    CHECK(ex.decide("/swapfile", file_stat()) == FilterAction::exclude);
    CHECK(ex.match("/swapfile", file_stat())->reason == "swap file");
    CHECK(ex.match("/root/out.sqfs", file_stat())->reason == "the output being written");
    CHECK(ex.decide("/srv/big.iso", file_stat()) == FilterAction::exclude);
    CHECK(ex.decide("/home/bob/Downloads", dir_stat()) == FilterAction::exclude);
    CHECK(ex.decide("/home/bob/Documents", dir_stat()) == FilterAction::include);
}

TEST_CASE("dropping wins over emptying when both match") {
    Exclusions ex;
    ex.add("/var/tmp", FilterAction::empty_dir, "a");
    ex.add("/var/*", FilterAction::exclude, "b");
    CHECK(ex.decide("/var/tmp", dir_stat()) == FilterAction::exclude);
}

TEST_CASE("an output's name is matched literally, not as a glob") {
    const std::string p = literal_pattern("/out/stick[1]*.img");
    CHECK(pattern_matches(p, "/out/stick[1]*.img"));
    CHECK_FALSE(pattern_matches(p, "/out/stick1x.img"));
    CHECK(literal_pattern("/srv/a.img") == "/srv/a.img");
}
