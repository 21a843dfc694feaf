#include "live_system.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "medium.hpp"

namespace remaster {
namespace {

// The last path component: rd.remaster.dir and its layers name snapshot
// directories from the medium's root, and the medium hands them out by id.
std::string id_of(const std::string& dir) { return dir.substr(dir.rfind('/') + 1); }

std::vector<std::string> split_commas(const std::string& s) {
    std::vector<std::string> out;
    std::stringstream in(s);
    for (std::string part; std::getline(in, part, ',');)
        if (!part.empty()) out.push_back(part);
    return out;
}

bool mounted_at(const std::vector<MountEntry>& mounts, const std::string& path) {
    return std::any_of(mounts.begin(), mounts.end(), [&](const MountEntry& m) { return m.target == path; });
}

}  // namespace

std::optional<LiveBoot> parse_live_boot(const std::string& cmdline) {
    std::string root, dir, layers;
    std::istringstream words(cmdline);
    for (std::string w; words >> w;) {
        const auto eq = w.find('=');
        const std::string key = w.substr(0, eq), value = eq == std::string::npos ? "" : w.substr(eq + 1);
        if (key == "root") root = value;
        if (key == "rd.remaster.dir") dir = value;
        if (key == "rd.remaster.layers") layers = value;
    }
    if (root != "remaster" || id_of(dir).empty()) return std::nullopt;
    LiveBoot b;
    b.snapshot = id_of(dir);
    for (const auto& l : split_commas(layers)) b.layers.push_back(id_of(l));
    return b;
}

std::optional<LiveBoot> running_live_boot() {
    // The kernel's own file (its size reads as 0, so not read_small_file).
    std::ifstream f("/proc/cmdline");
    std::string line;
    return std::getline(f, line) ? parse_live_boot(line) : std::nullopt;
}

const std::vector<std::string>& live_only_dirs() {
    static const std::vector<std::string> dirs = {"proc", "sys", "dev", "run", "tmp"};
    return dirs;
}

std::vector<std::string> live_layer_images(const LiveBoot& boot, const std::vector<MountEntry>& mounts,
                                           Problems& problems, const std::string& run_dir) {
    // Top first as the command line lists them; index 0 is rd.remaster.dir.
    std::vector<std::string> ids = {boot.snapshot};
    ids.insert(ids.end(), boot.layers.begin(), boot.layers.end());
    std::vector<std::string> images;
    if (mounted_at(mounts, run_dir + "/ram")) {
        // The initramfs's names for the copies: the top as the image's own
        // name, layer i as i.squashfs (remaster_ram_image).
        for (size_t i = 0; i < ids.size(); ++i)
            images.push_back(run_dir + "/ram/" + (i == 0 ? SnapshotDir::kImage : std::to_string(i) + ".squashfs"));
    } else if (mounted_at(mounts, run_dir + "/medium")) {
        const Medium medium(run_dir + "/medium");
        for (const auto& id : ids) images.push_back(medium.snapshot(id).image());
    } else {
        problems.push_back("--pristine: the live system's layers cannot be found: neither " + run_dir + "/ram nor " +
                           run_dir + "/medium is mounted (was the stick unmounted?)");
        return {};
    }
    std::reverse(images.begin(), images.end());
    return images;
}

}  // namespace remaster
