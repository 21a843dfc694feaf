#include "version_compare.hpp"

namespace remaster {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// dpkg's order of one character of a non-digit run: '~' first, then the
// end of the run, then letters, then everything else.
int order(char c) {
    if (is_letter(c)) return static_cast<unsigned char>(c);
    if (c == '~') return -1;
    return static_cast<unsigned char>(c) + 256;
}

int dpkg_compare(const std::string& a, const std::string& b) {
    size_t i = 0, j = 0;
    while (i < a.size() || j < b.size()) {
        // The non-digit runs, character by character.
        while ((i < a.size() && !is_digit(a[i])) || (j < b.size() && !is_digit(b[j]))) {
            const int ac = i < a.size() && !is_digit(a[i]) ? order(a[i]) : 0;
            const int bc = j < b.size() && !is_digit(b[j]) ? order(b[j]) : 0;
            if (ac != bc) return ac < bc ? -1 : 1;
            if (i < a.size() && !is_digit(a[i])) ++i;
            if (j < b.size() && !is_digit(b[j])) ++j;
        }
        // The digit runs, as numbers of any length: leading zeros skipped,
        // then the longer run is the bigger number, else the first digit that differs.
        while (i < a.size() && a[i] == '0') ++i;
        while (j < b.size() && b[j] == '0') ++j;
        int first_diff = 0;
        while (i < a.size() && is_digit(a[i]) && j < b.size() && is_digit(b[j])) {
            if (!first_diff) first_diff = a[i] - b[j];
            ++i, ++j;
        }
        if (i < a.size() && is_digit(a[i])) return 1;
        if (j < b.size() && is_digit(b[j])) return -1;
        if (first_diff) return first_diff < 0 ? -1 : 1;
    }
    return 0;
}

}  // namespace

int compare_versions(const std::string& a, const std::string& b) {
    const int c = dpkg_compare(a, b);
    if (c) return c;
    return a.compare(b) < 0 ? -1 : (a == b ? 0 : 1);
}

}  // namespace remaster
