// What `verify` found, file by file: printed as it goes ("ID/NAME: OK"), or
// gathered and printed as one JSON object at the end (--json, docs/json.md).
// The verdict (an Error for a damaged or empty medium) is the caller's.
#pragma once

#include <string>
#include <vector>

namespace remaster {

class VerifyListing {
public:
    VerifyListing(std::string target, bool json) : target_(std::move(target)), json_(json) {}

    void ok(const std::string& id, const std::string& name);
    // `why`: "checksum mismatch", "missing".
    void bad(const std::string& id, const std::string& name, const std::string& why);
    // A stick's "name: why" entry (SumsResult::bad).
    void bad(const std::string& id, const std::string& entry);
    void unfinished(const std::string& id);
    // Writes the JSON object (with --json) and flushes: before the verdict,
    // so that the listing comes first also when both go to one pipe.
    void finish();

    size_t checked() const { return files_.size(); }
    const std::vector<std::string>& damaged() const { return damaged_; }  // "ID/NAME: why"

private:
    struct File {
        std::string id, name, why;  // why empty: OK
    };
    std::string target_;
    bool json_;
    std::vector<File> files_;
    std::vector<std::string> damaged_, unfinished_;
};

}  // namespace remaster
