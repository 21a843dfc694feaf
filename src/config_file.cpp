#include "config_file.hpp"

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "error.hpp"
#include "squash_writer.hpp"
#include "stick_menu.hpp"

namespace remaster {
namespace {

std::string trim(const std::string& s) {
    const auto b = s.find_first_not_of(" \t\r");
    if (b == std::string::npos) return {};
    return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

// Checks one value with the same rules as its command-line option; the
// option's own message is kept, after the line it came from.
void check_value(const std::string& key, const std::string& value) {
    if (value.empty()) throw Error(Exit::bad_input, "'" + key + "' has no value");
    if (key == "compress") (void)parse_compression(value, 128 * 1024, 0);
    if (key == "default-boot") (void)default_entry_id(value);
    if (key == "cache-dir" && value.front() != '/')
        throw Error(Exit::bad_input, "cache-dir '" + value + "' is not an absolute path");
}

void set(ConfigDefaults& cfg, const std::string& key, const std::string& value) {
    if (key == "compress") cfg.compress = value;
    else if (key == "exclude") cfg.excludes.push_back(value);
    else if (key == "kernel-args") cfg.kernel_args = value;
    else if (key == "default-boot") cfg.default_boot = value;
    else if (key == "cache-dir") cfg.cache_dir = value;
    else
        throw Error(Exit::bad_input, "unknown key '" + key + "'",
                    "The keys are compress, exclude, kernel-args, default-boot and cache-dir (remaster(8)).");
}

}  // namespace

ConfigDefaults parse_config(const std::string& text, const std::string& path) {
    ConfigDefaults cfg;
    cfg.path = path;
    std::istringstream in(text);
    std::string line;
    for (int number = 1; std::getline(in, line); ++number) {
        const std::string t = trim(line);
        if (t.empty() || t.front() == '#') continue;
        const auto eq = t.find('=');
        try {
            if (eq == std::string::npos)
                throw Error(Exit::bad_input, "'" + t + "' is not 'key = value'");
            const std::string key = trim(t.substr(0, eq)), value = trim(t.substr(eq + 1));
            check_value(key, value);
            set(cfg, key, value);
        } catch (const Error& e) {
            throw Error(Exit::bad_input, path + ":" + std::to_string(number) + ": " + e.what(),
                        e.hint().empty() ? "Fix or remove that line." : e.hint());
        }
    }
    return cfg;
}

ConfigDefaults read_config() {
    const char* env = std::getenv("REMASTER_CONFIG");
    const std::string path = env && *env ? env : kConfigFile;
    std::ifstream f(path);
    if (!f) {
        if (errno == ENOENT) return ConfigDefaults{path, {}, {}, {}, {}, {}};
        throw Error(Exit::bad_input, "cannot read '" + path + "': " + errno_string(errno));
    }
    std::ostringstream text;
    text << f.rdbuf();
    return parse_config(text.str(), path);
}

void apply_config(const ConfigDefaults& cfg, Options& opt, const std::function<bool(const std::string&)>& given) {
    if (cfg.compress && !given("--compress")) opt.compress = *cfg.compress;
    if (cfg.kernel_args && !given("--kernel-args")) opt.kernel_args = *cfg.kernel_args;
    // A stick's default entry is a default for sticks: a --squashfs or
    // --iso run ignores it rather than fail on the file.
    if (cfg.default_boot && !given("--default-boot") && !opt.to.empty()) opt.default_boot = *cfg.default_boot;
    if (cfg.cache_dir && !given("--cache-dir") && !given("--no-cache")) opt.cache_dir = *cfg.cache_dir;
    opt.excludes.insert(opt.excludes.begin(), cfg.excludes.begin(), cfg.excludes.end());
}

}  // namespace remaster
