#include "kernel_modules.hpp"

#include <libkmod.h>

#include <memory>

#include "error.hpp"
#include "paths.hpp"

namespace remaster {
namespace {
struct CtxDeleter {
    void operator()(kmod_ctx* c) const noexcept { kmod_unref(c); }
};
struct ListDeleter {
    void operator()(kmod_list* l) const noexcept { kmod_module_unref_list(l); }
};
}  // namespace

const std::vector<std::string>& live_boot_modules() {
    static const std::vector<std::string> mods = {"squashfs", "overlay", "loop", "ext4", "vfat"};
    return mods;
}

std::vector<std::string> missing_kernel_modules(const std::string& root, const std::string& version,
                                                const std::vector<std::string>& wanted) {
    std::string dir = in_root(root, "/usr/lib/modules/" + version);
    if (!exists_in(root, "/usr/lib/modules/" + version)) dir = in_root(root, "/lib/modules/" + version);
    // No config: we only look modules up, we never load them.
    std::unique_ptr<kmod_ctx, CtxDeleter> ctx(kmod_new(dir.c_str(), nullptr));
    if (!ctx) throw Error(Exit::failure, "Failed to read the kernel modules in '" + dir + "'");
    std::vector<std::string> missing;
    for (const auto& name : wanted) {
        kmod_list* raw = nullptr;
        const int rc = kmod_module_new_from_lookup(ctx.get(), name.c_str(), &raw);
        std::unique_ptr<kmod_list, ListDeleter> list(raw);
        bool found = false;
        if (rc == 0) {
            kmod_list* it;
            kmod_list_foreach(it, list.get()) {
                kmod_module* mod = kmod_module_get_module(it);
                // The lookup finds built-in modules through modules.builtin;
                // they have no path. Others must have their file.
                const char* path = kmod_module_get_path(mod);
                if (!path || exists_in("/", path)) found = true;
                kmod_module_unref(mod);
            }
        }
        if (!found) missing.push_back(name);
    }
    return missing;
}

}  // namespace remaster
