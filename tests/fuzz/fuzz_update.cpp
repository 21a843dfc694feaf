// libFuzzer: what `remaster update` reads from a server (snapshot.info,
// SHA256SUMS) and the URL it is given parse without crashing, and what is
// accepted keeps its promises: plain file names and 64-hex hashes, no
// control characters in values, the rule says "newer" only for a
// well-formed later id of the same system, a URL ends in "/".
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "error.hpp"
#include "medium.hpp"
#include "remote_snapshot.hpp"
#include "update_rule.hpp"
#include "update_url.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace remaster;
    const std::string text(reinterpret_cast<const char*>(data), size);
    try {
        for (const auto& [name, hash] : parse_remote_sums(text)) {
            if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos) std::abort();
            if (hash.size() != 64 || hash.find_first_not_of("0123456789abcdef") != std::string::npos) std::abort();
        }
    } catch (const Error&) {
    }
    try {
        const SnapshotInfo server = parse_remote_info(text);
        for (const auto& [k, v] : server.fields)
            for (unsigned char c : v)
                if (c < 0x20 || c == 0x7f) std::abort();
        const SnapshotInfo stick{"20261201-101500", {{"system", "0123456789abcdef"}}};
        const UpdateDecision d = decide_update(stick, server);
        if (d.verdict == UpdateDecision::Verdict::newer &&
            (!is_snapshot_id(server.id) || server.get("system") != "0123456789abcdef" ||
             compare_snapshot_ids(server.id, stick.id) <= 0))
            std::abort();
        const SnapshotInfo kept = stick_info_for(server, "20261202-000000", stick);
        if (kept.fields.count("medium") || kept.fields.count("id") || kept.get("layers") != "20261202-000000") std::abort();
    } catch (const Error&) {
    }
    try {
        const std::string url = checked_update_url(text, "--from");
        if (url.back() != '/' || url.find_first_of(" \"'\n\r\t?#\\") != std::string::npos) std::abort();
    } catch (const Error&) {
    }
    return 0;
}
