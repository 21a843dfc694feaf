#include "data_dir.hpp"

#include <sys/stat.h>

#include <cstdlib>

#include "error.hpp"

namespace remaster {

std::string data_dir() {
    auto has_files = [](const std::string& d) {
        struct stat st;
        return ::stat((d + "/grub.d/grub.cfg.in").c_str(), &st) == 0 &&
               ::stat((d + "/dracut-module/module-setup.sh").c_str(), &st) == 0;
    };
    const char* env = ::getenv("REMASTER_DATA_DIR");
    for (std::string d : {std::string(env ? env : ""), std::string(REMASTER_INSTALLED_DATADIR),
                          std::string(REMASTER_SOURCE_DIR)})
        if (!d.empty() && has_files(d)) return d;
    throw Error(Exit::missing, "remaster's dracut module and GRUB templates were not found",
                "Reinstall remaster, or set REMASTER_DATA_DIR to the directory holding dracut-module/ and grub.d/.");
}

}  // namespace remaster
