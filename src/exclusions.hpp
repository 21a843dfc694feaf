// What does not go into the image. Rules are path patterns relative to the
// snapshot root; each carries the reason shown by --dry-run.
//
// A pattern that starts with '/' is anchored at the root and matched with
// fnmatch(FNM_PATHNAME) against the whole path ("/home/*/Downloads"); one
// without '/' matches the last component anywhere ("*.iso"). A match excludes
// the entry and everything below it, or, for empty_dir rules, keeps the
// directory and drops what is in it.
#pragma once

#include <string>
#include <vector>

#include "tree.hpp"

namespace remaster {

enum class Mode { backup, clean };

// The ssh host keys --mode clean leaves out ("/etc/ssh/ssh_host_*").
extern const char* const kSshHostKeyPattern;

struct ExclusionRule {
    std::string pattern;
    FilterAction action;
    std::string reason;
};

class Exclusions {
public:
    void add(std::string pattern, FilterAction action, std::string reason);
    FilterAction decide(const std::string& rel_path, const struct stat& st) const;
    // The rule that decides for this entry, nullptr when it is included.
    const ExclusionRule* match(const std::string& rel_path, const struct stat& st) const;
    const std::vector<ExclusionRule>& rules() const { return rules_; }
    Filter filter() const;

private:
    std::vector<ExclusionRule> rules_;
};

struct ExclusionInputs {
    Mode mode = Mode::backup;
    std::vector<std::string> user_patterns;  // --exclude
    std::vector<std::string> swap_files;     // relative to root
    std::vector<std::string> own_outputs;    // our output and its temporary, relative to root
    std::string cache_dir;                   // --cache-dir, relative to root, when below it
};

// The rules remaster applies to a system root: pseudo and temporary
// directories emptied, swap files, regenerable caches, our own output.
Exclusions default_exclusions(const ExclusionInputs& in);

// Does `pattern` match `rel_path` under the rules above?
bool pattern_matches(const std::string& pattern, const std::string& rel_path);

// A pattern that matches exactly `rel_path`, whatever characters it holds
// ("/out/a[1].img" is not a bracket expression).
std::string literal_pattern(const std::string& rel_path);

// Swap files of a root: active ones from /proc/swaps (only when root is "/")
// and file entries of root's /etc/fstab; returned relative to root.
std::vector<std::string> find_swap_files(const std::string& root);

}  // namespace remaster
