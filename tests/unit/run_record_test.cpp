#include "run_record.hpp"

#include <unistd.h>

#include "temp_dir.hpp"

using namespace remaster;

TEST_CASE("run record: groups and temp files written down are read back") {
    TempDir d;
    run_record::open(d.path);
    run_record::add_group(::getpid());
    run_record::add_temp("/srv/out/.x.sqfs.remaster-42.tmp");
    run_record::add_temp("/srv/with\nnewline");  // cannot be one line: not recorded
    const auto e = run_record::read(d.path);
    REQUIRE(e.groups.size() == 1);
    CHECK(e.groups[0].pgid == ::getpid());
    CHECK(e.groups[0].start_time == run_record::process_start_time(::getpid()));
    CHECK(e.temps == std::vector<std::string>{"/srv/out/.x.sqfs.remaster-42.tmp"});
    run_record::close();
    CHECK(::access(run_record::file_in(d.path).c_str(), F_OK) != 0);
    run_record::add_temp("/after/close");  // nothing recorded once closed
    CHECK(run_record::read(d.path).temps.empty());
}

TEST_CASE("run record: a process's start time, 0 when it is gone") {
    CHECK(run_record::process_start_time(::getpid()) > 0);
    CHECK(run_record::process_start_time(1) <= run_record::process_start_time(::getpid()));
    CHECK(run_record::process_start_time(0x3ffffff) == 0);
}
