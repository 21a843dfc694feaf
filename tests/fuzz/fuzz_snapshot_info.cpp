// libFuzzer: the stick's snapshot manifest parses without crashing and
// survives a format/parse round trip.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "stick_store.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace remaster;
    const SnapshotInfo a = parse_snapshot_info("id", std::string(reinterpret_cast<const char*>(data), size));
    const SnapshotInfo b = parse_snapshot_info("id", format_snapshot_info(a));
    // Keys never hold '=' or newlines, values never newlines: what was read is what is written.
    for (const auto& [k, v] : a.fields)
        if (v.find_first_of("\r\n") == std::string::npos && (!b.fields.count(k) || b.fields.at(k) != v)) std::abort();
    return 0;
}
