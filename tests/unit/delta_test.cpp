#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ctime>
#include <filesystem>
#include <map>

#include "checksum.hpp"
#include "delta.hpp"
#include "file_manifest.hpp"
#include "layering.hpp"
#include "temp_dir.hpp"
#include "tree.hpp"

using namespace remaster;

namespace {

// A scan time well after every file's ctime: nothing is racy.
int64_t later_ns() { return (static_cast<int64_t>(::time(nullptr)) + 3600) * 1000000000ll; }

// "path" -> "f", "d", "l", "w" (whiteout), "o" (opaque dir) for the pruned tree.
std::map<std::string, std::string> layer_of(const Tree& t) {
    std::map<std::string, std::string> out;
    for_each_node(t, [&](const Node& n) {
        std::string kind = is_whiteout(n) ? "w" : n.is_dir() ? "d" : S_ISLNK(n.mode) ? "l" : "f";
        for (const auto& x : n.xattrs)
            if (x.name == "trusted.overlay.opaque" && x.value == "y") kind = "o";
        out[n.rel_path()] = kind;
    });
    return out;
}

ContentHasher hasher(const TempDir& d) {
    return [&d](const std::string& rel) { return sha256_file(d.path + rel); };
}

}  // namespace

TEST_CASE("manifest text keeps every field and any byte of a path", "[manifest]") {
    TempDir d;
    d.file("/a b/new\nline\\x", "data");
    d.file("/etc/hostname", "host\n");
    REQUIRE(::symlink("target with space", (d / "link").c_str()) == 0);
    REQUIRE(::link((d / "etc/hostname").c_str(), (d / "hard").c_str()) == 0);
    auto tree = scan_tree(d.path, nullptr);
    FileManifest m = manifest_of(*tree, 123);
    m.records.at("/etc/hostname").content = std::string(64, 'a');
    const FileManifest back = parse_manifest_text(format_manifest(m));
    REQUIRE(back.scanned_ns == 123);
    REQUIRE(back.paths == m.paths);
    for (const auto& p : m.paths) {
        INFO(p);
        CHECK(back.records.at(p).same_metadata(m.records.at(p)));
        CHECK(back.records.at(p).content == m.records.at(p).content);
    }
    CHECK(back.find("/a b/new\nline\\x") != nullptr);
    CHECK(back.records.at("/hard").link == "/etc/hostname");
    CHECK(unescape_path(escape_path(std::string("\x01 \\x\x7f", 5))) == std::string("\x01 \\x\x7f", 5));
}

TEST_CASE("a damaged manifest is an error that says what to do", "[manifest]") {
    CHECK_THROWS_WITH(parse_manifest_text("something else\n"), Catch::Contains("damaged"));
    CHECK_THROWS_WITH(parse_manifest_text("remaster-file-manifest 1\nscanned 1\n644 0 0\n"), Catch::Contains("line 3"));
}

TEST_CASE("the delta holds what changed, whiteouts for what is gone, opaque dirs over files", "[delta]") {
    TempDir d;
    d.file("/keep/same", "same");
    d.file("/keep/changed", "old");
    d.file("/keep/gone", "x");
    d.file("/dir-gone/a/b", "x");
    d.file("/file-becomes-dir", "x");
    d.file("/dir-becomes-file/x", "x");
    d.file("/links/one", "linked");
    d.file("/chmod", "x");
    auto t1 = scan_tree(d.path, nullptr);
    const FileManifest before = manifest_of(*t1, later_ns());

    d.file("/keep/changed", "new");
    d.file("/keep/added", "new");
    std::filesystem::remove(d / "keep/gone");
    std::filesystem::remove_all(d / "dir-gone");
    std::filesystem::remove(d / "file-becomes-dir");
    d.file("/file-becomes-dir/inside", "x");
    std::filesystem::remove_all(d / "dir-becomes-file");
    d.file("/dir-becomes-file", "now a file");
    REQUIRE(::link((d / "links/one").c_str(), (d / "links/two").c_str()) == 0);
    ::chmod((d / "chmod").c_str(), 0600);

    auto t2 = scan_tree(d.path, nullptr);
    FileManifest now = manifest_of(*t2, later_ns());
    const DeltaSummary s = prune_to_delta(*t2, before, now, hasher(d));

    const std::map<std::string, std::string> want = {
        {"/", "d"},
        {"/chmod", "f"},
        {"/dir-becomes-file", "f"},
        {"/dir-gone", "w"},
        {"/file-becomes-dir", "o"},
        {"/file-becomes-dir/inside", "f"},
        {"/keep", "d"},
        {"/keep/added", "f"},
        {"/keep/changed", "f"},
        {"/keep/gone", "w"},
        {"/links", "d"},
        {"/links/one", "f"},  // the group goes whole: its old name too
        {"/links/two", "f"},
    };
    CHECK(layer_of(*t2) == want);
    CHECK(s.removed == 2);
    CHECK(s.added == 3);  // keep/added, file-becomes-dir/inside, links/two
}

TEST_CASE("racy files are decided by content", "[delta]") {
    TempDir d;
    d.file("/racy", "content");
    d.file("/other", "x");
    const int64_t scanned = static_cast<int64_t>(::time(nullptr)) * 1000000000ll;
    auto t1 = scan_tree(d.path, nullptr);
    FileManifest before = manifest_of(*t1, scanned);

    SECTION("without a recorded hash a racy file is taken") {
        auto t2 = scan_tree(d.path, nullptr);
        FileManifest now = manifest_of(*t2, scanned);
        prune_to_delta(*t2, before, now, hasher(d));
        CHECK(layer_of(*t2).count("/racy") == 1);
    }
    SECTION("with the hash of the same content it is left out, and the hash carried on") {
        before.records.at("/racy").content = sha256_file(d / "racy");
        before.records.at("/other").content = sha256_file(d / "other");
        auto t2 = scan_tree(d.path, nullptr);
        FileManifest now = manifest_of(*t2, scanned);
        prune_to_delta(*t2, before, now, hasher(d));
        CHECK(layer_of(*t2).count("/racy") == 0);
        CHECK(now.records.at("/racy").content == before.records.at("/racy").content);
    }
    SECTION("with the hash of the same content, no longer racy: left out, and its times vouch for it again") {
        before.records.at("/racy").content = sha256_file(d / "racy");
        auto t2 = scan_tree(d.path, nullptr);
        FileManifest now = manifest_of(*t2, later_ns());
        prune_to_delta(*t2, before, now, hasher(d));
        CHECK(layer_of(*t2).count("/racy") == 0);
        CHECK(now.records.at("/racy").content.empty());
    }
    SECTION("with the hash of other content it is taken") {
        before.records.at("/racy").content = std::string(64, '0');
        auto t2 = scan_tree(d.path, nullptr);
        FileManifest now = manifest_of(*t2, scanned);
        prune_to_delta(*t2, before, now, hasher(d));
        CHECK(layer_of(*t2).count("/racy") == 1);
    }
}

TEST_CASE("files the scrub writes afresh in every run are compared by content, directories without times", "[delta]") {
    TempDir d;
    d.file("/etc/fstab", "# live\n");
    d.file("/etc/systemd/sleep.conf.d/zz.conf", "[Sleep]\n");
    d.file("/etc/hostname", "host\n");
    auto t1 = scan_tree(d.path, nullptr);
    FileManifest before = manifest_of(*t1, later_ns());
    std::map<std::string, std::string> written = {{"/etc/fstab", sha256_file(d / "etc/fstab")},
                                                  {"/etc/systemd/sleep.conf.d/zz.conf",
                                                   sha256_file(d / "etc/systemd/sleep.conf.d/zz.conf")}};
    record_contents(before, written);
    CHECK(before.records.at("/etc/fstab").content == written.at("/etc/fstab"));
    CHECK(before.records.at("/etc/hostname").content.empty());

    // The next run's scrub writes the same text anew: new inodes, new times,
    // new directory times.
    const struct timespec times[2] = {{1000, 0}, {1000, 0}};
    std::filesystem::remove_all(d / "etc/systemd/sleep.conf.d");
    std::filesystem::remove(d / "etc/fstab");
    d.file("/etc/fstab", "# live\n");
    d.file("/etc/systemd/sleep.conf.d/zz.conf", "[Sleep]\n");
    REQUIRE(::utimensat(AT_FDCWD, (d / "etc/fstab").c_str(), times, 0) == 0);
    REQUIRE(::utimensat(AT_FDCWD, (d / "etc").c_str(), times, 0) == 0);

    SECTION("the same content: the layer is empty") {
        auto t2 = scan_tree(d.path, nullptr);
        FileManifest now = manifest_of(*t2, later_ns());
        const DeltaSummary s = prune_to_delta(*t2, before, now, hasher(d), written);
        CHECK(layer_of(*t2) == std::map<std::string, std::string>{{"/", "d"}});
        CHECK(s.changed == 0);
        CHECK(s.added == 0);
        CHECK(now.records.at("/etc/fstab").content == written.at("/etc/fstab"));  // carried on
    }
    SECTION("other content, or another mode: taken") {
        d.file("/etc/fstab", "# live, changed\n");
        ::chmod((d / "etc/systemd/sleep.conf.d/zz.conf").c_str(), 0600);
        written["/etc/fstab"] = sha256_file(d / "etc/fstab");
        auto t2 = scan_tree(d.path, nullptr);
        FileManifest now = manifest_of(*t2, later_ns());
        prune_to_delta(*t2, before, now, hasher(d), written);
        const auto layer = layer_of(*t2);
        CHECK(layer.count("/etc/fstab") == 1);
        CHECK(layer.count("/etc/systemd/sleep.conf.d/zz.conf") == 1);
        CHECK(layer.count("/etc/hostname") == 0);
    }
    SECTION("a file not written by the scrub still counts by its times") {
        REQUIRE(::utimensat(AT_FDCWD, (d / "etc/hostname").c_str(), times, 0) == 0);
        auto t2 = scan_tree(d.path, nullptr);
        FileManifest now = manifest_of(*t2, later_ns());
        prune_to_delta(*t2, before, now, hasher(d), written);
        CHECK(layer_of(*t2).count("/etc/hostname") == 1);
    }
    SECTION("a directory whose mode changed is taken") {
        ::chmod((d / "etc/systemd").c_str(), 0700);
        auto t2 = scan_tree(d.path, nullptr);
        FileManifest now = manifest_of(*t2, later_ns());
        prune_to_delta(*t2, before, now, hasher(d), written);
        CHECK(layer_of(*t2).count("/etc/systemd") == 1);
    }
}

TEST_CASE("a new snapshot is a layer only on the newest snapshot of the same system", "[layering]") {
    SnapshotInfo base{"20261125-100000", {{"system", "s1"}, {"layers", "20261125-100000"}, {"layer_data", "1000"}}};
    SnapshotInfo mid{"20261125-110000",
                     {{"system", "s1"}, {"layers", "20261125-100000 20261125-110000"}, {"layer_data", "100"}}};
    const std::vector<SnapshotInfo> snaps = {mid, base};

    LayerChoice c = choose_parent(snaps, "s1", false, true);
    CHECK(c.delta);
    CHECK(c.parent == mid.id);
    CHECK(c.layers == std::vector<std::string>{base.id, mid.id});

    CHECK_FALSE(choose_parent(snaps, "s2", false, true).delta);
    CHECK_FALSE(choose_parent(snaps, "s1", true, true).delta);
    CHECK_FALSE(choose_parent(snaps, "s1", false, false).delta);
    CHECK_FALSE(choose_parent({mid}, "s1", false, true).delta);  // its base is gone
    CHECK_FALSE(choose_parent({}, "s1", false, true).delta);

    SnapshotInfo deep{"20261125-120000", {{"system", "s1"}, {"layers", ""}}};
    std::vector<SnapshotInfo> many;
    for (size_t i = 0; i < kMaxLayers; ++i) {
        SnapshotInfo s{"20261125-1" + std::to_string(10000 + i), {{"system", "s1"}}};
        many.insert(many.begin(), s);
    }
    std::string ids;
    for (auto it = many.rbegin(); it != many.rend(); ++it) ids += (ids.empty() ? "" : " ") + it->id;
    many.front().fields["layers"] = ids;
    CHECK(layers_of(many.front()).size() == kMaxLayers);
    CHECK_FALSE(choose_parent(many, "s1", false, true).delta);

    CHECK_FALSE(deltas_too_large({base, mid}, 300));
    CHECK(deltas_too_large({base, mid}, 401));
    CHECK(layers_of(deep) == std::vector<std::string>{deep.id});  // damaged field: only itself
}

TEST_CASE("the initramfs fingerprint counts files the scrub wrote by content, not by their fresh times") {
    auto manifest = [](int64_t ctime_ns, uint64_t size) {
        FileManifest m;
        FileRecord r;
        r.mode = 0100644;
        r.size = size;
        r.mtime_ns = r.ctime_ns = ctime_ns;
        m.paths = {"/etc/systemd/sleep.conf.d/zz-remaster-live.conf", "/usr/bin/udevadm"};
        m.records[m.paths[0]] = r;
        FileRecord bin = r;
        bin.ctime_ns = bin.mtime_ns = 1;
        m.records[m.paths[1]] = bin;
        return m;
    };
    TempDir mod;
    const std::map<std::string, std::string> same = {{"/etc/systemd/sleep.conf.d/zz-remaster-live.conf", "aa"}};
    const std::map<std::string, std::string> other = {{"/etc/systemd/sleep.conf.d/zz-remaster-live.conf", "bb"}};
    // Two runs: the scrub's file has new times, the same content: equal.
    CHECK(initramfs_fingerprint(manifest(100, 5), "6.1", mod.path, same) ==
          initramfs_fingerprint(manifest(200, 5), "6.1", mod.path, same));
    // Its content or size changed: different.
    CHECK(initramfs_fingerprint(manifest(100, 5), "6.1", mod.path, same) !=
          initramfs_fingerprint(manifest(100, 5), "6.1", mod.path, other));
    CHECK(initramfs_fingerprint(manifest(100, 5), "6.1", mod.path, same) !=
          initramfs_fingerprint(manifest(100, 6), "6.1", mod.path, same));
    // A directory's times do not count (the scrub's copy-up changes them).
    auto with_dir = [&](int64_t t) {
        FileManifest m = manifest(100, 5);
        FileRecord d;
        d.mode = 040755;
        d.mtime_ns = d.ctime_ns = t;
        m.paths.insert(m.paths.begin(), "/etc/systemd");
        m.records["/etc/systemd"] = d;
        return m;
    };
    CHECK(initramfs_fingerprint(with_dir(1), "6.1", mod.path, same) == initramfs_fingerprint(with_dir(2), "6.1", mod.path, same));
    // Without the map, a file's times count (every other file).
    CHECK(initramfs_fingerprint(manifest(100, 5), "6.1", mod.path) != initramfs_fingerprint(manifest(200, 5), "6.1", mod.path));
}

TEST_CASE("the initramfs fingerprint counts the CA bundle a netboot initramfs carries, not any file of /etc") {
    auto with = [](const std::string& path, uint64_t size) {
        FileManifest m;
        FileRecord r;
        r.mode = 0100644;
        r.size = size;
        r.mtime_ns = r.ctime_ns = 1;
        m.paths = {path};
        m.records[path] = r;
        return m;
    };
    TempDir mod;
    CHECK(initramfs_fingerprint(with("/etc/ssl/certs/ca-certificates.crt", 5), "6.1", mod.path) !=
          initramfs_fingerprint(with("/etc/ssl/certs/ca-certificates.crt", 6), "6.1", mod.path));
    CHECK(initramfs_fingerprint(with("/etc/motd", 5), "6.1", mod.path) ==
          initramfs_fingerprint(with("/etc/motd", 6), "6.1", mod.path));
}
