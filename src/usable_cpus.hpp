#pragma once

namespace remaster {

// The CPUs this process may run on (taskset, cgroup cpusets), not all the
// machine has: a run confined to two CPUs that starts a thread per CPU of
// the machine only makes its threads take turns.
unsigned usable_cpus();

}  // namespace remaster
