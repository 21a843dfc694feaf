// libFuzzer: option values from the command line (sizes, compression specs,
// exclusion patterns) either parse or throw our Error; nothing else.
#include <sys/stat.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "bytes.hpp"
#include "error.hpp"
#include "exclusions.hpp"
#include "squash_writer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace remaster;
    const std::string s(reinterpret_cast<const char*>(data), size);
    try {
        (void)parse_bytes(s);
    } catch (const Error&) {
    }
    try {
        (void)parse_compression(s, 131072, 1);
    } catch (const Error&) {
    }
    (void)pattern_matches(s, "/home/ann/file.iso");
    (void)pattern_matches("/home/*/" + s, s);
    return 0;
}
