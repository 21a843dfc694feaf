// Mounts through libmount. A Mount object owns one mount point that we made:
// its destructor unmounts (falling back to a lazy detach when busy) and never
// throws. Declare mounts in the order they are made; they unwind in reverse.
#pragma once

#include <string>

namespace remaster {

class Mount {
public:
    Mount() = default;
    // mount(2) via libmount: throws Error naming source, target and cause.
    static Mount mount(const std::string& source, const std::string& target, const std::string& fstype,
                       const std::string& options, unsigned long flags = 0);
    // A bind mount of `source` at `target`, read-only if asked, not recursive.
    static Mount bind(const std::string& source, const std::string& target, bool read_only);
    // An overlay of lower (read-only) under upper/work, at target.
    static Mount overlay(const std::string& lower, const std::string& upper, const std::string& work,
                         const std::string& target);

    Mount(Mount&& o) noexcept : target_(std::move(o.target_)) { o.target_.clear(); }
    Mount& operator=(Mount&& o) noexcept;
    Mount(const Mount&) = delete;
    Mount& operator=(const Mount&) = delete;
    ~Mount();

    const std::string& target() const { return target_; }
    explicit operator bool() const { return !target_.empty(); }
    // Unmounts now; throws on failure (use where a failed unmount matters,
    // e.g. before declaring a stick complete).
    void unmount();

private:
    explicit Mount(std::string target) : target_(std::move(target)) {}
    void release_noexcept() noexcept;
    std::string target_;
};

// Creates a directory (and parents) like mkdir -p; throws on failure.
void make_dirs(const std::string& path, unsigned mode = 0755);

}  // namespace remaster
