#include "remaster_bundle.hpp"

#include <link.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "data_dir.hpp"
#include "dir_stream.hpp"
#include "error.hpp"
#include "runner.hpp"

namespace remaster {
namespace {

std::string base_name(const std::string& p) { return p.substr(p.rfind('/') + 1); }

int add_object(struct dl_phdr_info* info, size_t, void* data) {
    auto* out = static_cast<std::vector<std::string>*>(data);
    // The main program has no name here, the vDSO no file.
    const std::string name = info->dlpi_name ? info->dlpi_name : "";
    if (!name.empty() && name[0] == '/') out->push_back(name);
    return 0;
}

// The regular files below `dir` (relative names, sorted: a stable plan).
void files_below(const std::string& dir, const std::string& rel, std::vector<std::string>& out) {
    DirStream s(dir + rel);
    while (const dirent* e = s.next()) {
        const std::string name = e->d_name;
        if (name == "." || name == "..") continue;
        struct stat st;
        if (::stat((dir + rel + "/" + name).c_str(), &st) != 0) continue;
        if (S_ISDIR(st.st_mode)) files_below(dir, rel + "/" + name, out);
        if (S_ISREG(st.st_mode)) out.push_back(rel + "/" + name);
    }
}

bool is_loader(const std::string& path) { return base_name(path).rfind("ld-linux", 0) == 0; }

}  // namespace

BundleInputs running_bundle_inputs() {
    BundleInputs in;
    char buf[4096];
    const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf);
    if (n > 0) in.binary.assign(buf, static_cast<size_t>(n));
    ::dl_iterate_phdr(add_object, &in.libraries);
    try {
        in.data_dir = data_dir();
    } catch (const Error&) {
        // Without its data the copy could not make a stick: none is bundled.
    }
    return in;
}

std::string bundle_wrapper(const std::string& loader) {
    const std::string dir = kBundleDir;
    return "#!/bin/sh\n"
           "# remaster, bundled into this live system by `remaster snapshot` (its root had no\n"
           "# remaster): the binary runs on its own libraries and loader, whatever glibc this\n"
           "# root has. Commands it starts use the root's own.\n"
           "REMASTER_DATA_DIR=" + dir + "/share\n"
           "export REMASTER_DATA_DIR\n"
           "exec " + dir + "/lib/" + loader + " --library-path " + dir + "/lib " + dir + "/bin/remaster \"$@\"\n";
}

std::vector<ScrubAction> plan_remaster_bundle(const std::string& root, const BundleInputs& in) {
    if (!find_program("remaster", root).empty() || in.binary.empty() || in.data_dir.empty()) return {};
    const auto loader = std::find_if(in.libraries.begin(), in.libraries.end(), is_loader);
    if (loader == in.libraries.end()) return {};
    using K = ScrubAction::Kind;
    const std::string why = "remaster for the live system (install); its root has none";
    const std::string dir = kBundleDir;
    std::vector<ScrubAction> acts;
    acts.push_back({K::copy_file, dir + "/bin/remaster", in.binary, why, 0755, in.binary});
    std::vector<std::string> seen;
    for (const auto& lib : in.libraries) {
        const std::string name = base_name(lib);
        if (std::find(seen.begin(), seen.end(), name) != seen.end()) continue;
        seen.push_back(name);
        acts.push_back({K::copy_file, dir + "/lib/" + name, lib, why, 0755, lib});
    }
    std::vector<std::string> data;
    for (const char* sub : {"/dracut-module", "/grub.d"}) files_below(in.data_dir, sub, data);
    std::sort(data.begin(), data.end());
    for (const auto& f : data) {
        struct stat st;
        const mode_t mode = ::stat((in.data_dir + f).c_str(), &st) == 0 ? st.st_mode & 0755 : 0644;
        acts.push_back({K::copy_file, dir + "/share" + f, in.data_dir + f, why, mode, in.data_dir + f});
    }
    acts.push_back({K::write_file, kBundleWrapper, bundle_wrapper(base_name(*loader)), why, 0755, in.binary});
    return acts;
}

}  // namespace remaster
