#include "grubenv.hpp"

#include <fcntl.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <sys/ioctl.h>

#include <cerrno>
#include <cstring>

#include "error.hpp"
#include "fd.hpp"

namespace remaster {

std::string grubenv_block(const std::vector<std::pair<std::string, std::string>>& vars) {
    std::string block = "# GRUB Environment Block\n";
    for (const auto& [name, value] : vars) {
        if (name.empty() || name.find_first_of("=\n\\") != std::string::npos || value.find('\n') != std::string::npos)
            throw Error(Exit::failure, "internal: unusable grubenv variable '" + name + "'");
        std::string escaped;
        for (char c : value) escaped += c == '\\' ? std::string("\\\\") : std::string(1, c);
        block += name + "=" + escaped + "\n";
    }
    if (block.size() > kGrubenvSize) throw Error(Exit::failure, "The GRUB environment does not fit in 1024 bytes");
    block.append(kGrubenvSize - block.size(), '#');
    return block;
}

uint64_t file_physical_offset(const std::string& path, uint64_t length) {
    Fd fd = open_or_throw(path.c_str(), O_RDONLY | O_CLOEXEC);
    // struct fiemap ends in a flexible array: room for two extents behind it.
    alignas(struct fiemap) unsigned char buf[sizeof(struct fiemap) + 2 * sizeof(struct fiemap_extent)] = {};
    auto* map = reinterpret_cast<struct fiemap*>(buf);
    map->fm_start = 0;
    map->fm_length = length;
    map->fm_flags = FIEMAP_FLAG_SYNC;
    map->fm_extent_count = 2;
    if (::ioctl(fd.get(), FS_IOC_FIEMAP, map) != 0) throw_errno("map the blocks of '" + path + "'", errno);
    const auto& e = map->fm_extents[0];
    constexpr uint32_t unusable = FIEMAP_EXTENT_UNKNOWN | FIEMAP_EXTENT_DELALLOC | FIEMAP_EXTENT_ENCODED |
                                  FIEMAP_EXTENT_DATA_ENCRYPTED | FIEMAP_EXTENT_NOT_ALIGNED |
                                  FIEMAP_EXTENT_DATA_INLINE | FIEMAP_EXTENT_DATA_TAIL | FIEMAP_EXTENT_UNWRITTEN;
    if (map->fm_mapped_extents < 1 || e.fe_logical != 0 || e.fe_length < length || (e.fe_flags & unusable))
        throw Error(Exit::failure, "'" + path + "' is not stored as one plain block range; it cannot be changed in a view");
    return e.fe_physical;
}

}  // namespace remaster
