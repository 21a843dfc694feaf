#include "bytes.hpp"

#include <cctype>
#include <cstdio>

#include "error.hpp"

namespace remaster {

uint64_t parse_bytes(const std::string& text) {
    size_t i = 0;
    uint64_t value = 0;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
        if (value > (UINT64_MAX - 9) / 10) throw Error(Exit::usage, "The size '" + text + "' is too large");
        value = value * 10 + static_cast<uint64_t>(text[i++] - '0');
    }
    std::string unit = text.substr(i);
    for (auto& c : unit) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (unit.size() > 1 && unit.back() == 'B') unit.pop_back();
    if (unit.size() > 1 && unit.back() == 'I') unit.pop_back();
    int shift = -1;
    if (unit.empty() || unit == "B") shift = 0;
    else if (unit == "K") shift = 10;
    else if (unit == "M") shift = 20;
    else if (unit == "G") shift = 30;
    else if (unit == "T") shift = 40;
    if (i == 0 || shift < 0)
        throw Error(Exit::usage, "'" + text + "' is not a size", "Write a number with an optional K, M, G or T suffix, e.g. 128K or 8G.");
    if (shift && value > (UINT64_MAX >> shift)) throw Error(Exit::usage, "The size '" + text + "' is too large");
    return value << shift;
}

std::string format_bytes(double b) {
    const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int u = 0;
    while (b >= 1024 && u < 4) b /= 1024, ++u;
    char buf[32];
    std::snprintf(buf, sizeof buf, u ? "%.1f %s" : "%.0f %s", b, units[u]);
    return buf;
}

}  // namespace remaster
