#include "verify_listing.hpp"

#include <iostream>

#include "json_writer.hpp"

namespace remaster {

void VerifyListing::ok(const std::string& id, const std::string& name) {
    files_.push_back({id, name, ""});
    if (!json_) std::cout << id << "/" << name << ": OK\n";
}

void VerifyListing::bad(const std::string& id, const std::string& name, const std::string& why) {
    files_.push_back({id, name, why});
    damaged_.push_back(id + "/" + name + ": " + why);
    if (!json_) std::cout << damaged_.back() << "\n";
}

void VerifyListing::bad(const std::string& id, const std::string& entry) {
    const auto colon = entry.rfind(": ");
    if (colon == std::string::npos) return bad(id, entry, "bad");
    bad(id, entry.substr(0, colon), entry.substr(colon + 2));
}

void VerifyListing::unfinished(const std::string& id) {
    unfinished_.push_back(id);
    if (!json_)
        std::cout << id << ": unfinished (an interrupted run; not in the menu, the next snapshot --to removes it)\n";
}

void VerifyListing::finish() {
    if (json_) {
        JsonWriter j(std::cout);
        j.begin_object();
        j.key("schema").value(uint64_t{1});
        j.key("on").value(target_);
        j.key("files").begin_array();
        for (const auto& f : files_) {
            j.begin_object().key("snapshot").value(f.id).key("name").value(f.name).key("ok").value(f.why.empty());
            j.key("problem");
            if (f.why.empty()) j.null();
            else j.value(f.why);
            j.end_object();
        }
        j.end_array();
        j.key("unfinished").strings(unfinished_);
        j.key("checked").value(uint64_t{files_.size()});
        j.key("damaged").value(uint64_t{damaged_.size()});
        j.key("good").value(!files_.empty() && damaged_.empty());
        j.end_object();
        std::cout << "\n";
    }
    std::cout.flush();
}

}  // namespace remaster
