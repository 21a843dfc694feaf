// When a stick takes the server's snapshot (remaster update): only a later
// snapshot of the same system. "Later" is read from the two snapshot ids,
// never from this machine's clock, which may be wrong on a machine that
// boots from a stick; the ids are the times their snapshots were taken on
// the machine that took them.
#pragma once

#include <string>

#include "stick_store.hpp"

namespace remaster {

// <0, 0, >0 as `a` is earlier than, the same as, or later than `b`, both
// snapshot ids (is_snapshot_id): by date, time, then the "-N" suffix of a
// second snapshot in the same second, compared as a number (none counts 1).
int compare_snapshot_ids(const std::string& a, const std::string& b);

struct UpdateDecision {
    enum class Verdict {
        newer,         // write it onto the stick
        up_to_date,    // the same snapshot or an older one: nothing to do
        other_system,  // another system's snapshot: refused
        malformed      // an id or a system identity missing or not well-formed: refused
    };
    Verdict verdict;
    std::string reason;  // one line, for the user
};

// `stick`: the stick's newest complete snapshot (its id is its directory's
// name); `server`: the server's snapshot.info (its id from the id= field).
UpdateDecision decide_update(const SnapshotInfo& stick, const SnapshotInfo& server);

}  // namespace remaster
