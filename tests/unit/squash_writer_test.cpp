// write_squashfs round trips: build a small tree as a normal user, write it,
// read the image back with libsquashfs's own readers and compare.
#include <fcntl.h>
#include <sqfs/compressor.h>
#include <sqfs/data_reader.h>
#include <sqfs/dir_reader.h>
#include <sqfs/id_table.h>
#include <sqfs/inode.h>
#include <sqfs/super.h>
#include <sqfs/xattr.h>
#include <sqfs/xattr_reader.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "error.hpp"
#include "fd.hpp"
#include "sqfs_objects.hpp"
#include "squash_prefetch.hpp"
#include "squash_writer.hpp"
#include "tree.hpp"

#include "temp_dir.hpp"

using namespace remaster;

namespace {

void write_file(const std::string& path, const std::string& data) {
    std::ofstream(path, std::ios::binary) << data;
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// What the image says about one path.
struct Entry {
    uint16_t mode = 0;
    uint32_t uid = 0, gid = 0, mtime = 0, inode_number = 0, nlink = 0;
    std::string target, content;
    uint32_t devno = 0;
    std::map<std::string, std::string> xattrs;
};

struct TreeFree {
    void operator()(sqfs_tree_node_t* n) const noexcept { sqfs_dir_tree_destroy(n); }
};

// Reads a whole image into path -> Entry with libsquashfs.
class ImageReader {
public:
    explicit ImageReader(const std::string& image) {
        fd_ = open_or_throw(image.c_str(), O_RDONLY);
        struct stat st;
        REQUIRE(::fstat(fd_.get(), &st) == 0);
        file_ = std::make_unique<FdFile>(fd_.get(), static_cast<uint64_t>(st.st_size));
        sqfs_file_t* f = file_->get();
        REQUIRE(sqfs_super_read(&super, f) == 0);

        sqfs_compressor_config_t cfg;
        REQUIRE(sqfs_compressor_config_init(&cfg, static_cast<SQFS_COMPRESSOR>(super.compression_id),
                                            super.block_size, SQFS_COMP_FLAG_UNCOMPRESS) == 0);
        sqfs_compressor_t* cmp = nullptr;
        REQUIRE(sqfs_compressor_create(&cfg, &cmp) == 0);
        cmp_.reset(cmp);
        if (super.flags & SQFS_FLAG_COMPRESSOR_OPTIONS) REQUIRE(cmp_->read_options(cmp_.get(), f) == 0);

        ids_.reset(sqfs_id_table_create(0));
        REQUIRE(sqfs_id_table_read(ids_.get(), f, &super, cmp_.get()) == 0);
        dirs_.reset(sqfs_dir_reader_create(&super, cmp_.get(), f, 0));
        REQUIRE(dirs_);
        data_.reset(sqfs_data_reader_create(f, super.block_size, cmp_.get(), 0));
        REQUIRE(data_);
        REQUIRE(sqfs_data_reader_load_fragment_table(data_.get(), &super) == 0);
        xattr_.reset(sqfs_xattr_reader_create(0));
        REQUIRE(sqfs_xattr_reader_load(xattr_.get(), &super, f, cmp_.get()) == 0);

        sqfs_tree_node_t* root = nullptr;
        REQUIRE(sqfs_dir_reader_get_full_hierarchy(dirs_.get(), ids_.get(), nullptr, 0, &root) == 0);
        std::unique_ptr<sqfs_tree_node_t, TreeFree> guard(root);
        visit(root, "/");
    }

    sqfs_super_t super{};
    std::map<std::string, Entry> entries;

private:
    void visit(const sqfs_tree_node_t* n, const std::string& path) {
        Entry e;
        const sqfs_inode_generic_t* in = n->inode;
        e.mode = in->base.mode;
        e.uid = n->uid;
        e.gid = n->gid;
        e.mtime = in->base.mod_time;
        e.inode_number = in->base.inode_number;
        switch (in->base.type) {
        case SQFS_INODE_SLINK:
        case SQFS_INODE_EXT_SLINK:
            e.target.assign(reinterpret_cast<const char*>(in->extra), in->data.slink.target_size);
            e.nlink = in->data.slink.nlink;
            break;
        case SQFS_INODE_BDEV:
        case SQFS_INODE_CDEV: e.devno = in->data.dev.devno; break;
        case SQFS_INODE_EXT_BDEV:
        case SQFS_INODE_EXT_CDEV: e.devno = in->data.dev_ext.devno; break;
        case SQFS_INODE_FILE:
        case SQFS_INODE_EXT_FILE: {
            e.nlink = in->base.type == SQFS_INODE_EXT_FILE ? in->data.file_ext.nlink : 1;
            sqfs_u64 size = 0;
            REQUIRE(sqfs_inode_get_file_size(in, &size) == 0);
            e.content.resize(size);
            if (size) REQUIRE(sqfs_data_reader_read(data_.get(), in, 0, e.content.data(), size) == (sqfs_s32)size);
            break;
        }
        case SQFS_INODE_DIR: e.nlink = in->data.dir.nlink; break;
        case SQFS_INODE_EXT_DIR: e.nlink = in->data.dir_ext.nlink; break;
        default: break;
        }
        sqfs_u32 xidx = 0xFFFFFFFF;
        REQUIRE(sqfs_inode_get_xattr_index(in, &xidx) == 0);
        if (xidx != 0xFFFFFFFF) read_xattrs(xidx, e.xattrs);
        entries[path] = e;
        for (const sqfs_tree_node_t* c = n->children; c; c = c->next)
            visit(c, (path == "/" ? "/" : path + "/") + reinterpret_cast<const char*>(c->name));
    }

    void read_xattrs(sqfs_u32 idx, std::map<std::string, std::string>& out) {
        sqfs_xattr_id_t desc;
        REQUIRE(sqfs_xattr_reader_get_desc(xattr_.get(), idx, &desc) == 0);
        REQUIRE(sqfs_xattr_reader_seek_kv(xattr_.get(), &desc) == 0);
        for (sqfs_u32 i = 0; i < desc.count; ++i) {
            sqfs_xattr_entry_t* key = nullptr;
            sqfs_xattr_value_t* val = nullptr;
            REQUIRE(sqfs_xattr_reader_read_key(xattr_.get(), &key) == 0);
            REQUIRE(sqfs_xattr_reader_read_value(xattr_.get(), key, &val) == 0);
            // read_key returns the full name, NUL-terminated; key->size is the
            // on-disk length without the namespace prefix.
            std::string name(reinterpret_cast<const char*>(key->key));
            out[name] = std::string(reinterpret_cast<const char*>(val->value), val->size);
            sqfs_free(key);
            sqfs_free(val);
        }
    }

    Fd fd_;
    std::unique_ptr<FdFile> file_;
    SqfsPtr<sqfs_compressor_t> cmp_;
    SqfsPtr<sqfs_id_table_t> ids_;
    SqfsPtr<sqfs_dir_reader_t> dirs_;
    SqfsPtr<sqfs_data_reader_t> data_;
    SqfsPtr<sqfs_xattr_reader_t> xattr_;
};

SquashReport write_image(const std::string& root, const std::string& image, const SquashOptions& opt,
                         const ProgressFn& progress = {}) {
    auto tree = scan_tree(root, nullptr);
    Fd out = open_or_throw(image.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0644);
    return write_squashfs(*tree, root, out.get(), opt, progress);
}

std::string random_bytes(size_t n, unsigned seed) {
    std::string s(n, '\0');
    uint32_t x = seed * 2654435761u + 1;
    for (auto& c : s) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        c = static_cast<char>(x);
    }
    return s;
}

// A tree any user can create: files of awkward sizes, a sparse file, links,
// a fifo, modes, times, user xattrs where the filesystem allows them.
struct SampleTree {
    TempDir dir;
    std::string root = dir / "root";
    bool have_xattrs = false;

    SampleTree() {
        REQUIRE(::mkdir(root.c_str(), 0755) == 0);
        auto p = [&](const std::string& rel) { return root + "/" + rel; };
        write_file(p("empty"), "");
        write_file(p("small"), "hello\n");
        write_file(p("random-300k"), random_bytes(300000, 1));
        write_file(p("exact-block"), random_bytes(131072, 2));
        write_file(p("dup-of-random"), random_bytes(300000, 1));
        REQUIRE(::mkdir(p("sub").c_str(), 0700) == 0);
        REQUIRE(::mkdir(p("sub/deeper").c_str(), 0755) == 0);
        REQUIRE(::link(p("small").c_str(), p("sub/hardlink").c_str()) == 0);
        REQUIRE(::symlink("../small", p("sub/symlink").c_str()) == 0);
        REQUIRE(::symlink("/nowhere/at/all", p("dangling").c_str()) == 0);
        REQUIRE(::mkfifo(p("sub/fifo").c_str(), 0640) == 0);
        write_file(p("new\nline \xe2\x98\x83"), "utf8");
        write_file(p(std::string(255, 'n')), "long name");
        write_file(p("setgid"), "x");
        REQUIRE(::chmod(p("setgid").c_str(), 02755) == 0);
        {
            int fd = ::open(p("sparse").c_str(), O_CREAT | O_WRONLY, 0644);
            REQUIRE(fd >= 0);
            REQUIRE(::ftruncate(fd, 20 * 1024 * 1024) == 0);
            std::string chunk = random_bytes(5000, 3);
            REQUIRE(::pwrite(fd, chunk.data(), chunk.size(), 7 * 1024 * 1024 + 11) == (ssize_t)chunk.size());
            ::close(fd);
        }
        have_xattrs = ::setxattr(p("small").c_str(), "user.greeting", "hi", 2, 0) == 0 &&
                      ::setxattr(p("sub").c_str(), "user.dir", "d", 1, 0) == 0 &&
                      ::setxattr(p("random-300k").c_str(), "user.bin", "\0\1\2", 3, 0) == 0;
        struct timespec times[2] = {{0, UTIME_OMIT}, {4102444800, 0}};  // 2100-01-01
        REQUIRE(::utimensat(AT_FDCWD, p("random-300k").c_str(), times, 0) == 0);
        times[1].tv_sec = 1000000000;
        REQUIRE(::utimensat(AT_FDCWD, p("sub/deeper").c_str(), times, 0) == 0);
    }
};

}  // namespace

TEST_CASE("parse_compression accepts compressors with levels", "[squash]") {
    auto o = parse_compression("zstd", 131072, 0);
    CHECK(o.compressor == "zstd");
    CHECK(o.level == 0);
    CHECK(o.block_size == 131072);
    o = parse_compression("zstd:19", 1 << 20, 3);
    CHECK(o.compressor == "zstd");
    CHECK(o.level == 19);
    CHECK(o.block_size == (1u << 20));
    CHECK(o.jobs == 3);
    CHECK(parse_compression("xz:6", 4096, 0).level == 6);
    CHECK(parse_compression("gzip:9", 65536, 0).compressor == "gzip");
    CHECK(parse_compression("lz4", 131072, 0).compressor == "lz4");
    auto avail = available_compressors();
    CHECK(std::find(avail.begin(), avail.end(), "zstd") != avail.end());
}

TEST_CASE("parse_compression rejects junk naming the valid choices", "[squash]") {
    for (const char* spec : {"", "zip", "zstd:", "zstd:0", "zstd:23", "zstd:x", "zstd:1:2", "gzip:10", "xz:-1",
                             "lz4:3", "ZSTD", "lzma"}) {
        INFO(spec);
        try {
            parse_compression(spec, 131072, 0);
            FAIL("accepted");
        } catch (const Error& e) {
            CHECK(e.code() == Exit::bad_input);
            CHECK(e.hint().find("zstd") != std::string::npos);
        }
    }
    for (uint32_t bs : {0u, 2048u, 3u * 4096, 2u << 20, 100000u}) {
        INFO(bs);
        CHECK_THROWS_AS(parse_compression("zstd", bs, 0), Error);
    }
}

TEST_CASE("write_squashfs stores every entry faithfully", "[squash]") {
    SampleTree s;
    std::string image = s.dir / "out.sqfs";
    uint64_t last_done = 0, last_total = 0;
    int calls = 0;
    SquashReport rep = write_image(s.root, image, parse_compression("zstd:3", 131072, 2),
                                   [&](uint64_t done, uint64_t total) {
                                       CHECK(done >= last_done);
                                       CHECK(done <= total);
                                       last_done = done;
                                       last_total = total;
                                       calls++;
                                   });
    CHECK(calls >= 1);
    CHECK(last_done == last_total);
    CHECK(rep.dropped.empty());
    CHECK(rep.image_bytes % 4096 == 0);
    struct stat st;
    REQUIRE(::stat(image.c_str(), &st) == 0);
    CHECK(static_cast<uint64_t>(st.st_size) == rep.image_bytes);

    ImageReader img(image);
    CHECK(img.super.modification_time == 4102444800u);  // the newest mtime, not "now"
    CHECK(img.super.inode_count == rep.inodes);
    CHECK(rep.inodes == img.entries.size() - 1);  // the hard link is one inode, two names

    // Every path, with type, mode, owner and mtime as lstat says.
    for (const auto& [rel, e] : img.entries) {
        INFO(rel);
        std::string src = rel == "/" ? s.root : s.root + rel;
        REQUIRE(::lstat(src.c_str(), &st) == 0);
        CHECK(e.mode == (st.st_mode & 0xFFFF));
        CHECK(e.uid == st.st_uid);
        CHECK(e.gid == st.st_gid);
        CHECK(e.mtime == static_cast<uint32_t>(st.st_mtime));
        if (S_ISREG(st.st_mode)) CHECK(e.content == read_file(src));
    }
    CHECK(img.entries.size() == 16);
    CHECK(img.entries.at("/sub/symlink").target == "../small");
    CHECK(img.entries.at("/dangling").target == "/nowhere/at/all");
    CHECK(S_ISFIFO(img.entries.at("/sub/fifo").mode));
    CHECK(img.entries.count("/new\nline \xe2\x98\x83") == 1);
    CHECK(img.entries.count("/" + std::string(255, 'n')) == 1);
    CHECK(img.entries.at("/sparse").content.size() == 20u * 1024 * 1024);
    // Hard links: one inode, nlink 2, under both names.
    CHECK(img.entries.at("/small").inode_number == img.entries.at("/sub/hardlink").inode_number);
    CHECK(img.entries.at("/small").nlink == 2);
    CHECK(img.entries.at("/sub").nlink == 3);  // ".", its entry in "/", and "deeper/.."
    if (s.have_xattrs) {
        CHECK(img.entries.at("/small").xattrs == std::map<std::string, std::string>{{"user.greeting", "hi"}});
        CHECK(img.entries.at("/sub/hardlink").xattrs.at("user.greeting") == "hi");
        CHECK(img.entries.at("/sub").xattrs.at("user.dir") == "d");
        CHECK(img.entries.at("/random-300k").xattrs.at("user.bin") == std::string("\0\1\2", 3));
        CHECK(img.entries.at("/empty").xattrs.empty());
    } else {
        WARN("user xattrs unsupported on /tmp; xattr checks skipped");
    }
}

TEST_CASE("write_squashfs output does not depend on the number of threads", "[squash]") {
    SampleTree s;
    write_image(s.root, s.dir / "j1.sqfs", parse_compression("zstd", 131072, 1));
    write_image(s.root, s.dir / "j2.sqfs", parse_compression("zstd", 131072, 2));
    write_image(s.root, s.dir / "j4.sqfs", parse_compression("zstd", 131072, 4));
    std::string one = read_file(s.dir / "j1.sqfs");
    CHECK(one.size() > 4096);
    CHECK(one == read_file(s.dir / "j2.sqfs"));
    CHECK(one == read_file(s.dir / "j4.sqfs"));
}

TEST_CASE("write_squashfs works with every available compressor", "[squash]") {
    SampleTree s;
    for (const std::string& c : available_compressors()) {
        INFO(c);
        std::string image = s.dir / (c + ".sqfs");
        write_image(s.root, image, parse_compression(c, 65536, 2));
        ImageReader img(image);
        CHECK(img.entries.at("/random-300k").content == random_bytes(300000, 1));
        CHECK(img.entries.at("/small").content == "hello\n");
    }
}

TEST_CASE("write_squashfs reports what squashfs cannot hold", "[squash]") {
    TempDir t;
    std::string root = t / "root";
    REQUIRE(::mkdir(root.c_str(), 0755) == 0);
    write_file(root + "/old", "x");
    write_file(root + "/new", "x");
    struct timespec times[2] = {{0, UTIME_OMIT}, {-100, 0}};
    REQUIRE(::utimensat(AT_FDCWD, (root + "/old").c_str(), times, 0) == 0);
    times[1].tv_sec = int64_t{1} << 33;
    bool far_future = ::utimensat(AT_FDCWD, (root + "/new").c_str(), times, 0) == 0;
    struct stat st;
    REQUIRE(::stat((root + "/new").c_str(), &st) == 0);
    far_future = far_future && st.st_mtime == (int64_t{1} << 33);

    SquashReport rep = write_image(root, t / "out.sqfs", SquashOptions{});
    std::map<std::string, DroppedAttr> by_path;
    for (const auto& d : rep.dropped) by_path[d.example_path] = d;
    REQUIRE(by_path.count("/old"));
    CHECK(by_path["/old"].count == 1);
    CHECK(by_path["/old"].what.find("1970") != std::string::npos);
    if (far_future) CHECK(by_path.count("/new"));

    ImageReader img(t / "out.sqfs");
    CHECK(img.entries.at("/old").mtime == 0);
    if (far_future) CHECK(img.entries.at("/new").mtime == UINT32_MAX);
}

TEST_CASE("write_squashfs names an unreadable file", "[squash]") {
    if (::geteuid() == 0) return;  // root reads everything
    TempDir t;
    std::string root = t / "root";
    REQUIRE(::mkdir(root.c_str(), 0755) == 0);
    write_file(root + "/secret", "x");
    REQUIRE(::chmod((root + "/secret").c_str(), 0) == 0);
    auto tree = scan_tree(root, nullptr);
    Fd out = open_or_throw((t / "out.sqfs").c_str(), O_RDWR | O_CREAT | O_TRUNC, 0644);
    try {
        write_squashfs(*tree, root, out.get(), SquashOptions{}, {});
        FAIL("no error");
    } catch (const Error& e) {
        CHECK(std::string(e.what()).find("'/secret'") != std::string::npos);
    }
}

TEST_CASE("write_squashfs stores a file that vanished after the scan as empty", "[squash]") {
    TempDir t;
    std::string root = t / "root";
    REQUIRE(::mkdir(root.c_str(), 0755) == 0);
    write_file(root + "/gone", "data");
    write_file(root + "/grows", "12345");
    auto tree = scan_tree(root, nullptr);
    REQUIRE(::unlink((root + "/gone").c_str()) == 0);
    write_file(root + "/grows", "1234567890");
    {
        Fd out = open_or_throw((t / "out.sqfs").c_str(), O_RDWR | O_CREAT | O_TRUNC, 0644);
        write_squashfs(*tree, root, out.get(), SquashOptions{}, {});
    }
    ImageReader img(t / "out.sqfs");
    CHECK(img.entries.at("/gone").content.empty());
    CHECK(img.entries.at("/grows").content == "1234567890");
}

TEST_CASE("write_squashfs turns ENOSPC into Exit::no_space", "[squash]") {
    SampleTree s;
    auto tree = scan_tree(s.root, nullptr);
    Fd full = open_or_throw("/dev/full", O_RDWR);  // every write fails with ENOSPC
    try {
        write_squashfs(*tree, s.root, full.get(), SquashOptions{}, {});
        FAIL("no error");
    } catch (const Error& e) {
        CHECK(e.code() == Exit::no_space);
        CHECK(std::string(e.what()).find("No space left") != std::string::npos);
    }
}

TEST_CASE("write_squashfs reads small sparse files and many small files the same with any thread count", "[squash]") {
    TempDir t;
    std::string root = t / "root";
    REQUIRE(::mkdir(root.c_str(), 0755) == 0);
    // Under one read chunk, so read whole rather than hole by hole: the
    // image must hold the same bytes, zeros where the hole is.
    std::string head = random_bytes(1000, 7), tail = random_bytes(3000, 8);
    {
        Fd fd = open_or_throw((root + "/small-sparse").c_str(), O_CREAT | O_WRONLY, 0644);
        REQUIRE(::pwrite(fd.get(), head.data(), head.size(), 0) == static_cast<ssize_t>(head.size()));
        REQUIRE(::pwrite(fd.get(), tail.data(), tail.size(), 600000) == static_cast<ssize_t>(tail.size()));
    }
    // Many small files: each a fragment, so the read-ahead thread and the
    // writer take turns often.
    REQUIRE(::mkdir((root + "/many").c_str(), 0755) == 0);
    for (int i = 0; i < 300; ++i) write_file(root + "/many/f" + std::to_string(i), random_bytes(i * 37 % 5000, i));

    write_image(root, t / "j1.sqfs", parse_compression("zstd", 131072, 1));
    write_image(root, t / "j3.sqfs", parse_compression("zstd", 131072, 3));
    CHECK(read_file(t / "j1.sqfs") == read_file(t / "j3.sqfs"));
    ImageReader img(t / "j3.sqfs");
    std::string want = head + std::string(600000 - head.size(), '\0') + tail;
    CHECK(img.entries.at("/small-sparse").content == want);
    for (int i = 0; i < 300; ++i) {
        INFO(i);
        CHECK(img.entries.at("/many/f" + std::to_string(i)).content == random_bytes(i * 37 % 5000, i));
    }
}

TEST_CASE("Prefetcher stops whether the writer finished, stopped early or files are missing", "[squash]") {
    TempDir t;
    std::vector<Prefetcher::File> files;
    for (int i = 0; i < 50; ++i) {
        std::string name = "f" + std::to_string(i);
        if (i % 7 != 0) write_file(t / name, random_bytes(4096, i));  // every 7th is missing
        files.push_back({"/" + name, 4096});
    }
    files.push_back({"/" + std::string(5000, 'x'), 10});  // beyond PATH_MAX: skipped
    {
        // A window smaller than one file: it goes one file at a time.
        Prefetcher p(t.path, files, 1);
        for (size_t i = 1; i <= files.size(); ++i) p.consumed(i);
    }
    {
        Prefetcher p(t.path, files, 8192);
        p.consumed(3);  // the writer gave up here: the destructor must not hang
    }
    {
        Prefetcher p(t / "no-such-dir", files, 8192);  // no root: does nothing
        p.consumed(files.size());
    }
    SUCCEED();
}

TEST_CASE("write_squashfs stores a repeated file or tail once, the earlier copy in flight or written long ago",
          "[squash]") {
    // Tails are deduplicated by the fragment packer: against the fragment
    // block being filled, one still in the block pipeline, or one written
    // long ago (read back and decompressed); whole runs of blocks by the
    // block writer. 120 files of one block and 2000 bytes fill the first
    // fragment block and push it out of the pipeline's ring (48 blocks)
    // before its twins come.
    TempDir t;
    const std::string a = random_bytes(3000, 1), big = random_bytes(300000, 2);
    std::string near = a;
    near[1500] ^= 1;
    auto make = [&](const std::string& root, bool twins) {
        REQUIRE(::mkdir(root.c_str(), 0755) == 0);
        write_file(root + "/a-first", a);
        write_file(root + "/b-big", big);
        REQUIRE(::mkdir((root + "/c-fill").c_str(), 0755) == 0);
        for (int i = 0; i < 120; ++i)
            write_file(root + "/c-fill/f" + std::to_string(100 + i), random_bytes(131072 + 2000, 100 + i));
        write_file(root + "/d-zero-tail", random_bytes(131072, 3) + std::string(5000, '\0'));
        write_file(root + "/e-near", near);
        if (twins) {
            write_file(root + "/f-again", a);
            write_file(root + "/f-big-again", big);
            write_file(root + "/f-tail-again", random_bytes(131072 + 2000, 100).substr(131072));
        }
    };
    make(t / "with", true);
    make(t / "without", false);
    const SquashReport with = write_image(t / "with", t / "with.sqfs", parse_compression("zstd", 131072, 2));
    const SquashReport without = write_image(t / "without", t / "without.sqfs", parse_compression("zstd", 131072, 2));
    // The twins cost their inodes and names, no data: within the padding.
    CHECK(with.image_bytes <= without.image_bytes + 4096);

    ImageReader img(t / "with.sqfs");
    CHECK(img.entries.at("/a-first").content == a);
    CHECK(img.entries.at("/f-again").content == a);
    CHECK(img.entries.at("/b-big").content == big);
    CHECK(img.entries.at("/f-big-again").content == big);
    CHECK(img.entries.at("/e-near").content == near);
    CHECK(img.entries.at("/d-zero-tail").content == random_bytes(131072, 3) + std::string(5000, '\0'));
    CHECK(img.entries.at("/f-tail-again").content == random_bytes(131072 + 2000, 100).substr(131072));
    for (int i = 0; i < 120; ++i) {
        INFO(i);
        CHECK(img.entries.at("/c-fill/f" + std::to_string(100 + i)).content == random_bytes(131072 + 2000, 100 + i));
    }
}
