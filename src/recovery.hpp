// After a run was killed (kill -9, power loss of the host is moot), the next
// run cleans up what it left: the processes it started that still run (see
// run_record.hpp), mounts below its runtime directory /run/remaster/<pid>,
// loop devices tagged with its pid, its temporary image and output files,
// and the directories themselves. What it cannot clean it names,
// with the command to do it by hand.
#pragma once

namespace remaster {

// Cleans the leftovers of every dead run; returns how many runs it found.
int recover_stale_runs();

}  // namespace remaster
