// Snapshots on the stick's data partition: /remaster/<id>/ holds
// filesystem.squashfs, vmlinuz, initrd.img and, written last, snapshot.info.
// A directory without snapshot.info is an interrupted run: it is never in the
// menu, and the next run removes it. Only files we name are ever removed,
// one by one, never a recursive delete.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace remaster {

struct SnapshotInfo {
    std::string id;  // directory name, "20261124-233000" (UTC), sorts by time
    std::map<std::string, std::string> fields;  // os, kernel, created, ...
    std::string get(const std::string& key, const std::string& fallback = "") const;
};

// "20261124-235247" -> "2026-11-24 23:52 UTC"
std::string readable_snapshot_time(const std::string& id);

// snapshot.info is KEY=value lines; others are ignored.
SnapshotInfo parse_snapshot_info(const std::string& id, const std::string& text);
std::string format_snapshot_info(const SnapshotInfo& info);

// Complete snapshots on the mounted data partition, newest first.
std::vector<SnapshotInfo> list_snapshots(const std::string& data_mount);

// Ids of the directories left by interrupted runs (no snapshot.info), newest first.
std::vector<std::string> list_unfinished_snapshots(const std::string& data_mount);

// Removes directories left by interrupted runs; returns their ids.
std::vector<std::string> remove_incomplete_snapshots(const std::string& data_mount);

// Removes one snapshot's files and directory.
void remove_snapshot(const std::string& data_mount, const std::string& id);

// Marks a snapshot complete (after its files are synced).
void write_snapshot_info(const std::string& data_mount, const SnapshotInfo& info);

// Undoes a snapshot being written unless dismissed: an interrupted or failed
// run leaves the stick as it was.
class SnapshotGuard {
public:
    SnapshotGuard(std::string data_mount, std::string id) : mount_(std::move(data_mount)), id_(std::move(id)) {}
    SnapshotGuard(const SnapshotGuard&) = delete;
    SnapshotGuard& operator=(const SnapshotGuard&) = delete;
    ~SnapshotGuard();
    void dismiss() { id_.clear(); }

private:
    std::string mount_, id_;
};

}  // namespace remaster
