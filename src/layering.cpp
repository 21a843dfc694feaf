#include "layering.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <sstream>

#include "checksum.hpp"
#include "dir_stream.hpp"
#include "small_file.hpp"

namespace remaster {
namespace {

uint64_t number(const SnapshotInfo& s, const std::string& key) {
    try {
        return std::stoull(s.get(key));
    } catch (const std::exception&) {
        return 0;
    }
}

}  // namespace

std::vector<std::string> layers_of(const SnapshotInfo& s) {
    std::vector<std::string> out;
    std::istringstream in(s.get("layers"));
    for (std::string id; in >> id;) out.push_back(id);
    const bool damaged = std::any_of(out.begin(), out.end(), [](const std::string& id) { return !is_snapshot_id(id); });
    if (out.empty() || out.back() != s.id || damaged) out = {s.id};  // missing or damaged: only itself
    return out;
}

LayerChoice choose_parent(const std::vector<SnapshotInfo>& snaps, const std::string& system, bool force_full,
                          bool parent_has_manifest) {
    LayerChoice c;
    if (force_full) {
        c.why = "--full asks for a fresh base";
        return c;
    }
    if (snaps.empty()) {
        c.why = "the stick holds no snapshot yet";
        return c;
    }
    const SnapshotInfo& newest = snaps.front();
    if (newest.get("system") != system) {
        c.why = "the newest snapshot on the stick (" + newest.id + ") is of another system";
        return c;
    }
    if (!parent_has_manifest) {
        c.why = "the newest snapshot (" + newest.id + ") has no file manifest to compare with";
        return c;
    }
    const auto layers = layers_of(newest);
    // Every layer below must still be there, complete.
    for (const auto& id : layers)
        if (std::none_of(snaps.begin(), snaps.end(), [&](const SnapshotInfo& s) { return s.id == id; })) {
            c.why = "a layer of the newest snapshot (" + id + ") is missing";
            return c;
        }
    if (layers.size() >= kMaxLayers) {
        c.why = "the newest snapshot already stacks " + std::to_string(layers.size()) + " layers (at most " +
                std::to_string(kMaxLayers) + ")";
        return c;
    }
    c.delta = true;
    c.parent = newest.id;
    c.layers = layers;
    return c;
}

bool deltas_too_large(const std::vector<SnapshotInfo>& stack, uint64_t new_layer_data) {
    if (stack.empty()) return false;
    const uint64_t base = number(stack.front(), "layer_data");
    uint64_t above = new_layer_data;
    for (size_t i = 1; i < stack.size(); ++i) above += number(stack[i], "layer_data");
    return static_cast<double>(above) > kMaxDeltaShare * static_cast<double>(base);
}

std::string system_id(const std::string& root, const std::string& os_id) {
    // Only a plain file counts (a FIFO or device there must not hang us);
    // whatever else is there says nothing about the system, as a missing one.
    std::string machine;
    try {
        machine = read_small_file(root + "/etc/machine-id", {4096, false, "", Exit::bad_input}).value_or("");
    } catch (const Error&) {
    }
    while (!machine.empty() && (machine.back() == '\n' || machine.back() == ' ')) machine.pop_back();
    // A missing or uninitialized machine-id (images, chroots) says nothing:
    // the root's path stands in for it.
    if (machine.size() != 32 || machine == "uninitialized") machine = "path:" + root;
    Sha256 h;
    const std::string text = os_id + "\n" + machine;
    h.update(text.data(), text.size());
    return h.hex().substr(0, 16);
}

const std::vector<std::string>& initramfs_inputs() {
    static const std::vector<std::string> paths = {
        "/boot", "/usr/lib/modules", "/lib/modules", "/usr/lib/firmware", "/lib/firmware",
        // Programs and libraries: on merged-/usr systems /bin, /lib... are links.
        "/usr/bin", "/usr/sbin", "/usr/lib", "/usr/lib64", "/usr/libexec", "/bin", "/sbin", "/lib", "/lib64",
        "/usr/share/kbd", "/usr/share/consolefonts", "/usr/share/keymaps", "/usr/share/plymouth",
        "/etc/dracut.conf", "/etc/dracut.conf.d", "/etc/modprobe.d", "/etc/modules-load.d", "/etc/udev",
        "/etc/systemd", "/etc/sysctl.conf", "/etc/sysctl.d", "/etc/ld.so.conf", "/etc/ld.so.conf.d",
        "/etc/ld.so.cache", "/etc/os-release", "/etc/vconsole.conf", "/etc/locale.conf", "/etc/default/keyboard",
        "/etc/default/console-setup", "/etc/console-setup", "/etc/cmdline.d", "/etc/kernel", "/etc/lvm",
        "/etc/mdadm", "/etc/multipath", "/etc/plymouth", "/etc/passwd", "/etc/group", "/etc/nsswitch.conf",
        "/etc/selinux",
        // A netboot initramfs carries the CA bundle for curl's https
        // (dracut-module/module-setup.sh): a changed bundle is a new image.
        "/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt", "/etc/pki/ca-trust/extracted/pem"};
    return paths;
}

std::string initramfs_fingerprint(const FileManifest& m, const std::string& kernel_version,
                                  const std::string& dracut_module_dir,
                                  const std::map<std::string, std::string>& scrubbed) {
    Sha256 h;
    const std::string files = fingerprint(m, initramfs_inputs(), scrubbed) + "\n" + kernel_version + "\n";
    h.update(files.data(), files.size());
    std::vector<std::string> names;
    DirStream d(dracut_module_dir);
    while (const dirent* e = d.next())
        if (e->d_name[0] != '.') names.push_back(e->d_name);
    std::sort(names.begin(), names.end());
    for (const auto& n : names) {
        struct stat st;
        if (::stat((dracut_module_dir + "/" + n).c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
        const std::string line = n + " " + sha256_file(dracut_module_dir + "/" + n) + " " + std::to_string(st.st_mode & 0777) + "\n";
        h.update(line.data(), line.size());
    }
    return h.hex();
}

}  // namespace remaster
