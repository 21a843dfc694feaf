#include "stick_store.hpp"

#include <optional>

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <sstream>

#include "dir_stream.hpp"
#include "error.hpp"
#include "file_copy.hpp"
#include "log.hpp"
#include "small_file.hpp"
#include "text.hpp"

namespace remaster {
namespace {

bool is_our_temp_file(const std::string& name) {
    return name.size() > 5 && name[0] == '.' && name.compare(name.size() - 4, 4, ".tmp") == 0 &&
           name.find(".remaster-") != std::string::npos;
}

}  // namespace

std::string SnapshotInfo::get(const std::string& key, const std::string& fallback) const {
    auto it = fields.find(key);
    return it == fields.end() ? fallback : it->second;
}

std::vector<std::string> other_kernels(const SnapshotInfo& info) {
    std::vector<std::string> out;
    std::istringstream words(info.get("other_kernels"));
    for (std::string v; words >> v;)
        if (SnapshotDir::valid_kernel_version(v)) out.push_back(v);
    return out;
}

std::string format_other_kernels(const std::vector<std::string>& versions) {
    std::string out;
    for (const auto& v : versions) out += (out.empty() ? "" : " ") + v;
    return out;
}

std::string readable_snapshot_time(const std::string& id) {
    if (id.size() < 15) return id;
    return id.substr(0, 4) + "-" + id.substr(4, 2) + "-" + id.substr(6, 2) + " " + id.substr(9, 2) + ":" +
           id.substr(11, 2) + " UTC";
}

SnapshotInfo parse_snapshot_info(const std::string& id, const std::string& text) {
    SnapshotInfo info{id, {}};
    for (const std::string& line : split_lines(text)) {
        const size_t eq = line.find('=');
        if (eq != std::string::npos && eq > 0) info.fields[line.substr(0, eq)] = line.substr(eq + 1);
    }
    return info;
}

std::string format_snapshot_info(const SnapshotInfo& info) {
    std::string text;
    for (const auto& [k, v] : info.fields) {
        // One line per field, whatever a value holds.
        std::string clean = v;
        for (auto& c : clean)
            if (c == '\n' || c == '\r') c = ' ';
        text += k + "=" + clean + "\n";
    }
    return text;
}

std::vector<SnapshotInfo> list_snapshots(const Medium& medium) {
    std::vector<SnapshotInfo> out;
    for (const auto& id : medium.snapshot_ids()) {
        std::optional<std::string> text;
        try {
            text = read_small_file(medium.snapshot(id).info(), {kConfigMax, false, "", Exit::failure});
        } catch (const Error& e) {
            // A stick whose device failed under a run can hold a directory
            // its filesystem can no longer read (I/O errors, a block with a
            // bad checksum). The other snapshots are still good: this one is
            // left out, and said so, rather than every command failing.
            log::warn() << "the snapshot " << id << " cannot be read (" << e.what()
                        << "): left out; the stick's filesystem may be damaged there (`remaster remove` it, or e2fsck)";
            continue;
        }
        if (!text) continue;  // unfinished: see list_unfinished_snapshots
        out.push_back(parse_snapshot_info(id, *text));
    }
    return out;
}

void remove_snapshot(const SnapshotDir& snap) {
    const std::string dir = snap.path();
    // snapshot.info goes first: from then on the snapshot is incomplete, not broken.
    for (const auto& f : SnapshotDir::all_files())
        if (::unlink(snap.file(f).c_str()) != 0 && errno != ENOENT) throw_errno("remove '" + snap.file(f) + "'", errno);
    // The other kernels' files, whatever snapshot.info said (it is gone now,
    // or was never written), and what an interrupted write left.
    DirStream d(dir);
    while (const dirent* e = d.next()) {
        const std::string f = snap.file(e->d_name);
        if (SnapshotDir::is_other_kernel_file(e->d_name) && ::unlink(f.c_str()) != 0 && errno != ENOENT)
            throw_errno("remove '" + f + "'", errno);
        if (is_our_temp_file(e->d_name)) ::unlink(f.c_str());
    }
    if (::rmdir(dir.c_str()) != 0 && errno != ENOENT)
        log::warn() << "left '" << dir << "' on the stick: it holds files remaster did not write";
}

std::vector<std::string> list_unfinished_snapshots(const Medium& medium) {
    std::vector<std::string> out;
    for (const auto& id : medium.snapshot_ids()) {
        struct stat st;
        if (::lstat(medium.snapshot(id).info().c_str(), &st) != 0 && errno == ENOENT) out.push_back(id);
    }
    return out;
}

std::vector<std::string> remove_incomplete_snapshots(const Medium& medium) {
    const std::vector<std::string> unfinished = list_unfinished_snapshots(medium);
    for (const auto& id : unfinished) remove_snapshot(medium.snapshot(id));
    return unfinished;
}

void write_snapshot_info(const Medium& medium, const SnapshotInfo& info) {
    const std::string text = format_snapshot_info(info);
    ::sync();  // the snapshot's files reach the stick before it is declared complete
    write_file_atomic(medium.snapshot(info.id).info(), text);
}

SnapshotGuard::~SnapshotGuard() {
    if (!armed_) return;
    try {
        remove_snapshot(dir_);
    } catch (const std::exception& e) {
        log::warn() << "could not remove the unfinished snapshot " << dir_.id() << ": " << e.what()
                    << " (the next run removes it)";
    }
}

}  // namespace remaster
