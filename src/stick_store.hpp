// The snapshots on a medium (layout: medium.hpp). A snapshot directory
// without snapshot.info, written last, is an interrupted run: it is never in
// the menu, and the next run removes it. Only files we name are ever
// removed, one by one, never a recursive delete.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "medium.hpp"

namespace remaster {

struct SnapshotInfo {
    std::string id;  // directory name, "20261124-233000" (UTC), sorts by time
    std::map<std::string, std::string> fields;  // os, kernel, created, ...
    std::string get(const std::string& key, const std::string& fallback = "") const;
};

// The snapshot's kernels besides the default one ("kernel"), newest first:
// the other_kernels field, versions SnapshotDir cannot name left out.
std::vector<std::string> other_kernels(const SnapshotInfo& info);
// That field for `versions`.
std::string format_other_kernels(const std::vector<std::string>& versions);

// "20261124-235247" -> "2026-11-24 23:52 UTC"
std::string readable_snapshot_time(const std::string& id);

// snapshot.info is KEY=value lines; others are ignored.
SnapshotInfo parse_snapshot_info(const std::string& id, const std::string& text);
std::string format_snapshot_info(const SnapshotInfo& info);

// Complete snapshots on the medium, newest first.
std::vector<SnapshotInfo> list_snapshots(const Medium& medium);

// Ids of the directories left by interrupted runs (no snapshot.info), newest first.
std::vector<std::string> list_unfinished_snapshots(const Medium& medium);

// Removes directories left by interrupted runs; returns their ids.
std::vector<std::string> remove_incomplete_snapshots(const Medium& medium);

// Removes one snapshot's files and directory.
void remove_snapshot(const SnapshotDir& dir);

// Marks the snapshot info.id complete (after its files are synced).
void write_snapshot_info(const Medium& medium, const SnapshotInfo& info);

// Undoes a snapshot being written unless dismissed: an interrupted or failed
// run leaves the stick as it was.
class SnapshotGuard {
public:
    explicit SnapshotGuard(SnapshotDir dir) : dir_(std::move(dir)) {}
    SnapshotGuard(const SnapshotGuard&) = delete;
    SnapshotGuard& operator=(const SnapshotGuard&) = delete;
    ~SnapshotGuard();
    void dismiss() { armed_ = false; }

private:
    SnapshotDir dir_;
    bool armed_ = true;
};

}  // namespace remaster
