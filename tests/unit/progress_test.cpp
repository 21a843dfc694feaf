// Progress lines as a log sees them (stderr not a terminal): Progress,
// Heartbeat, the checksums' progress and the runner's heartbeat.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <thread>

#include "checksum.hpp"
#include "mount.hpp"
#include "progress.hpp"
#include "runner.hpp"
#include "temp_dir.hpp"

using namespace remaster;

namespace {

// Sends stderr to a file for its lifetime; text() is what was written.
class StderrCapture {
public:
    explicit StderrCapture(const TempDir& dir) : path_(dir / "stderr") {
        std::fflush(stderr);
        saved_ = ::dup(2);
        const int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        REQUIRE(fd >= 0);
        ::dup2(fd, 2);
        ::close(fd);
    }
    ~StderrCapture() { restore(); }
    std::string text() {
        restore();
        std::ifstream in(path_);
        return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    }

private:
    void restore() {
        if (saved_ < 0) return;
        std::fflush(stderr);
        ::dup2(saved_, 2);
        ::close(saved_);
        saved_ = -1;
    }
    std::string path_;
    int saved_ = -1;
};

size_t count(const std::string& text, const std::string& what) {
    size_t n = 0;
    for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
}

// A snapshot directory holding the three summed files.
struct SnapshotFiles {
    TempDir dir{"remaster-progress"};
    SnapshotFiles() {
        make_dirs(dir / "remaster/20260101-000000");
        for (const char* f : {"filesystem.squashfs", "vmlinuz", "initrd.img"})
            dir.file(std::string("remaster/20260101-000000/") + f, std::string(1000, 'x'));
    }
    SnapshotDir snapshot() const { return Medium(dir.path).snapshot("20260101-000000"); }
};

}  // namespace

TEST_CASE("Progress in a log: one line at the end with the total, none with --quiet") {
    TempDir d;
    {
        StderrCapture cap(d);
        Progress p("squash", 2048, false);
        p.update(1024);  // too soon after the start for a line of its own
        p.finish();
        const std::string out = cap.text();
        CHECK(count(out, "squash ") == 1);
        CHECK(out.find("squash 100% (2.0 KiB of 2.0 KiB") != std::string::npos);
    }
    StderrCapture cap(d);
    Progress quiet("squash", 2048, true);
    quiet.finish();
    CHECK(cap.text().empty());
}

TEST_CASE("sha256_file tells on_read of every byte it reads") {
    TempDir d;
    d.file("big", std::string(3 << 20, 'y'));  // more than one 1 MiB read
    uint64_t seen = 0;
    int calls = 0;
    sha256_file(d / "big", [&](uint64_t n) { seen += n, ++calls; });
    CHECK(seen == 3u << 20);
    CHECK(calls >= 3);
}

TEST_CASE("write_sums shows the progress of the bytes it reads, and nothing when every hash is known") {
    SnapshotFiles s;
    {
        StderrCapture cap(s.dir);
        write_sums(s.snapshot());
        const std::string out = cap.text();
        CHECK(count(out, "checksums ") == 1);
        // The three files, 1000 bytes each.
        CHECK(out.find("checksums 100% (2.9 KiB of 2.9 KiB") != std::string::npos);
    }
    const auto sums = read_sums(s.snapshot());
    REQUIRE(sums.size() == 3);
    StderrCapture cap(s.dir);
    write_sums(s.snapshot(), sums);
    CHECK(cap.text().empty());
    CHECK(read_sums(s.snapshot()) == sums);
}

TEST_CASE("Heartbeat in a log: a line with the time so far when due, none before, none with --quiet") {
    TempDir d;
    StderrCapture cap(d);
    Heartbeat quiet("quiet thing is still running", true, std::chrono::milliseconds(10));
    Heartbeat beat("dracut is still building", false, std::chrono::milliseconds(50));
    beat.tick();  // not due yet
    std::this_thread::sleep_for(std::chrono::milliseconds(60));
    beat.tick();
    quiet.tick();
    beat.tick();  // drawn just now: not due again
    const std::string out = cap.text();
    CHECK(count(out, "still") == 1);
    CHECK(out.find("remaster: dracut is still building (0:00)\n") != std::string::npos);
}

TEST_CASE("SystemRunner: a quick command with still_running runs as ever and prints no heartbeat") {
    TempDir d;
    StderrCapture cap(d);
    SystemRunner r;
    Command c{{"sh", "-c", "echo out"}};
    c.still_running = "sh is still running";
    CHECK(r.run(c).out == "out\n");
    CHECK(cap.text().find("still running") == std::string::npos);
}
