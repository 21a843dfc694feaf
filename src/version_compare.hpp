// Which of two version strings is newer, the way dpkg orders versions
// (verrevcmp in dpkg's lib/dpkg/version.c; rpm's rpmvercmp agrees on the
// kernel versions distributions ship): runs of digits compare as numbers,
// everything between them character by character with letters before
// other characters, and '~' before anything, even the end ("6.2~rc1" is
// older than "6.2"). So 6.1.0-57-amd64 > 6.1.0-9-amd64 > 5.10.0-30-amd64,
// where a plain string comparison would put 6.1.0-9 first.
#pragma once

#include <string>

namespace remaster {

// Negative when `a` is older than `b`, 0 when they are the same version,
// positive when `a` is newer. Versions that dpkg calls equal but spell
// differently ("6.1.0-09", "6.1.0-9") are ordered by their bytes, so that
// sorting is stable and total.
int compare_versions(const std::string& a, const std::string& b);

// For sorting newest first.
inline bool newer_version(const std::string& a, const std::string& b) { return compare_versions(a, b) > 0; }

}  // namespace remaster
