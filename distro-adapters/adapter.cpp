#include "adapter.hpp"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <map>

#include "error.hpp"

namespace remaster {

bool exists_in(const std::string& root, const std::string& rel) {
    struct stat st;
    return ::stat(((root == "/" ? "" : root) + rel).c_str(), &st) == 0;
}

std::vector<std::string> module_versions(const std::string& root) {
    std::vector<std::string> versions;
    for (const char* dir : {"/usr/lib/modules", "/lib/modules"}) {
        DIR* d = ::opendir(((root == "/" ? "" : root) + dir).c_str());
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
    // strverscmp orders 6.10 after 6.9, as version numbers should be.
    std::sort(versions.begin(), versions.end(),
              [](const std::string& a, const std::string& b) { return ::strverscmp(a.c_str(), b.c_str()) > 0; });
    return versions;
}

AdapterChoice choose_adapter(const OsRelease& os) {
    using Factory = std::function<std::unique_ptr<Adapter>()>;
    const std::map<std::string, Factory> families = {
        {"debian", make_debian_adapter},
    };
    auto pick = [&](const std::string& id) -> std::unique_ptr<Adapter> {
        auto it = families.find(id);
        return it == families.end() ? nullptr : it->second();
    };
    if (auto a = pick(os.id())) return {std::move(a), "ID=" + os.id()};
    for (const auto& like : os.id_like())
        if (auto a = pick(like)) return {std::move(a), "ID_LIKE contains " + like + " (ID=" + os.id() + ")"};
    std::string supported;
    for (const auto& f : families) supported += (supported.empty() ? "" : ", ") + f.first;
    throw Error(Exit::bad_input,
                "The distribution '" + os.pretty_name() + "' (ID=" + os.id() +
                    (os.get("ID_LIKE").empty() ? "" : ", ID_LIKE=" + os.get("ID_LIKE")) + ") is not supported",
                "remaster supports the " + supported +
                    " families and their derivatives (by os-release ID or ID_LIKE). Nothing was written.");
}

}  // namespace remaster
