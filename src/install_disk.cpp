#include "install_disk.hpp"

#include <unistd.h>

#include <cerrno>

#include "boot_install.hpp"
#include "error.hpp"
#include "log.hpp"

namespace remaster {
namespace {

constexpr uint64_t kMiB = 1ull << 20;

// "12345678-..." (a random UUID) -> "1234-5678": FAT's 32-bit volume id as
// fstab and /dev/disk/by-uuid spell it.
std::string fat_volume_id(const std::string& uuid) {
    std::string id;
    for (char c : uuid.substr(0, 8)) id += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return id.substr(0, 4) + "-" + id.substr(4);
}

}  // namespace

std::vector<PartitionSpec> install_layout() {
    auto layout = stick_layout();
    // The x86-64 root type of the Discoverable Partitions Specification.
    layout.at(kInstallRootPartition - 1) = {"root", "4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709", 0};
    return layout;
}

uint64_t install_disk_size_for(uint64_t root_bytes) {
    uint64_t fixed = 2 * kMiB;
    for (const auto& p : install_layout()) fixed += p.size;
    return (fixed + root_bytes + kMiB - 1) / kMiB * kMiB;
}

std::vector<Command> install_format_commands(const std::string& esp, const std::string& root,
                                             const std::string& esp_volid, const std::string& root_uuid) {
    std::string volid = esp_volid;
    volid.erase(4, 1);  // mkfs.fat -i takes the 8 hex digits
    return {
        {{"mkfs.fat", "-F", "32", "-s", "1", "-i", volid, "-n", "EFI", esp}},
        {{"mkfs.ext4", "-F", "-q", "-L", "root", "-U", root_uuid, root}},
    };
}

std::unique_ptr<InstallDisk> InstallDisk::create(const std::string& target, bool image_file, uint64_t image_size,
                                                 std::shared_ptr<FileLock> held, Runner& runner, RuntimeDir& run) {
    auto d = std::unique_ptr<InstallDisk>(new InstallDisk(target));
    d->lock_ = std::move(held);
    if (image_file) {
        // Under a temporary name until the install is complete: an
        // interrupted run leaves no image that looks installed.
        d->image_ = std::make_unique<OutputFile>(target);
        if (::ftruncate(d->image_->fd(), static_cast<off_t>(image_size)) != 0)
            throw_errno("size the image '" + d->image_->temp_path() + "'", errno);
        d->loop_ = LoopDevice::attach(d->image_->temp_path());
        d->loop_lock_ = FileLock::acquire(d->loop_.path(), FileLock::Mode::exclusive);
        d->disk_ = d->loop_.path();
    } else {
        d->disk_ = target;
    }
    log::info() << "Partitioning " << target << (image_file ? " (" + d->disk_ + ")" : "");
    write_partition_table(d->disk_, install_layout());
    d->root_uuid_ = new_uuid();
    d->esp_uuid_ = fat_volume_id(new_uuid());
    for (const auto& c : install_format_commands(d->partition(kEspPartition), d->partition(kInstallRootPartition),
                                                 d->esp_uuid_, d->root_uuid_))
        runner.run(c);
    const FsProbe fs = probe_filesystem(d->partition(kInstallRootPartition));
    if (fs.type != "ext4" || fs.uuid != d->root_uuid_)
        throw Error(Exit::failure, "The root partition '" + d->partition(kInstallRootPartition) +
                                       "' does not carry the filesystem just made (" + fs.type + " " + fs.uuid + ")");
    d->root_ = Mount::mount(d->partition(kInstallRootPartition), run.make_dir("install-root"), "ext4", "");
    return d;
}

void InstallDisk::close() {
    root_.unmount();
    ::sync();
    loop_lock_ = FileLock();
    loop_.detach();
    if (image_) image_->commit();
}

}  // namespace remaster
