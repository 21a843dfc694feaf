#pragma once

#include <string>

namespace remaster {

// Where our dracut module and GRUB templates are: $REMASTER_DATA_DIR, the
// installed share/remaster, or the source tree when run from a build.
std::string data_dir();

}  // namespace remaster
