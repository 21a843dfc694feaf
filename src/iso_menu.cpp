#include "iso_menu.hpp"

#include <regex>

#include "error.hpp"
#include "grub_script.hpp"
#include "menu.hpp"
#include "small_file.hpp"

namespace remaster {

LoopbackTemplates load_loopback_templates(const std::string& dir) {
    return {read_grub_template(dir + "/loopback.cfg.in"), read_grub_template(dir + "/loopback-entry.cfg.in")};
}

std::string render_loopback_cfg(const LoopbackTemplates& t, const std::vector<MenuEntry>& entries,
                                const std::string& default_id, int timeout_s) {
    static const std::regex id_ok("[A-Za-z0-9._+-]+");
    if (!std::regex_match(default_id, id_ok)) throw Error(Exit::failure, "Bad default menu entry id '" + default_id + "'");
    std::string all;
    for (const auto& e : entries) {
        if (!std::regex_match(e.id, id_ok)) throw Error(Exit::failure, "Bad menu entry id '" + e.id + "'");
        all += fill_template(t.entry, {{"TITLE", grub_title(e.title)},
                                       {"ID", e.id},
                                       {"KERNEL", grub_quote(e.kernel)},
                                       {"INITRD", grub_quote(e.initrd)},
                                       {"ARGS", grub_kernel_args(e.args)}});
        if (!all.empty() && all.back() != '\n') all += '\n';
    }
    return fill_template(t.cfg, {{"TIMEOUT", std::to_string(timeout_s)}, {"DEFAULT", default_id}, {"ENTRIES", all}});
}

std::string checked_loopback_cfg(const LoopbackTemplates& t, const std::vector<MenuEntry>& entries,
                                 const std::string& default_id, Runner& runner) {
    const std::string cfg = render_loopback_cfg(t, entries, default_id, 3);
    check_grub_script(runner, cfg);
    return cfg;
}

}  // namespace remaster
