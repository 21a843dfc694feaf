// libFuzzer: os-release parsing and adapter choice never crash, and whatever
// the text, the adapter choice either succeeds or throws our Error.
#include <cstddef>
#include <cstdint>
#include <string>

#include "adapter.hpp"
#include "error.hpp"
#include "os_release.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const remaster::OsRelease os = remaster::parse_os_release(std::string(reinterpret_cast<const char*>(data), size));
    (void)os.id_like();
    (void)os.pretty_name();
    try {
        (void)remaster::choose_adapter(os);
    } catch (const remaster::Error&) {
    }
    return 0;
}
