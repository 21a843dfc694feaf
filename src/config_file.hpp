// /etc/remaster.conf: defaults for `remaster snapshot` that a system keeps
// once, read after the command line, which overrides them. Lines are
// `key = value`; blank lines and lines starting with # are ignored. An
// unknown key or a bad value is an error naming the file and line.
//
//   compress = zstd:9              --compress
//   exclude = /home/*/Videos       --exclude (repeatable; the command line's add to these)
//   kernel-args = quiet splash     --kernel-args
//   default-boot = persist         --default-boot (sticks only: other outputs ignore it)
//   cache-dir = /var/cache/remaster/initramfs   --cache-dir
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "options.hpp"

namespace remaster {

// The file read when REMASTER_CONFIG does not name another one.
constexpr const char* kConfigFile = "/etc/remaster.conf";

struct ConfigDefaults {
    std::string path;  // where they came from, for messages
    std::optional<std::string> compress, kernel_args, default_boot, cache_dir;
    std::vector<std::string> excludes;
};

// The settings in `text`, checked; `path` names the file in errors
// ("PATH:LINE: ..."). Throws Error(Exit::bad_input).
ConfigDefaults parse_config(const std::string& text, const std::string& path);

// REMASTER_CONFIG, else kConfigFile. A file that does not exist gives no
// settings; one that cannot be read is an error.
ConfigDefaults read_config();

// Sets each option the command line did not give (`given("--compress")`
// says whether it did) from `cfg`; exclusions from the file come first.
void apply_config(const ConfigDefaults& cfg, Options& opt, const std::function<bool(const std::string&)>& given);

}  // namespace remaster
