#include "stick.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "boot_install.hpp"
#include "bytes.hpp"
#include "device_use.hpp"
#include "error.hpp"
#include "log.hpp"
#include "system_mounts.hpp"

namespace remaster {
namespace {

FileLock::Mode mode_for(StickAccess access) {
    return access == StickAccess::write ? FileLock::Mode::exclusive : FileLock::Mode::shared;
}

}  // namespace

std::shared_ptr<FileLock> Stick::lock(const std::string& target, StickAccess access) {
    return std::make_shared<FileLock>(FileLock::acquire(target, mode_for(access)));
}

void Stick::claim(StickAccess access, std::shared_ptr<FileLock> held) {
    struct stat st;
    if (::stat(target_.c_str(), &st) != 0) return;  // a new image file: nobody else knows it yet
    // Lock first, then look: a run that respects the lock cannot start using
    // the stick after we looked.
    target_lock_ = held ? std::move(held) : lock(target_, access);
    const auto uses = device_uses(target_, live_device_system(read_mount_table()),
                                  access == StickAccess::write ? UseFilter::any : UseFilter::writable_mounts);
    if (uses.empty()) return;
    std::string what = "The stick '" + target_ + "' is in use: " + uses.front();
    if (uses.size() > 1) what += " (and " + std::to_string(uses.size() - 1) + " more)";
    throw Error(Exit::unsafe_target, what,
                "Unmount it (and what is built on it) first; remaster does not touch a stick in use.");
}

void Stick::attach(bool image_file, StickAccess access) {
    if (!image_file) {
        disk_ = target_;
        return;
    }
    loop_ = LoopDevice::attach(image_ ? image_->temp_path() : target_);
    loop_lock_ = FileLock::acquire(loop_.path(), mode_for(access));
    disk_ = loop_.path();
}

void Stick::mount_data(RuntimeDir& run, StickAccess access) {
    // Read-only means not even replaying the journal (as at boot): a stick
    // whose journal was cut off by failing writes still shows, and
    // verifies, what it held when last written completely.
    data_ = Mount::mount(partition(kDataPartition), run.make_dir("stick"), "ext4",
                         access == StickAccess::write ? "" : "ro,noload");
    root_ = data_.target();
}

std::string Stick::probe(const std::string& target, bool image_file, std::shared_ptr<FileLock> held) {
    Stick s(target);
    s.claim(StickAccess::write, std::move(held));
    s.attach(image_file, StickAccess::write);
    return probe_existing_stick(s.disk_);
}

std::unique_ptr<Stick> Stick::open(const std::string& target, StickAccess access, RuntimeDir& run,
                                   const std::string& expect_uuid, std::shared_ptr<FileLock> held) {
    struct stat st;
    if (::stat(target.c_str(), &st) != 0 || !(S_ISBLK(st.st_mode) || S_ISREG(st.st_mode)))
        throw Error(Exit::bad_input, "'" + target + "' is neither a block device nor an image file");
    auto s = std::unique_ptr<Stick>(new Stick(target));
    s->claim(access, std::move(held));
    s->attach(S_ISREG(st.st_mode), access);
    s->uuid_ = probe_existing_stick(s->disk_);
    if (!expect_uuid.empty() && s->uuid_ != expect_uuid)
        throw Error(Exit::unsafe_target, "The stick '" + target + "' changed since the plan was made");
    if (s->uuid_.empty())
        throw Error(Exit::bad_input, "'" + target + "' is not a remaster stick",
                    "Make one with: remaster snapshot --to " + target);
    s->mount_data(run, access);
    return s;
}

std::unique_ptr<Stick> Stick::create(const std::string& target, bool image_file, const Size& size, Runner& runner,
                                     RuntimeDir& run, std::shared_ptr<FileLock> held) {
    auto s = std::unique_ptr<Stick>(new Stick(target));
    // An image replaced by a new one is locked too: whoever reads the old one
    // must not see it renamed away under them.
    s->claim(StickAccess::write, std::move(held));
    if (image_file) {
        s->image_ = std::make_unique<OutputFile>(target);
        if (::ftruncate(s->image_->fd(), static_cast<off_t>(size.image)) != 0)
            throw_errno("size the image '" + s->image_->temp_path() + "'", errno);
    }
    s->attach(image_file, StickAccess::write);
    if (!image_file && device_size(s->disk_) < size.minimum)
        throw Error(Exit::no_space,
                    "'" + target + "' (" + format_bytes(device_size(s->disk_)) + ") is too small for this snapshot (about " +
                        format_bytes(size.minimum) + " needed); nothing was written",
                    "Use a bigger stick, or leave out large directories with --exclude.");
    log::info() << "Partitioning " << target << (image_file ? " (" + s->disk_ + ")" : "");
    write_partition_table(s->disk_, stick_layout());
    s->uuid_ = new_uuid();
    for (const auto& c : format_commands(s->partition(kEspPartition), s->partition(kDataPartition), s->uuid_))
        runner.run(c);
    // The boot entries find the stick by this UUID: make sure it is there.
    const std::string data_part = s->partition(kDataPartition);
    const FsProbe fs = probe_filesystem(data_part);
    if (fs.type != "ext4" || fs.uuid != s->uuid_)
        throw Error(Exit::failure, "The data partition '" + data_part + "' does not carry the filesystem just made (" +
                                       fs.type + " " + fs.uuid + ")");
    s->mount_data(run, StickAccess::write);
    return s;
}

void Stick::close() {
    data_.unmount();
    ::sync();
    // Our lock fd is an opener of the loop device: it would only be marked
    // to detach itself later.
    loop_lock_ = FileLock();
    loop_.detach();
    if (image_) image_->commit();
}

}  // namespace remaster
