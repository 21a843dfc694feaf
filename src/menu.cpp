#include "menu.hpp"

#include <regex>

#include "error.hpp"
#include "grub_script.hpp"
#include "small_file.hpp"

namespace remaster {
std::string read_grub_template(const std::string& path) {
    auto text = read_small_file(path, {kConfigMax, true, "the GRUB template '" + path + "'", Exit::missing});
    if (!text) throw Error(Exit::missing, "The GRUB template '" + path + "' is missing", "Reinstall remaster.");
    return std::move(*text);
}

std::string fill_template(const std::string& text, const std::map<std::string, std::string>& values) {
    std::string out;
    size_t pos = 0;
    while (pos < text.size()) {
        const size_t at = text.find('@', pos);
        if (at == std::string::npos) break;
        const size_t end = text.find('@', at + 1);
        const std::string key = end == std::string::npos ? "" : text.substr(at + 1, end - at - 1);
        const bool is_key = !key.empty() && key.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ_") == std::string::npos;
        if (!is_key) {
            out.append(text, pos, at + 1 - pos);
            pos = at + 1;
            continue;
        }
        auto it = values.find(key);
        if (it == values.end()) throw Error(Exit::failure, "The GRUB template leaves @" + key + "@ unfilled");
        out.append(text, pos, at - pos);
        out += it->second;
        pos = end + 1;
    }
    out.append(text, pos, std::string::npos);
    return out;
}

const char* const kHostDisksOff = "noresume rd.luks=0 rd.lvm=0 rd.md=0 rd.dm=0";

std::string live_kernel_args(const std::string& uuid, const std::string& snapshot_dir, const std::string& extra,
                             const std::vector<std::string>& layers_below) {
    std::string args = "root=remaster rd.remaster.uuid=" + uuid + " rd.remaster.dir=" + snapshot_dir;
    for (size_t i = 0; i < layers_below.size(); ++i) args += (i ? "," : " rd.remaster.layers=") + layers_below[i];
    args += std::string(" ") + kHostDisksOff;
    if (!extra.empty()) args += " " + extra;
    return args;
}

MenuTemplates load_menu_templates(const std::string& dir) {
    return {read_grub_template(dir + "/grub.cfg.in"), read_grub_template(dir + "/entry.cfg.in"),
            read_grub_template(dir + "/early.cfg.in")};
}

std::string render_grub_cfg(const MenuTemplates& t, const std::string& uuid, const std::vector<MenuEntry>& entries,
                            const std::string& default_id, int timeout_s) {
    // . and + for kernel versions (kernel-6.1.0-13-amd64): GRUB reads them as plain word characters.
    static const std::regex id_ok("[A-Za-z0-9._+-]+");
    static const std::regex uuid_ok("[A-Za-z0-9-]+");  // only ever hex from blkid; never GRUB syntax
    if (!std::regex_match(uuid, uuid_ok)) throw Error(Exit::failure, "Bad filesystem UUID '" + uuid + "'");
    if (!std::regex_match(default_id, id_ok)) throw Error(Exit::failure, "Bad default menu entry id '" + default_id + "'");
    std::string all;
    for (const auto& e : entries) {
        if (!std::regex_match(e.id, id_ok)) throw Error(Exit::failure, "Bad menu entry id '" + e.id + "'");
        // Every value in GRUB's quoting (grub_script.hpp): what the file says is what boots.
        all += fill_template(t.entry, {{"TITLE", grub_title(e.title)},
                                       {"ID", e.id},
                                       {"UUID", uuid},
                                       {"KERNEL", grub_quote(e.kernel)},
                                       {"INITRD", grub_quote(e.initrd)},
                                       {"ARGS", grub_kernel_args(e.args)}});
        if (!all.empty() && all.back() != '\n') all += '\n';
    }
    return fill_template(t.grub_cfg,
                         {{"TIMEOUT", std::to_string(timeout_s)}, {"DEFAULT", default_id}, {"ENTRIES", all}});
}

}  // namespace remaster
