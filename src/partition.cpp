#include "partition.hpp"

#include <fcntl.h>
#include <libfdisk/libfdisk.h>
#include <linux/blkpg.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <fstream>
#include <chrono>
#include <memory>
#include <thread>

#include "dir_stream.hpp"
#include "error.hpp"
#include "fd.hpp"
#include "log.hpp"

namespace remaster {
namespace {

struct ContextDeleter {
    void operator()(fdisk_context* c) const noexcept { fdisk_unref_context(c); }
};
struct TableDeleter {
    void operator()(fdisk_table* t) const noexcept { fdisk_unref_table(t); }
};
struct PartDeleter {
    void operator()(fdisk_partition* p) const noexcept { fdisk_unref_partition(p); }
};
struct TypeDeleter {
    void operator()(fdisk_parttype* t) const noexcept { fdisk_unref_parttype(t); }
};

constexpr uint64_t kMiB = 1ull << 20;

void check(int rc, const std::string& what, const std::string& disk) {
    if (rc < 0) throw_errno(what + " on '" + disk + "'", -rc);
}

}  // namespace

std::string partition_path(const std::string& disk, int number) {
    // The kernel inserts 'p' when the disk name ends in a digit (loop0, nvme0n1, mmcblk0).
    const bool digit = !disk.empty() && std::isdigit(static_cast<unsigned char>(disk.back()));
    return disk + (digit ? "p" : "") + std::to_string(number);
}

std::vector<PartitionSpec> stick_layout() {
    return {
        {"BIOS boot", "21686148-6449-6E6F-744E-656564454649", 1 * kMiB},
        {"EFI system", "C12A7328-F81F-11D2-BA4B-00A0C93EC93B", kEspSize},
        {"remaster", "0FC63DAF-8483-4772-8E79-3D69D8477DE4", 0},
    };
}

uint64_t disk_size_for(uint64_t data_bytes) {
    // 1 MiB before the first partition, the fixed partitions, 1 MiB for the backup GPT.
    uint64_t fixed = 2 * kMiB;
    for (const auto& p : stick_layout()) fixed += p.size;
    return (fixed + data_bytes + kMiB - 1) / kMiB * kMiB;
}

void drop_kernel_partitions(const std::string& disk) {
    const std::string name = disk.substr(disk.rfind('/') + 1);
    const std::string sys = "/sys/class/block/" + name;
    std::vector<int> numbers;
    DirStream d(sys);
    while (const dirent* e = d.next()) {
        std::ifstream f(sys + "/" + e->d_name + "/partition");
        int n = 0;
        if (e->d_name[0] != '.' && f >> n && n > 0) numbers.push_back(n);
    }
    if (numbers.empty()) return;
    Fd fd = open_or_throw(disk.c_str(), O_RDONLY);
    for (int n : numbers) {
        struct blkpg_partition part {};
        part.pno = n;
        struct blkpg_ioctl_arg arg {};
        arg.op = BLKPG_DEL_PARTITION;
        arg.datalen = sizeof part;
        arg.data = &part;
        if (::ioctl(fd.get(), BLKPG, &arg) != 0 && errno != ENXIO)
            throw_errno("remove partition " + std::to_string(n) + " of '" + disk + "' from the kernel", errno);
    }
}

uint64_t device_size(const std::string& path) {
    Fd fd = open_or_throw(path.c_str(), O_RDONLY);
    struct stat st;
    if (::fstat(fd.get(), &st) != 0) throw_errno("stat '" + path + "'", errno);
    if (S_ISREG(st.st_mode)) return static_cast<uint64_t>(st.st_size);
    uint64_t bytes = 0;
    if (::ioctl(fd.get(), BLKGETSIZE64, &bytes) != 0) throw_errno("read the size of '" + path + "'", errno);
    return bytes;
}

void write_partition_table(const std::string& disk, const std::vector<PartitionSpec>& layout) {
    std::unique_ptr<fdisk_context, ContextDeleter> cxt(fdisk_new_context());
    if (!cxt) throw Error(Exit::failure, "Failed to create a libfdisk context");
    check(fdisk_assign_device(cxt.get(), disk.c_str(), 0), "open for partitioning", disk);

    // Wipe old filesystem and RAID signatures so nothing probes a ghost of them.
    fdisk_enable_wipe(cxt.get(), 1);
    check(fdisk_create_disklabel(cxt.get(), "gpt"), "create a GPT", disk);
    fdisk_label* label = fdisk_get_label(cxt.get(), nullptr);
    const unsigned long sector = fdisk_get_sector_size(cxt.get());

    for (size_t i = 0; i < layout.size(); ++i) {
        const auto& spec = layout[i];
        std::unique_ptr<fdisk_partition, PartDeleter> pa(fdisk_new_partition());
        fdisk_partition_partno_follow_default(pa.get(), 1);
        fdisk_partition_start_follow_default(pa.get(), 1);
        if (spec.size)
            fdisk_partition_set_size(pa.get(), spec.size / sector);
        else
            fdisk_partition_end_follow_default(pa.get(), 1);
        std::unique_ptr<fdisk_parttype, TypeDeleter> type(fdisk_label_parse_parttype(label, spec.type_guid.c_str()));
        if (!type) throw Error(Exit::failure, "libfdisk does not know the partition type " + spec.type_guid);
        fdisk_partition_set_type(pa.get(), type.get());
        fdisk_partition_set_name(pa.get(), spec.name.c_str());
        size_t partno = 0;
        check(fdisk_add_partition(cxt.get(), pa.get(), &partno), "add partition '" + spec.name + "'", disk);
    }
    check(fdisk_write_disklabel(cxt.get()), "write the partition table", disk);
    // Whatever the kernel knew goes (it may not match even the old table: a
    // loop device keeps partitions from its previous user), then BLKPG adds
    // each new partition: no full rescan needed.
    drop_kernel_partitions(disk);
    std::unique_ptr<fdisk_table, TableDeleter> none(fdisk_new_table());
    check(fdisk_reread_changes(cxt.get(), none.get()), "tell the kernel about the new partitions", disk);
    check(fdisk_deassign_device(cxt.get(), 0), "close", disk);

    // devtmpfs creates the nodes; give it a moment.
    for (size_t i = 1; i <= layout.size(); ++i) {
        const std::string part = partition_path(disk, static_cast<int>(i));
        for (int t = 0; ::access(part.c_str(), F_OK) != 0; ++t) {
            if (t >= 100) throw Error(Exit::failure, "The partition '" + part + "' did not appear after partitioning");
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
    }
    log::debug() << "partitioned " << disk;
}

}  // namespace remaster

#include <blkid/blkid.h>

namespace remaster {
namespace {

}  // namespace

FsProbe probe_filesystem(const std::string& dev) {
    FsProbe out;
    blkid_probe pr = blkid_new_probe_from_filename(dev.c_str());
    if (!pr) return out;
    blkid_probe_enable_superblocks(pr, 1);
    blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_TYPE | BLKID_SUBLKS_LABEL | BLKID_SUBLKS_UUID);
    if (blkid_do_safeprobe(pr) == 0) {
        const char* v = nullptr;
        if (blkid_probe_lookup_value(pr, "TYPE", &v, nullptr) == 0 && v) out.type = v;
        if (blkid_probe_lookup_value(pr, "LABEL", &v, nullptr) == 0 && v) out.label = v;
        if (blkid_probe_lookup_value(pr, "UUID", &v, nullptr) == 0 && v) out.uuid = v;
    }
    blkid_free_probe(pr);
    return out;
}

std::string probe_existing_stick(const std::string& disk) {
    std::unique_ptr<fdisk_context, ContextDeleter> cxt(fdisk_new_context());
    if (!cxt || fdisk_assign_device(cxt.get(), disk.c_str(), 1) != 0) return "";
    if (!fdisk_is_labeltype(cxt.get(), FDISK_DISKLABEL_GPT)) return "";
    fdisk_table* raw = nullptr;
    if (fdisk_get_partitions(cxt.get(), &raw) != 0) return "";
    std::unique_ptr<fdisk_table, TableDeleter> parts(raw);
    if (fdisk_table_get_nents(parts.get()) < static_cast<size_t>(kDataPartition)) return "";
    fdisk_partition* data = fdisk_table_get_partition_by_partno(parts.get(), kDataPartition - 1);
    if (!data || !fdisk_partition_get_name(data) || std::string(fdisk_partition_get_name(data)) != "remaster")
        return "";
    // Kernels that do not scan partition tables, and loop devices, need to be
    // told; a loop device's partitions may be stale, left by its previous user.
    const bool loop = disk.rfind("/dev/loop", 0) == 0;
    if (loop || ::access(partition_path(disk, kDataPartition).c_str(), F_OK) != 0) {
        drop_kernel_partitions(disk);
        std::unique_ptr<fdisk_table, TableDeleter> none(fdisk_new_table());
        check(fdisk_reread_changes(cxt.get(), none.get()), "register the partitions", disk);
    }
    for (int t = 0; ::access(partition_path(disk, kDataPartition).c_str(), F_OK) != 0 && t < 100; ++t)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    const FsProbe fs = probe_filesystem(partition_path(disk, kDataPartition));
    return fs.type == "ext4" && fs.label == "REMASTER" ? fs.uuid : "";
}

}  // namespace remaster
