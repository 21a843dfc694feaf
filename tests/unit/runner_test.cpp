#include <catch2/catch.hpp>

#include "error.hpp"
#include "runner.hpp"

using namespace remaster;

TEST_CASE("commands are printed with shell quoting only where needed") {
    CHECK(format_command({{"grub-install", "--target=i386-pc", "/dev/sdb"}}) == "grub-install --target=i386-pc /dev/sdb");
    CHECK(format_command({{"echo", "a b", "it's"}}) == "echo 'a b' 'it'\\''s'");
    Command c{{"dracut", "-N"}};
    c.chroot = "/run/remaster/1/view";
    CHECK(format_command(c) == "chroot /run/remaster/1/view dracut -N");
}

TEST_CASE("the system runner captures output and reports failures with stderr") {
    SystemRunner r;
    CHECK(r.run({{"echo", "hello"}}).out == "hello\n");
    try {
        r.run({{"ls", "/nonexistent-remaster-path"}});
        FAIL("ls of a missing path should have failed");
    } catch (const Error& e) {
        const std::string what = e.what();
        CHECK(what.find("ls /nonexistent-remaster-path") != std::string::npos);
        CHECK(what.find("No such file") != std::string::npos);
    }
    Command soft{{"false"}};
    soft.allow_failure = true;
    CHECK(r.run(soft).status == 1);
    CHECK_THROWS_AS(r.run({{"remaster-no-such-program"}}), Error);
}

TEST_CASE("stdin is /dev/null, so a command waiting for input ends at once") {
    SystemRunner r;
    CHECK(r.run({{"cat"}}).out.empty());
}

TEST_CASE("the recording runner records and succeeds") {
    RecordingRunner r;
    r.run({{"mkfs.ext4", "/dev/x"}});
    REQUIRE(r.commands().size() == 1);
    CHECK(r.commands()[0].argv[0] == "mkfs.ext4");
}

TEST_CASE("programs are found in PATH") {
    CHECK(find_program("sh") != "");
    CHECK(find_program("remaster-no-such-program") == "");
}
