// A file written under a temporary name beside its final path and renamed
// into place only when complete, so a crash, Ctrl-C or full disk never leaves
// a truncated image under the name the user asked for.
#pragma once

#include <string>

#include "fd.hpp"

namespace remaster {

class OutputFile {
public:
    explicit OutputFile(const std::string& final_path);
    OutputFile(const OutputFile&) = delete;
    OutputFile& operator=(const OutputFile&) = delete;
    ~OutputFile();  // removes the temporary unless committed

    int fd() const { return fd_.get(); }
    const std::string& temp_path() const { return temp_; }
    // fsync, rename over the final path, fsync the directory.
    void commit();

    // The temporary name used for `final_path` (so it can be excluded from a scan).
    static std::string temp_name_for(const std::string& final_path);

private:
    std::string final_, temp_;
    Fd fd_;
    bool committed_ = false;
};

}  // namespace remaster
