#include "target_contents.hpp"

#include <blkid/blkid.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <memory>

#include "bytes.hpp"
#include "fd.hpp"
#include "partition.hpp"

namespace remaster {
namespace {

struct ProbeDeleter {
    void operator()(blkid_struct_probe* p) const noexcept { blkid_free_probe(p); }
};

std::string lookup(blkid_probe pr, const char* name) {
    const char* v = nullptr;
    return blkid_probe_lookup_value(pr, name, &v, nullptr) == 0 && v ? v : "";
}

uint32_t le32(const unsigned char* p) {
    return p[0] | p[1] << 8 | p[2] << 16 | static_cast<uint32_t>(p[3]) << 24;
}

// Size and usage of an ext2/3/4 filesystem, from its superblock (cheap:
// one read); "" for other filesystems.
std::string ext_usage(int fd) {
    unsigned char sb[1024];
    if (::pread(fd, sb, sizeof sb, 1024) != static_cast<ssize_t>(sizeof sb) || sb[56] != 0x53 || sb[57] != 0xEF)
        return "";
    const uint64_t block = 1024ull << le32(sb + 24);
    const uint64_t blocks = le32(sb + 4), free = le32(sb + 12);
    if (block > (64u << 10) || free > blocks) return "";
    return ", " + format_bytes(blocks * block) + " (" +
           format_bytes((blocks - free) * block) + " used)";
}

// Filesystem or partition table, as libblkid sees it; "" when neither.
std::string probe(int fd) {
    std::unique_ptr<blkid_struct_probe, ProbeDeleter> pr(blkid_new_probe());
    if (!pr || blkid_probe_set_device(pr.get(), fd, 0, 0) != 0) return "";
    blkid_probe_enable_superblocks(pr.get(), 1);
    blkid_probe_set_superblocks_flags(pr.get(), BLKID_SUBLKS_TYPE | BLKID_SUBLKS_LABEL);
    blkid_probe_enable_partitions(pr.get(), 1);
    if (blkid_do_safeprobe(pr.get()) != 0) return "";
    const std::string pt = lookup(pr.get(), "PTTYPE");
    if (!pt.empty()) {
        blkid_partlist parts = blkid_probe_get_partitions(pr.get());
        const int n = parts ? blkid_partlist_numof_partitions(parts) : 0;
        std::string s = "a " + pt + " partition table with " + std::to_string(n) + " partition" + (n == 1 ? "" : "s");
        // A remaster stick's data partition is named so (see stick_layout).
        for (int i = 0; i < n; ++i) {
            const char* name = blkid_partition_get_name(blkid_partlist_get_partition(parts, i));
            if (name && std::strcmp(name, "remaster") == 0) s += ", a remaster stick";
        }
        return s;
    }
    const std::string type = lookup(pr.get(), "TYPE");
    if (type.empty()) return "";
    const std::string label = lookup(pr.get(), "LABEL");
    return type + " filesystem" + (label.empty() ? "" : " labelled '" + label + "'") + ext_usage(fd);
}

// Archives and compressed files, by their magic numbers.
std::string archive_kind(int fd) {
    unsigned char head[512] = {};
    const ssize_t n = ::pread(fd, head, sizeof head, 0);
    auto starts = [&](const char* magic, size_t len) { return n >= static_cast<ssize_t>(len) && std::memcmp(head, magic, len) == 0; };
    if (n >= 262 && std::memcmp(head + 257, "ustar", 5) == 0) return "a tar archive";
    if (starts("\x1f\x8b", 2)) return "gzip-compressed data";
    if (starts("\xfd" "7zXZ\0", 6)) return "xz-compressed data";
    if (starts("\x28\xb5\x2f\xfd", 4)) return "zstd-compressed data";
    if (starts("BZh", 3)) return "bzip2-compressed data";
    return "";
}

}  // namespace

std::string describe_contents(const std::string& path) {
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
    if (!fd) return "contents unknown (cannot open it: " + std::string(std::strerror(errno)) + ")";
    struct stat st;
    if (::fstat(fd.get(), &st) != 0) return "contents unknown";
    uint64_t size = static_cast<uint64_t>(st.st_size);
    if (S_ISBLK(st.st_mode)) {
        try {
            size = device_size(path);
        } catch (const std::exception&) {
            size = 0;
        }
    } else if (size == 0) {
        return "empty";
    }
    std::string s = probe(fd.get());
    if (s.empty()) s = archive_kind(fd.get());
    const std::string bytes = std::to_string(size) + " bytes";
    if (s.empty()) return bytes + " of data (no filesystem, partition table or archive recognised)";
    return s + " (" + bytes + ")";
}

}  // namespace remaster
