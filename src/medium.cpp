#include "medium.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <ctime>
#include <regex>

#include "dir_stream.hpp"
#include "error.hpp"
#include "mount.hpp"

namespace remaster {
namespace {

constexpr const char* kSnapshotsDir = "/remaster";

bool is_dir(const std::string& path) {
    struct stat st;
    return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

}  // namespace

SnapshotDir::SnapshotDir(std::string medium_root, std::string id) : root_(std::move(medium_root)), id_(std::move(id)) {
    if (!is_snapshot_id(id_)) throw Error(Exit::bad_input, "'" + id_ + "' is not a snapshot id (e.g. 20261124-233000)");
}

SnapshotDir SnapshotDir::flat(std::string dir, std::string id) {
    SnapshotDir d(std::move(dir), std::move(id));
    d.flat_ = true;
    return d;
}

std::string SnapshotDir::path() const { return flat_ ? root_ : root_ + kSnapshotsDir + "/" + id_; }

const std::vector<std::string>& NetbootDir::all_files() {
    static const std::vector<std::string> files = {SnapshotDir::kInfo, SnapshotDir::kImage, SnapshotDir::kKernel,
                                                   SnapshotDir::kInitrd, SnapshotDir::kSums, kSignature, kIpxe,
                                                   kGrubCfg};
    return files;
}

namespace {
constexpr const char* kOtherKernelPrefix = "vmlinuz-";
constexpr const char* kOtherInitrdPrefix = "initrd.img-";

std::string checked_version(const std::string& version) {
    if (!SnapshotDir::valid_kernel_version(version))
        throw Error(Exit::bad_input, "The kernel version '" + printable(version) +
                                         "' cannot name a file and a menu entry on the stick (letters, digits, . _ + -)");
    return version;
}
}  // namespace

std::string SnapshotDir::kernel_name(const std::string& version) { return kOtherKernelPrefix + checked_version(version); }
std::string SnapshotDir::initrd_name(const std::string& version) { return kOtherInitrdPrefix + checked_version(version); }

bool SnapshotDir::valid_kernel_version(const std::string& version) {
    static const std::regex ok("[A-Za-z0-9][A-Za-z0-9._+-]{0,99}");
    return std::regex_match(version, ok);
}

bool SnapshotDir::is_other_kernel_file(const std::string& name) {
    for (const std::string prefix : {kOtherKernelPrefix, kOtherInitrdPrefix})
        if (name.compare(0, prefix.size(), prefix) == 0 && valid_kernel_version(name.substr(prefix.size())))
            return true;
    return false;
}

std::vector<std::string> SnapshotDir::summed_files(const std::vector<std::string>& other_kernels) {
    std::vector<std::string> files = {kImage, kKernel, kInitrd};
    for (const auto& v : other_kernels) {
        files.push_back(kernel_name(v));
        files.push_back(initrd_name(v));
    }
    return files;
}

const std::vector<std::string>& SnapshotDir::boot_files() {
    static const std::vector<std::string> files = {kKernel, kInitrd};
    return files;
}

const std::vector<std::string>& SnapshotDir::all_files() {
    static const std::vector<std::string> files = {kInfo, kImage, kKernel, kInitrd, kSums, kManifest};
    return files;
}

std::string Medium::snapshots_dir() const { return root_ + kSnapshotsDir; }
std::string Medium::persist_dir() const { return snapshots_dir() + "/persist"; }
std::string Medium::profile_dir(const std::string& name) const { return persist_dir() + "/" + name; }
std::string Medium::conf_file() const { return snapshots_dir() + "/stick.conf"; }
std::string Medium::grub_dir() const { return root_ + kGrubDir; }
std::string Medium::grub_cfg() const { return grub_dir() + "/grub.cfg"; }
std::string Medium::grubenv() const { return grub_dir() + "/grubenv"; }
std::string Medium::loopback_cfg() const { return grub_dir() + "/loopback.cfg"; }

std::vector<std::string> Medium::snapshot_ids() const {
    std::vector<std::string> ids;
    DirStream d(snapshots_dir());
    while (const dirent* e = d.next()) {
        const std::string name = e->d_name;
        if (is_snapshot_id(name) && is_dir(snapshots_dir() + "/" + name)) ids.push_back(name);
    }
    std::sort(ids.rbegin(), ids.rend());
    return ids;
}

std::string Medium::unused_snapshot_id(const std::string& planned) const {
    std::string id = planned;
    struct stat st;
    for (int n = 2; ::stat(snapshot(id).path().c_str(), &st) == 0; ++n) id = planned + "-" + std::to_string(n);
    return id;
}

SnapshotDir Medium::make_snapshot_dir(const std::string& id) const {
    make_dirs(grub_dir(), 0755);
    SnapshotDir dir = snapshot(id);
    make_dirs(dir.path(), 0755);
    return dir;
}

std::string new_snapshot_id() {
    char buf[32];
    std::time_t t = std::time(nullptr);
    std::strftime(buf, sizeof buf, "%Y%m%d-%H%M%S", std::gmtime(&t));
    return buf;
}

// Nothing else in /remaster (persist/, stick.conf) looks like one.
bool is_snapshot_id(const std::string& name) {
    static const std::regex id("[0-9]{8}-[0-9]{6}(-[0-9]+)?");
    return std::regex_match(name, id);
}

}  // namespace remaster
