#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "checksum.hpp"
#include "grub_model.hpp"
#include "layer_plan.hpp"
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

TEST_CASE("a snapshot the stick cannot read is left out; the others are listed") {
    FakeStick s;
    s.add_snapshot("20260101-000000");
    s.add_snapshot("20260201-000000", false);
    // Not a file one can read, as a damaged filesystem may present it.
    REQUIRE(::mkdir((s.dir + "/remaster/20260201-000000/snapshot.info").c_str(), 0755) == 0);
    std::vector<SnapshotInfo> snaps;
    REQUIRE_NOTHROW(snaps = list_snapshots(s));
    REQUIRE(snaps.size() == 1);
    CHECK(snaps[0].id == "20260101-000000");
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

namespace {
// A snapshot that also holds older kernels, as snapshot --to writes it.
void add_kernels(FakeStick& s, const std::string& id, const std::vector<std::string>& versions) {
    const SnapshotDir d = s.snapshot(id);
    for (const auto& v : versions) {
        std::ofstream(d.kernel(v)) << "kernel " << v;
        std::ofstream(d.initrd(v)) << "initrd " << v;
    }
    write_sums(d, {}, versions);
    write_snapshot_info(s, {id,
                            {{"os", "Debian 12"}, {"kernel", "6.1.0-57-amd64"}, {"kernel_args", "console=ttyS0"},
                             {"other_kernels", format_other_kernels(versions)}}});
}
}  // namespace

TEST_CASE("the newest snapshot's other kernels get their own entries after the default one") {
    FakeStick s;
    s.add_snapshot("20260101-000000");
    add_kernels(s, "20260101-000000", {"6.1.0-9-amd64"});
    s.add_snapshot("20260301-120000");
    add_kernels(s, "20260301-120000", {"6.1.0-10-amd64", "5.10.0-30-amd64"});
    const auto e = stick_menu_entries(s, "UUID");
    REQUIRE(e.size() == 6);
    CHECK(e[0].id == "live");
    CHECK(e[0].kernel == "/remaster/20260301-120000/vmlinuz");
    CHECK(e[1].id == "kernel-6.1.0-10-amd64");
    CHECK(e[2].id == "kernel-5.10.0-30-amd64");
    CHECK(e[3].id == "ram");
    const MenuEntry& k = e[2];
    CHECK(k.kernel == "/remaster/20260301-120000/vmlinuz-5.10.0-30-amd64");
    CHECK(k.initrd == "/remaster/20260301-120000/initrd.img-5.10.0-30-amd64");
    CHECK(k.args == e[0].args);  // the same live system, only another kernel
    CHECK(k.title.find("(kernel 5.10.0-30-amd64, changes not kept)") != std::string::npos);
    CHECK(k.title.find("2026-03-01 12:00 UTC") != std::string::npos);
    // An older snapshot keeps one plain entry, with its default kernel.
    CHECK(e[5].id == "snapshot-20260101-000000");
    CHECK_FALSE(find(e, "kernel-6.1.0-9-amd64"));
    // The id, paths and arguments survive GRUB's quoting and reach the kernel as written.
    const MenuTemplates t{grub_model::kGrubCfg, grub_model::kEntry, ""};
    const auto parsed = grub_model::parse_single_entry(render_grub_cfg(t, "UUID", {k}, "live", 3));
    CHECK(parsed.id == "kernel-5.10.0-30-amd64");
    CHECK(parsed.linux_words.front() == k.kernel);
    CHECK(parsed.initrd_words == std::vector<std::string>{k.initrd});
    CHECK(grub_model::loader_cmdline({parsed.linux_words.begin() + 1, parsed.linux_words.end()}) == k.args);
}

TEST_CASE("a snapshot's other kernels: listed in SHA256SUMS, verified, removed with it") {
    FakeStick s;
    s.add_snapshot("20260101-000000");
    add_kernels(s, "20260101-000000", {"6.1.0-9-amd64"});
    const SnapshotDir d = s.snapshot("20260101-000000");
    const auto sums = read_sums(d);
    CHECK(sums.count("vmlinuz-6.1.0-9-amd64"));
    CHECK(sums.count("initrd.img-6.1.0-9-amd64"));
    CHECK(verify_sums(d).ok.size() == 5);
    std::ofstream(d.initrd("6.1.0-9-amd64")) << "tampered";
    CHECK(verify_sums(d).bad == std::vector<std::string>{"initrd.img-6.1.0-9-amd64: checksum mismatch"});
    CHECK(other_kernels(list_snapshots(s).front()) == std::vector<std::string>{"6.1.0-9-amd64"});
    remove_snapshot(d);
    struct stat st;
    CHECK(::stat(d.path().c_str(), &st) != 0);
}

TEST_CASE("an unchanged kernel's files are hard-linked from an older snapshot, from any of its slots") {
    FakeStick s;
    s.add_snapshot("20260101-000000");
    add_kernels(s, "20260101-000000", {"6.1.0-9-amd64"});
    SnapshotInfo old = list_snapshots(s).front();
    old.fields["initramfs_inputs"] = "A";
    old.fields["initramfs_inputs-6.1.0-9-amd64"] = "B";
    const auto snaps = std::vector<SnapshotInfo>{old};
    CHECK(boot_slots(old).size() == 2);
    const SnapshotDir to = s.make_snapshot_dir("20260201-000000");
    std::map<std::string, std::string> sums;
    // The older kernel again, under its own names.
    const BootSlot other{SnapshotDir::kernel_name("6.1.0-9-amd64"), SnapshotDir::initrd_name("6.1.0-9-amd64"), "B"};
    CHECK(reuse_boot_files(snaps, other, s, to, sums) == "20260101-000000");
    struct stat a, b;
    REQUIRE(::stat(to.kernel("6.1.0-9-amd64").c_str(), &a) == 0);
    REQUIRE(::stat(s.snapshot("20260101-000000").kernel("6.1.0-9-amd64").c_str(), &b) == 0);
    CHECK(a.st_ino == b.st_ino);
    CHECK(sums.at("initrd.img-6.1.0-9-amd64") == read_sums(s.snapshot("20260101-000000")).at("initrd.img-6.1.0-9-amd64"));
    // Nothing built from other inputs is reused.
    const BootSlot changed{SnapshotDir::kKernel, SnapshotDir::kInitrd, "C"};
    CHECK(reuse_boot_files(snaps, changed, s, to, sums).empty());
    CHECK(::stat(to.kernel().c_str(), &a) != 0);
}

TEST_CASE("other kernels' file names: versions that could not name a file or an entry are refused") {
    CHECK(SnapshotDir::kernel_name("6.1.0-9-amd64") == "vmlinuz-6.1.0-9-amd64");
    CHECK(SnapshotDir::initrd_name("6.6.1-arch1-1") == "initrd.img-6.6.1-arch1-1");
    CHECK(SnapshotDir::valid_kernel_version("6.1.21-v8+"));
    CHECK(SnapshotDir::valid_kernel_version("6.11.4-300.fc41.x86_64"));
    for (const char* bad : {"", "..", ".hidden", "-x", "a/b", "a b", "a'b", "a$b", "a~b"}) {
        CHECK_FALSE(SnapshotDir::valid_kernel_version(bad));
        CHECK_THROWS_AS(SnapshotDir::kernel_name(bad), Error);
    }
    CHECK(SnapshotDir::is_other_kernel_file("vmlinuz-6.1.0-9-amd64"));
    CHECK(SnapshotDir::is_other_kernel_file("initrd.img-6.1.0-9-amd64"));
    CHECK_FALSE(SnapshotDir::is_other_kernel_file("vmlinuz"));
    CHECK_FALSE(SnapshotDir::is_other_kernel_file("vmlinuz-"));
    CHECK_FALSE(SnapshotDir::is_other_kernel_file("manifest"));
    // A snapshot.info naming what is not a version lists nothing of it.
    const SnapshotInfo info{"20260101-000000", {{"other_kernels", "6.1.0-9-amd64 ../../etc/x  5.10.0-30-amd64"}}};
    CHECK(other_kernels(info) == std::vector<std::string>{"6.1.0-9-amd64", "5.10.0-30-amd64"});
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
