// libFuzzer: GRUB templates and menu values. fill_template and render never
// crash; a title always renders and GRUB reads it back unchanged (but for
// control characters, shown as spaces); kernel arguments are refused or GRUB
// (tests/unit/grub_model.hpp) parses the menu and hands the kernel a command
// line it reads exactly as it would read the arguments as written.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>

#include "../unit/grub_model.hpp"
#include "error.hpp"
#include "grub_script.hpp"
#include "menu.hpp"

namespace {

void require(bool ok) {
    if (!ok) std::abort();
}

std::string render(const std::string& title, const std::string& args) {
    using namespace remaster;
    const MenuTemplates t{grub_model::kGrubCfg, grub_model::kEntry, ""};
    return render_grub_cfg(t, "0b5c3c7e-3f4e", {{"id", title, "/k", "/i", args}}, "id", 3);
}

grub_model::ParsedEntry parse(const std::string& cfg) {
    try {
        return grub_model::parse_single_entry(cfg);
    } catch (const std::runtime_error&) {
        std::abort();  // the menu does not parse as intended
    }
}

void check_title(const std::string& value) {
    const auto e = parse(render(value, ""));
    std::string want = value;
    for (char& c : want)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
    require(e.title == want);
    require(e.linux_words == std::vector<std::string>{"/k"});
}

void check_args(const std::string& value) {
    std::string cfg;
    try {
        cfg = render("t", value);
    } catch (const remaster::Error& e) {
        require(e.code() == remaster::Exit::bad_input);  // refused: fine
        return;
    }
    const auto e = parse(cfg);
    require(e.title == "t" && e.initrd_words == std::vector<std::string>{"/i"});
    require(!e.linux_words.empty() && e.linux_words[0] == "/k");
    const std::vector<std::string> args(e.linux_words.begin() + 1, e.linux_words.end());
    const std::string cmdline = grub_model::loader_cmdline(args);
    require(grub_model::kernel_params(cmdline) == grub_model::kernel_params(value));
    if (value.find('"') == std::string::npos) {  // then even the text is the same
        std::string joined;
        for (const auto& w : remaster::kernel_words(value)) joined += (joined.empty() ? "" : " ") + w;
        require(cmdline == joined);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace remaster;
    const std::string in(reinterpret_cast<const char*>(data), size);
    const size_t cut = in.find('\0');
    const std::string tmpl = in.substr(0, cut);
    const std::string value = cut == std::string::npos ? "" : in.substr(cut + 1);
    try {
        (void)fill_template(tmpl, {{"UUID", value}, {"TITLE", value}});
    } catch (const Error&) {
    }
    check_title(value);
    check_args(value);
    return 0;
}
