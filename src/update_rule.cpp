#include "update_rule.hpp"

#include "error.hpp"
#include "medium.hpp"

namespace remaster {
namespace {

// The "-N" suffix of an id, 1 without one. The id is well-formed, so the
// suffix is digits; one too long for a number is later than any that fits.
unsigned long long sequence(const std::string& id) {
    if (id.size() <= 15) return 1;
    const std::string digits = id.substr(16);
    if (digits.size() > 18) return ~0ull;
    return std::stoull(digits);
}

bool is_system_id(const std::string& s) {
    return s.size() == 16 && s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

}  // namespace

int compare_snapshot_ids(const std::string& a, const std::string& b) {
    // YYYYMMDD-HHMMSS compares as text: fixed width, digits.
    if (int c = a.compare(0, 15, b, 0, 15)) return c < 0 ? -1 : 1;
    const auto na = sequence(a), nb = sequence(b);
    return na < nb ? -1 : na > nb ? 1 : 0;
}

UpdateDecision decide_update(const SnapshotInfo& stick, const SnapshotInfo& server) {
    using V = UpdateDecision::Verdict;
    const std::string id = server.get(NetbootDir::kIdField);
    const std::string system = server.get("system");
    const std::string own = stick.get("system");
    if (!is_snapshot_id(id))
        return {V::malformed, "the server's snapshot id '" + printable(id) + "' is not a snapshot id (e.g. 20261124-233000)"};
    if (!is_system_id(system))
        return {V::malformed, "the server's snapshot does not say which system it is (system='" + printable(system) + "')"};
    if (!is_snapshot_id(stick.id) || !is_system_id(own))
        return {V::malformed, "the stick's newest snapshot " + printable(stick.id) +
                                  " does not say which system it is (made by an older remaster?)"};
    if (system != own)
        return {V::other_system, "the server's snapshot " + id + " is of another system (" + system +
                                     ") than the stick's newest snapshot " + stick.id + " (" + own + ")"};
    const int c = compare_snapshot_ids(id, stick.id);
    if (c == 0) return {V::up_to_date, "the stick already holds the server's snapshot " + id};
    if (c < 0) return {V::up_to_date, "the server's snapshot " + id + " is older than the stick's " + stick.id};
    return {V::newer, "the server's snapshot " + id + " is newer than the stick's " + stick.id};
}

}  // namespace remaster
