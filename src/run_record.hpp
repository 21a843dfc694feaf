// What a run writes down, in its runtime directory, for the recovery of the
// next run should it be killed (kill -9 leaves no chance to clean up): the
// process groups of the commands it started, and the temporary files it is
// about to create. One line per entry, appended with one write(2):
//   group PGID STARTTIME     (STARTTIME from /proc/PGID/stat, to tell a reused pid)
//   temp PATH
// Recovery trusts nothing here blindly: it kills a group only if its leader
// is still the process we started, and removes a temp file only if its name
// is our temporary name with the dead run's pid.
#pragma once

#include <string>
#include <sys/types.h>
#include <vector>

namespace remaster {
namespace run_record {

// The record of this process lives in `runtime_dir` from now on (RuntimeDir
// calls it); until then, and after close(), nothing is recorded.
void open(const std::string& runtime_dir);
// Removes the record file (the run ended normally).
void close();

void add_group(pid_t pgid);
void add_temp(const std::string& path);

// The file name below a runtime directory.
std::string file_in(const std::string& runtime_dir);

struct Group {
    pid_t pgid = 0;
    unsigned long long start_time = 0;
};
struct Entries {
    std::vector<Group> groups;
    std::vector<std::string> temps;
};
Entries read(const std::string& runtime_dir);

// Field 22 of /proc/PID/stat (clock ticks since boot); 0 when gone.
unsigned long long process_start_time(pid_t pid);

}  // namespace run_record
}  // namespace remaster
