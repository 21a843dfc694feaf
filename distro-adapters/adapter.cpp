#include "adapter.hpp"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>

#include "error.hpp"
#include "runner.hpp"
#include "version_compare.hpp"

namespace remaster {

// dracut, the default of Fedora and of the families without their own
// tool: it names the image itself (/boot/initramfs-KVER.img on Fedora).
std::vector<std::string> Adapter::installed_initramfs(const std::string& root, const Kernel& k, bool host_only) const {
    (void)root;
    return {"dracut", "--force", "--quiet", host_only ? "--hostonly" : "--no-hostonly", "--kver", k.version};
}

std::vector<std::string> Adapter::grub_mkconfig(const std::string& root) const {
    (void)root;
    return {grub_tool("mkconfig"), "-o", grub_dir() + "/grub.cfg"};
}

std::string Adapter::grub_bios_setup(const std::string& root) const {
    return find_program(grub_tool("bios-setup"), root);
}

std::vector<std::string> module_versions(const std::string& root) {
    std::vector<std::string> versions;
    for (const char* dir : {"/usr/lib/modules", "/lib/modules"}) {
        DIR* d = ::opendir(in_root(root, dir).c_str());
        if (!d) continue;
        while (dirent* e = ::readdir(d)) {
            const std::string name = e->d_name;
            if (name == "." || name == ".." || std::find(versions.begin(), versions.end(), name) != versions.end())
                continue;
            // A leftover directory of a removed kernel has no modules.dep.
            if (exists_in(root, std::string(dir) + "/" + name + "/modules.dep") ||
                exists_in(root, std::string(dir) + "/" + name + "/kernel"))
                versions.push_back(name);
        }
        ::closedir(d);
    }
    // As the package managers order them: 6.1.0-57 after 6.1.0-9 (version_compare.hpp).
    std::sort(versions.begin(), versions.end(), newer_version);
    return versions;
}

namespace {

// The families and the os-release IDs that belong to each. The derivatives'
// own IDs are listed too: ID_LIKE usually names the parent, but not always
// (it is optional, and some respins drop it).
struct Family {
    const char* name;
    std::unique_ptr<Adapter> (*make)();
    std::vector<std::string> ids;
};

const std::vector<Family>& families() {
    static const std::vector<Family> table = {
        {"debian", make_debian_adapter, {"debian", "ubuntu", "linuxmint", "pop"}},
        {"arch", make_arch_adapter, {"arch", "manjaro", "endeavouros"}},
        {"fedora", make_fedora_adapter, {"fedora", "rhel", "rocky", "almalinux", "centos"}},
    };
    return table;
}

const Family* family_of(const std::string& id) {
    for (const auto& f : families())
        if (std::find(f.ids.begin(), f.ids.end(), id) != f.ids.end()) return &f;
    return nullptr;
}

// "debian" or "ubuntu, a derivative of debian".
std::string describe(const std::string& id, const Family& f) {
    return id == f.name ? id : id + ", a derivative of " + f.name;
}

}  // namespace

AdapterChoice choose_adapter(const OsRelease& os) {
    const std::string id = os.get("ID");
    if (const Family* f = family_of(id)) return {f->make(), "ID=" + describe(id, *f)};
    for (const auto& like : os.id_like())
        if (const Family* f = family_of(like))
            return {f->make(), "ID_LIKE contains " + describe(like, *f) + ", for ID=" + os.id()};
    std::string supported;
    for (const auto& f : families()) {
        std::string ids;
        for (const auto& i : f.ids) ids += (ids.empty() ? "" : ", ") + i;
        supported += (supported.empty() ? "" : "; ") + std::string(f.name) + " (" + ids + ")";
    }
    throw Error(Exit::bad_input,
                "The distribution '" + os.pretty_name() + "' (ID=" + os.id() +
                    (os.get("ID_LIKE").empty() ? "" : ", ID_LIKE=" + os.get("ID_LIKE")) + ") is not supported",
                "remaster supports these families and their derivatives, matched by os-release ID or ID_LIKE: " +
                    supported);
}

}  // namespace remaster

namespace remaster {

std::optional<SignedChain> chain_if_present(const std::string& root, const SignedChain& c) {
    for (const auto& f : {c.shim, c.grub, c.mok_manager})
        if (!exists_in(root, f)) return std::nullopt;
    return c;
}

}  // namespace remaster
