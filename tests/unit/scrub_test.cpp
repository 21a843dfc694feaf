#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "host_disk_config.hpp"
#include "scrub.hpp"
#include "ssh_host_keys.hpp"

using namespace remaster;

namespace {
struct TempTree {
    std::string path;
    TempTree() {
        char tmpl[] = "/tmp/remaster-scrub-XXXXXX";
        path = ::mkdtemp(tmpl);
    }
    ~TempTree() { std::system(("rm -rf '" + path + "'").c_str()); }
    void file(const std::string& rel, const std::string& content = "x") {
        std::ofstream(path + rel) << content;
    }
    void dir(const std::string& rel) { ::mkdir((path + rel).c_str(), 0755); }
    std::string read(const std::string& rel) {
        std::ifstream f(path + rel);
        return std::string(std::istreambuf_iterator<char>(f), {});
    }
};
}  // namespace

TEST_CASE("a tree without /etc is not scrubbed at all") {
    TempTree t;
    t.dir("/data");
    CHECK(plan_scrub(t.path, Mode::clean).empty());
}

TEST_CASE("backup mode replaces fstab and a static mtab, keeps identity") {
    TempTree t;
    t.dir("/etc");
    t.file("/etc/fstab", "UUID=1234 / ext4 defaults 0 1\n");
    t.file("/etc/mtab", "/dev/sda1 / ext4 rw 0 0\n");
    t.file("/etc/machine-id", "0123456789abcdef0123456789abcdef\n");
    const auto acts = plan_scrub(t.path, Mode::backup);
    REQUIRE(acts.size() == 2);
    apply_scrub(t.path, acts);
    CHECK(t.read("/etc/fstab") == std::string(kLiveFstab) + "#\n# The host's entries, kept for `remaster install`:\n" +
                                      kHostLineNote + "UUID=1234 / ext4 defaults 0 1\n");
    char buf[64] = {0};
    REQUIRE(::readlink((t.path + "/etc/mtab").c_str(), buf, sizeof buf - 1) > 0);
    CHECK(std::string(buf) == "../proc/self/mounts");
    CHECK(t.read("/etc/machine-id") == "0123456789abcdef0123456789abcdef\n");
}

TEST_CASE("clean mode empties machine-id, comments out crypttab; a correct mtab link is left alone") {
    TempTree t;
    t.dir("/etc");
    t.file("/etc/machine-id", "0123456789abcdef0123456789abcdef\n");
    t.file("/etc/crypttab", "home UUID=1 none luks\n");
    REQUIRE(::symlink("../proc/self/mounts", (t.path + "/etc/mtab").c_str()) == 0);
    const auto acts = plan_scrub(t.path, Mode::clean);
    for (const auto& a : acts) CHECK(a.path != "/etc/mtab");
    apply_scrub(t.path, acts);
    CHECK(t.read("/etc/machine-id").empty());
    CHECK(t.read("/etc/crypttab") == std::string(kHostLineNote) + "home UUID=1 none luks\n");
    CHECK(t.read("/etc/fstab") == kLiveFstab);
}

TEST_CASE("comment_out keeps comments, blank lines and unpicked lines byte for byte") {
    const auto c = comment_out("# a comment\n\nRESUME=UUID=5\nOTHER=1\n  RESUME=none", is_resume_assignment);
    CHECK(c.count == 2);
    CHECK(c.text == std::string("# a comment\n\n") + kHostLineNote + "RESUME=UUID=5\nOTHER=1\n" + kHostLineNote +
                        "  RESUME=none\n");
    CHECK(comment_out("x\n#y\n", [](const std::string&) { return false; }).text == "x\n#y\n");
    CHECK(comment_out("", [](const std::string&) { return true; }).count == 0);
}

TEST_CASE("the resume pickers find resume settings and nothing else") {
    CHECK(is_resume_assignment("RESUME=UUID=abc"));
    CHECK(is_resume_assignment("export RESUME=/dev/sda2"));
    CHECK_FALSE(is_resume_assignment("NORESUME=1"));
    CHECK(mentions_resume("add_dracutmodules+=\" resume \""));
    CHECK(mentions_resume("kernel_cmdline=\"resume=UUID=abc\""));
    CHECK(mentions_resume("kernel_cmdline=\"resume_offset=123\""));
    CHECK_FALSE(mentions_resume("kernel_cmdline=\"noresume quiet\""));
    CHECK_FALSE(mentions_resume("add_dracutmodules+=\" crypt \""));
    CHECK(is_uswsusp_resume("resume device = /dev/sda2"));
    CHECK_FALSE(is_uswsusp_resume("compress = y"));
}

namespace {
const ScrubAction* action_for(const std::vector<ScrubAction>& acts, const std::string& path) {
    for (const auto& a : acts)
        if (a.path == path) return &a;
    return nullptr;
}
}  // namespace

TEST_CASE("a workstation's disks are commented out in both modes, never deleted") {
    for (Mode mode : {Mode::backup, Mode::clean}) {
        TempTree t;
        for (const char* d : {"/etc", "/etc/initramfs-tools", "/etc/initramfs-tools/conf.d", "/etc/dracut.conf.d",
                              "/etc/systemd"})
            t.dir(d);
        t.file("/etc/fstab", "# <fs> <mp>\nUUID=11 / ext4 defaults 0 1\nUUID=22 /home ext4 defaults 0 2\n"
                             "UUID=33 none swap sw 0 0\n");
        t.file("/etc/crypttab", "# target source key options\nhome_crypt UUID=44 none luks,discard\n");
        t.file("/etc/initramfs-tools/conf.d/resume", "RESUME=UUID=33\n");
        t.file("/etc/dracut.conf.d/resume.conf", "add_dracutmodules+=\" resume \"\ncompress=zstd\n");
        t.file("/etc/dracut.conf.d/notes.txt", "resume this is not a dracut conf\n");
        ::chmod((t.path + "/etc/crypttab").c_str(), 0600);
        const auto acts = plan_scrub(t.path, mode);
        const ScrubAction* fstab = action_for(acts, "/etc/fstab");
        REQUIRE(fstab);
        CHECK(fstab->reason.find("3 lines (1 swap) kept commented out") != std::string::npos);
        REQUIRE(action_for(acts, "/etc/crypttab"));
        CHECK(action_for(acts, "/etc/crypttab")->reason.find("passphrase") != std::string::npos);
        REQUIRE(action_for(acts, "/etc/initramfs-tools/conf.d/resume"));
        REQUIRE(action_for(acts, "/etc/dracut.conf.d/resume.conf"));
        CHECK_FALSE(action_for(acts, "/etc/dracut.conf.d/notes.txt"));
        REQUIRE(action_for(acts, "/etc/systemd/sleep.conf.d/zz-remaster-live.conf"));
        apply_scrub(t.path, acts);
        const std::string note = kHostLineNote;
        CHECK(t.read("/etc/crypttab") == "# target source key options\n" + note + "home_crypt UUID=44 none luks,discard\n");
        struct stat st;
        REQUIRE(::stat((t.path + "/etc/crypttab").c_str(), &st) == 0);
        CHECK((st.st_mode & 0777) == 0600);
        CHECK(t.read("/etc/fstab").find(note + "UUID=33 none swap sw 0 0\n") != std::string::npos);
        CHECK(t.read("/etc/initramfs-tools/conf.d/resume") == note + "RESUME=UUID=33\n");
        CHECK(t.read("/etc/dracut.conf.d/resume.conf") == note + "add_dracutmodules+=\" resume \"\ncompress=zstd\n");
        CHECK(t.read("/etc/systemd/sleep.conf.d/zz-remaster-live.conf") == kNoHibernateDropIn);
    }
}

TEST_CASE("a crypttab with only comments is left as it is") {
    TempTree t;
    t.dir("/etc");
    t.file("/etc/crypttab", "# <target name> <source device> <key file> <options>\n");
    CHECK_FALSE(action_for(plan_scrub(t.path, Mode::backup), "/etc/crypttab"));
}

TEST_CASE("wpa_supplicant configs lose their networks and credentials, keep settings and mode") {
    const std::string conf =
        "ctrl_interface=/run/wpa_supplicant\n"
        "update_config=1\n"
        "network={\n"
        "\tssid=\"home\"\n"
        "\tpsk=\"secret\"\n"
        "}\n"
        "  cred={\n"
        "    password=\"secret2\"\n"
        "  }\n"
        "country=DE\n";
    CHECK(without_wpa_networks(conf) ==
          "ctrl_interface=/run/wpa_supplicant\n"
          "update_config=1\n"
          "# network block removed by remaster --mode clean\n"
          "# cred block removed by remaster --mode clean\n"
          "country=DE\n");

    TempTree t;
    t.dir("/etc");
    t.dir("/etc/wpa_supplicant");
    t.file("/etc/wpa_supplicant/wpa_supplicant.conf", conf);
    t.file("/etc/wpa_supplicant/wpa_supplicant-wlan0.conf", conf);
    t.file("/etc/wpa_supplicant/ifupdown.sh", "#!/bin/sh\n");
    t.file("/etc/wpa_supplicant.conf", conf);
    REQUIRE(::chmod((t.path + "/etc/wpa_supplicant/wpa_supplicant.conf").c_str(), 0600) == 0);
    CHECK(plan_scrub(t.path, Mode::backup).size() == 1);  // fstab only: backup keeps the networks
    const auto acts = plan_scrub(t.path, Mode::clean);
    std::vector<std::string> stripped;
    for (const auto& a : acts)
        if (a.kind == ScrubAction::Kind::strip_wpa_networks) stripped.push_back(a.path);
    CHECK(stripped == std::vector<std::string>{"/etc/wpa_supplicant.conf", "/etc/wpa_supplicant/wpa_supplicant-wlan0.conf",
                                               "/etc/wpa_supplicant/wpa_supplicant.conf"});
    apply_scrub(t.path, acts);
    for (const auto& p : stripped) {
        CHECK(t.read(p).find("secret") == std::string::npos);
        CHECK(t.read(p).find("ctrl_interface=/run/wpa_supplicant\n") == 0);
    }
    struct stat st;
    REQUIRE(::stat((t.path + "/etc/wpa_supplicant/wpa_supplicant.conf").c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0600);
    CHECK(t.read("/etc/wpa_supplicant/ifupdown.sh") == "#!/bin/sh\n");
}

TEST_CASE("scrubbing cannot be led out of the tree by a symlinked /etc") {
    TempTree outside, t;
    outside.file("/fstab", "precious\n");
    REQUIRE(::symlink(outside.path.c_str(), (t.path + "/etc").c_str()) == 0);
    // The absolute symlink is resolved inside the tree, where it does not exist.
    CHECK_THROWS(apply_scrub(t.path, {{ScrubAction::Kind::write_file, "/etc/fstab", "x", "test"}}));
    CHECK(outside.read("/fstab") == "precious\n");
}

namespace {
// A Debian-like root: host keys, sshd and ssh-keygen, systemd, no generator.
void debian_ssh(TempTree& t) {
    for (const char* d : {"/etc", "/etc/ssh", "/etc/systemd", "/etc/systemd/system", "/usr", "/usr/bin", "/usr/sbin",
                          "/usr/lib", "/usr/lib/systemd", "/usr/lib/systemd/system"})
        t.dir(d);
    t.file("/etc/ssh/ssh_host_ed25519_key", "private");
    t.file("/etc/ssh/ssh_host_ed25519_key.pub", "public");
    t.file("/etc/ssh/sshd_config", "");
    t.file("/usr/sbin/sshd");
    t.file("/usr/bin/ssh-keygen");
    t.file("/usr/lib/systemd/system/ssh.service", "[Service]\nExecStart=/usr/sbin/sshd -D\n");
}
const std::string kUnit = "/etc/systemd/system/remaster-ssh-keygen.service";
const std::string kWants = "/etc/systemd/system/multi-user.target.wants/remaster-ssh-keygen.service";
}  // namespace

TEST_CASE("clean mode: a root whose sshd makes no host keys gets an enabled unit that does") {
    TempTree t;
    debian_ssh(t);
    CHECK_FALSE(action_for(plan_scrub(t.path, Mode::backup), kUnit));  // backup keeps the host's keys
    const auto acts = plan_scrub(t.path, Mode::clean);
    REQUIRE(action_for(acts, kUnit));
    REQUIRE(action_for(acts, kWants));
    CHECK(action_for(acts, kWants)->kind == ScrubAction::Kind::symlink);
    const mode_t old_umask = ::umask(077);  // the unit's mode must not follow the umask
    apply_scrub(t.path, acts);
    ::umask(old_umask);
    const std::string unit = t.read(kUnit);
    CHECK(unit == ssh_keygen_unit("/usr/bin/ssh-keygen"));
    CHECK(unit.find("\nConditionPathExistsGlob=!/etc/ssh/ssh_host_*_key\n") != std::string::npos);
    CHECK(unit.find("\nExecStart=/usr/bin/ssh-keygen -A\n") != std::string::npos);
    CHECK(unit.find("\nBefore=ssh.service sshd.service\n") != std::string::npos);
    CHECK(unit.find("\nType=oneshot\n") != std::string::npos);
    struct stat st;
    REQUIRE(::stat((t.path + kUnit).c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0644);
    CHECK(st.st_uid == 0);
    char buf[128] = {0};
    REQUIRE(::readlink((t.path + kWants).c_str(), buf, sizeof buf - 1) > 0);
    CHECK(std::string(buf) == kUnit);
}

TEST_CASE("clean mode: no key unit where the distro makes keys, or there is no sshd, key or systemd") {
    SECTION("Fedora's sshd-keygen@.service") {
        TempTree t;
        debian_ssh(t);
        t.file("/usr/lib/systemd/system/sshd-keygen@.service");
        CHECK_FALSE(action_for(plan_scrub(t.path, Mode::clean), kUnit));
    }
    SECTION("Arch's sshdgenkeys.service") {
        TempTree t;
        debian_ssh(t);
        t.file("/usr/lib/systemd/system/sshdgenkeys.service");
        CHECK_FALSE(action_for(plan_scrub(t.path, Mode::clean), kUnit));
    }
    SECTION("no sshd (only the client)") {
        TempTree t;
        debian_ssh(t);
        ::unlink((t.path + "/usr/sbin/sshd").c_str());
        CHECK_FALSE(action_for(plan_scrub(t.path, Mode::clean), kUnit));
    }
    SECTION("no host keys to drop") {
        TempTree t;
        debian_ssh(t);
        ::unlink((t.path + "/etc/ssh/ssh_host_ed25519_key").c_str());
        ::unlink((t.path + "/etc/ssh/ssh_host_ed25519_key.pub").c_str());
        CHECK_FALSE(action_for(plan_scrub(t.path, Mode::clean), kUnit));
    }
    SECTION("no systemd") {
        TempTree t;
        debian_ssh(t);
        ::rmdir((t.path + "/etc/systemd/system").c_str());
        CHECK_FALSE(action_for(plan_scrub(t.path, Mode::clean), kUnit));
    }
}
