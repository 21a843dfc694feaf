#include "stick_store.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <regex>

#include "dir_stream.hpp"
#include "error.hpp"
#include "file_copy.hpp"
#include "log.hpp"
#include "text.hpp"
#include "small_file.hpp"

namespace remaster {
namespace {

// Snapshot ids are UTC times, "20261124-233000", with "-2"... for a second
// snapshot in the same second. Nothing else in /remaster (persist/) is one.
bool is_snapshot_id(const std::string& name) {
    static const std::regex id("[0-9]{8}-[0-9]{6}(-[0-9]+)?");
    return std::regex_match(name, id);
}

std::vector<std::string> snapshot_dirs(const std::string& data_mount) {
    std::vector<std::string> ids;
    DirStream d(data_mount + "/remaster");
    if (!d) return ids;
    while (const dirent* e = d.next()) {
        const std::string name = e->d_name;
        struct stat st;
        if (is_snapshot_id(name) && ::stat((data_mount + "/remaster/" + name).c_str(), &st) == 0 && S_ISDIR(st.st_mode))
            ids.push_back(name);
    }
    std::sort(ids.rbegin(), ids.rend());
    return ids;
}

bool is_our_temp_file(const std::string& name) {
    return name.size() > 5 && name[0] == '.' && name.compare(name.size() - 4, 4, ".tmp") == 0 &&
           name.find(".remaster-") != std::string::npos;
}

}  // namespace

std::string SnapshotInfo::get(const std::string& key, const std::string& fallback) const {
    auto it = fields.find(key);
    return it == fields.end() ? fallback : it->second;
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

std::vector<SnapshotInfo> list_snapshots(const std::string& data_mount) {
    std::vector<SnapshotInfo> out;
    for (const auto& id : snapshot_dirs(data_mount)) {
        const auto text = read_small_file(data_mount + "/remaster/" + id + "/snapshot.info",
                                          {kConfigMax, false, "", Exit::failure});
        if (!text) continue;  // unfinished: see list_unfinished_snapshots
        out.push_back(parse_snapshot_info(id, *text));
    }
    return out;
}

void remove_snapshot(const std::string& data_mount, const std::string& id) {
    const std::string dir = data_mount + "/remaster/" + id;
    // snapshot.info goes first: from then on the snapshot is incomplete, not broken.
    for (const char* f : {"snapshot.info", "filesystem.squashfs", "vmlinuz", "initrd.img", "SHA256SUMS", "manifest"})
        if (::unlink((dir + "/" + f).c_str()) != 0 && errno != ENOENT) throw_errno("remove '" + dir + "/" + f + "'", errno);
    DirStream d(dir);
    while (const dirent* e = d.next())
        if (is_our_temp_file(e->d_name)) ::unlink((dir + "/" + e->d_name).c_str());
    if (::rmdir(dir.c_str()) != 0 && errno != ENOENT)
        log::warn() << "left '" << dir << "' on the stick: it holds files remaster did not write";
}

std::vector<std::string> list_unfinished_snapshots(const std::string& data_mount) {
    std::vector<std::string> out;
    for (const auto& id : snapshot_dirs(data_mount)) {
        struct stat st;
        if (::lstat((data_mount + "/remaster/" + id + "/snapshot.info").c_str(), &st) != 0 && errno == ENOENT)
            out.push_back(id);
    }
    return out;
}

std::vector<std::string> remove_incomplete_snapshots(const std::string& data_mount) {
    const std::vector<std::string> unfinished = list_unfinished_snapshots(data_mount);
    for (const auto& id : unfinished) remove_snapshot(data_mount, id);
    return unfinished;
}

void write_snapshot_info(const std::string& data_mount, const SnapshotInfo& info) {
    const std::string text = format_snapshot_info(info);
    ::sync();  // the snapshot's files reach the stick before it is declared complete
    write_file_atomic(data_mount + "/remaster/" + info.id + "/snapshot.info", text);
}

SnapshotGuard::~SnapshotGuard() {
    if (id_.empty()) return;
    try {
        remove_snapshot(mount_, id_);
    } catch (const std::exception& e) {
        log::warn() << "could not remove the unfinished snapshot " << id_ << ": " << e.what()
                    << " (the next run removes it)";
    }
}

}  // namespace remaster
