// Our working directory for one run: /run/remaster/<pid>. It holds mount
// points, the tmpfs with the overlay upper dirs and the run's record for a
// later recovery (run_record.hpp), nothing else. It is only
// ever removed with rmdir(2): a recursive delete through a path that might
// still be a mounted copy of / is how other tools destroyed user data.
#pragma once

#include <string>
#include <vector>

namespace remaster {

class RuntimeDir {
public:
    // Creates /run/remaster/<pid> (base overridable with REMASTER_RUNTIME_DIR).
    RuntimeDir();
    RuntimeDir(const RuntimeDir&) = delete;
    RuntimeDir& operator=(const RuntimeDir&) = delete;
    ~RuntimeDir();

    const std::string& path() const { return path_; }
    // Creates path()/name (and parents) and remembers it for removal.
    std::string make_dir(const std::string& name);

    static std::string base();

private:
    std::string path_;
    std::vector<std::string> made_;  // in creation order
};

}  // namespace remaster
