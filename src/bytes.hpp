#pragma once

#include <cstdint>
#include <string>

namespace remaster {

// "131072", "128K", "128KiB", "1M", "8G" -> bytes (binary units). Throws
// Error(Exit::usage) naming the text when it is not a size.
uint64_t parse_bytes(const std::string& text);

}  // namespace remaster
