#pragma once

#include <cstdint>
#include <string>

namespace remaster {

// "131072", "128K", "128KiB", "1M", "8G" -> bytes (binary units). Throws
// Error(Exit::usage) naming the text when it is not a size.
uint64_t parse_bytes(const std::string& text);

// 1572864 -> "1.5 MiB", 100 -> "100 B": sizes as the user reads them.
std::string format_bytes(double bytes);

}  // namespace remaster
