// What a target holds now, in words, for the prompt before it is overwritten
// and for --dry-run: "ext4 filesystem 'DATA', 1.0 GiB (300 MiB used)", "a gpt
// partition table with 2 partitions", "a tar archive", "12 bytes of data",
// "empty". Only reads the first bytes of the file or device.
#pragma once

#include <string>

namespace remaster {

std::string describe_contents(const std::string& path);

}  // namespace remaster
