#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "checksum.hpp"
#include "error.hpp"
#include "mount.hpp"
#include "runner.hpp"
#include "stick_menu.hpp"
#include "stick_store.hpp"

using namespace remaster;

namespace {
std::string make_temp_dir() {
    char tmpl[] = "/tmp/remaster-stick-XXXXXX";
    return ::mkdtemp(tmpl);
}

// A medium that is just a directory, as a netboot tree would be.
struct FakeStick : Medium {
    std::string dir;
    FakeStick() : Medium(make_temp_dir()), dir(root()) { make_dirs(dir + "/boot/grub"); }
    ~FakeStick() { std::system(("rm -rf '" + dir + "'").c_str()); }
    void add_snapshot(const std::string& id, bool complete = true) {
        const std::string d = dir + "/remaster/" + id;
        make_dirs(d);
        for (const char* f : {"filesystem.squashfs", "vmlinuz", "initrd.img"}) std::ofstream(d + "/" + f) << id << f;
        write_sums(snapshot(id));
        if (complete)
            write_snapshot_info(*this, {id, {{"os", "Debian 12"}, {"kernel", "6.1"}, {"kernel_args", "console=ttyS0"}}});
    }
};

const MenuEntry* find(const std::vector<MenuEntry>& v, const std::string& id) {
    for (const auto& e : v)
        if (e.id == id) return &e;
    return nullptr;
}
}  // namespace

TEST_CASE("sha256 of a file matches the standard test vector") {
    FakeStick s;
    std::ofstream(s.dir + "/abc") << "abc";
    CHECK(sha256_file(s.dir + "/abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("SHA256SUMS verify good files and name changed or missing ones") {
    FakeStick s;
    s.add_snapshot("20260101-000000");
    const std::string d = s.dir + "/remaster/20260101-000000";
    CHECK(verify_sums(s.snapshot("20260101-000000")).bad.empty());
    std::ofstream(d + "/vmlinuz") << "tampered";
    ::unlink((d + "/initrd.img").c_str());
    const auto r = verify_sums(s.snapshot("20260101-000000"));
    CHECK(r.ok == std::vector<std::string>{"filesystem.squashfs"});
    CHECK(r.bad == std::vector<std::string>{"vmlinuz: checksum mismatch", "initrd.img: missing"});
    std::ofstream(d + "/SHA256SUMS", std::ios::app) << "garbage\n";
    CHECK(verify_sums(s.snapshot("20260101-000000")).bad.front() == "SHA256SUMS: 1 malformed line(s)");
    std::ofstream(d + "/SHA256SUMS") << "";
    CHECK(verify_sums(s.snapshot("20260101-000000")).bad == std::vector<std::string>{"filesystem.squashfs: not listed in SHA256SUMS"});
    ::unlink((d + "/SHA256SUMS").c_str());
    CHECK_THROWS_AS(verify_sums(s.snapshot("20260101-000000")), Error);
}

TEST_CASE("SHA256SUMS lines must be hash, two spaces, plain file name") {
    const std::string h(64, 'a');
    const auto m = parse_sums(h + "  ok\n" + h + "  ../escape\n" + h + " one-space\nshort  x\n" + h + "  sub/dir\n");
    REQUIRE(m.size() == 1);
    CHECK(m[0].first == "ok");
}

TEST_CASE("snapshot info survives a round trip, values stay on one line") {
    const SnapshotInfo a{"id", {{"os", "Debian"}, {"kernel_args", "a=b c\nd"}}};
    const SnapshotInfo b = parse_snapshot_info("id", format_snapshot_info(a));
    CHECK(b.fields.at("os") == "Debian");
    CHECK(b.fields.at("kernel_args") == "a=b c d");
}

TEST_CASE("only complete snapshots are listed, newest first; incomplete ones are removed") {
    FakeStick s;
    s.add_snapshot("20260101-000000");
    s.add_snapshot("20260301-000000");
    s.add_snapshot("20260201-000000", false);
    create_profile(s, "default");  // /remaster/persist is no snapshot
    const auto snaps = list_snapshots(s);
    REQUIRE(snaps.size() == 2);
    CHECK(snaps[0].id == "20260301-000000");
    CHECK(remove_incomplete_snapshots(s) == std::vector<std::string>{"20260201-000000"});
    struct stat st;
    CHECK(::stat((s.dir + "/remaster/20260201-000000").c_str(), &st) != 0);
    CHECK(::stat((s.dir + "/remaster/persist/default/upper").c_str(), &st) == 0);
}

TEST_CASE("the menu: options and profiles for the newest snapshot, a plain entry for older ones") {
    FakeStick s;
    s.add_snapshot("20260101-000000");
    s.add_snapshot("20260301-120000");
    create_profile(s, "default");
    create_profile(s, "work");
    const auto e = stick_menu_entries(s, "UUID");
    REQUIRE(find(e, "live"));
    CHECK(find(e, "live")->args ==
          "root=remaster rd.remaster.uuid=UUID rd.remaster.dir=/remaster/20260301-120000 " + std::string(kHostDisksOff) +
              " console=ttyS0");
    CHECK(find(e, "live")->title.find("2026-03-01 12:00 UTC") != std::string::npos);
    CHECK(find(e, "persist-default")->args.find(" rd.remaster.persist=default") != std::string::npos);
    CHECK(find(e, "persist-work")->args.find(" rd.remaster.persist=work") != std::string::npos);
    CHECK(find(e, "ram")->args.find(" rd.remaster.ram=1") != std::string::npos);
    CHECK(find(e, "check")->args.find(" rd.remaster.check=1") != std::string::npos);
    REQUIRE(find(e, "snapshot-20260101-000000"));
    CHECK(find(e, "snapshot-20260101-000000")->kernel == "/remaster/20260101-000000/vmlinuz");
    CHECK(e.size() == 6);
}

TEST_CASE("the default entry is chosen at snapshot time and falls back to the first entry") {
    CHECK(default_entry_id("persist") == "persist-default");
    CHECK(default_entry_id("ram") == "ram");
    CHECK(default_entry_id("work") == "persist-work");
    CHECK_THROWS_AS(default_entry_id("no way"), Error);
    FakeStick s;
    s.add_snapshot("20260101-000000");
    CHECK(read_default_entry(s) == "live");
    write_default_entry(s, "persist-gone");
    const MenuTemplates t{"default=@DEFAULT@\n@ENTRIES@@TIMEOUT@", "@ID@ @TITLE@ @KERNEL@ @INITRD@ @ARGS@ @UUID@\n", ""};
    RecordingRunner runner;
    write_stick_menu(t, s, "U", runner);
    std::ifstream f(s.dir + "/boot/grub/grub.cfg");
    std::string first;
    std::getline(f, first);
    CHECK(first == "default=live");
}

TEST_CASE("a medium spells its layout; snapshot ids are checked where they are made") {
    const Medium m("/mnt/x");
    const SnapshotDir d = m.snapshot("20261124-233000");
    CHECK(d.image() == "/mnt/x/remaster/20261124-233000/filesystem.squashfs");
    CHECK(d.booted().kernel() == "/remaster/20261124-233000/vmlinuz");
    CHECK(d.booted().path() == "/remaster/20261124-233000");
    CHECK(m.profile_dir("work") == "/mnt/x/remaster/persist/work");
    CHECK(m.grub_cfg() == "/mnt/x/boot/grub/grub.cfg");
    CHECK(is_snapshot_id(new_snapshot_id()));
    CHECK(is_snapshot_id("20261124-233000-2"));
    CHECK_FALSE(is_snapshot_id("persist"));
    CHECK_THROWS_AS(m.snapshot("../etc"), Error);
    FakeStick s;
    s.add_snapshot("20260101-000000");
    CHECK(s.unused_snapshot_id("20260101-000000") == "20260101-000000-2");
    CHECK(s.unused_snapshot_id("20260102-000000") == "20260102-000000");
}

namespace {
// A grub-script-check that rejects every file.
struct RejectingRunner : Runner {
    CommandResult run(const Command&) override { return {1, "", "error: syntax error."}; }
};
}  // namespace

TEST_CASE("a menu that fails grub-script-check leaves the old grub.cfg") {
    FakeStick s;
    s.add_snapshot("20260101-000000");
    std::ofstream(s.dir + "/boot/grub/grub.cfg") << "old menu\n";
    const MenuTemplates t{"@DEFAULT@\n@ENTRIES@@TIMEOUT@", "@ID@ '@TITLE@' @KERNEL@ @ARGS@ @INITRD@ @UUID@\n", ""};
    RejectingRunner reject;
    CHECK_THROWS_AS(write_stick_menu(t, s, "U", reject), Error);
    std::ifstream f(s.dir + "/boot/grub/grub.cfg");
    CHECK(std::string(std::istreambuf_iterator<char>(f), {}) == "old menu\n");
    RecordingRunner ok;
    write_stick_menu(t, s, "U", ok);
    REQUIRE(ok.commands().size() == 1);
    CHECK(ok.commands()[0].argv[0].find("grub-script-check") != std::string::npos);
}

TEST_CASE("the plan-time menu check refuses what cannot reach the kernel and takes any title") {
    const MenuTemplates t{"@DEFAULT@\n@ENTRIES@@TIMEOUT@", "@ID@ '@TITLE@' @KERNEL@ @ARGS@ @INITRD@ @UUID@\n", ""};
    CHECK_NOTHROW(check_menu_values(t, "Bob's \"Linux\" ; $prefix # } {\x1b[0m", "a;b $prefix #x } {"));
    try {
        check_menu_values(t, "Debian", "quiet it's");
        FAIL("accepted");
    } catch (const Error& e) {
        CHECK(e.code() == Exit::bad_input);
    }
}
