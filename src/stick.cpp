#include "stick.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "boot_install.hpp"
#include "bytes.hpp"
#include "error.hpp"
#include "log.hpp"

namespace remaster {

void Stick::attach(bool image_file) {
    if (!image_file) {
        disk_ = target_;
        return;
    }
    loop_ = LoopDevice::attach(image_ ? image_->temp_path() : target_);
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

std::string Stick::probe(const std::string& target, bool image_file) {
    Stick s(target);
    s.attach(image_file);
    return probe_existing_stick(s.disk_);
}

std::unique_ptr<Stick> Stick::open(const std::string& target, StickAccess access, RuntimeDir& run,
                                   const std::string& expect_uuid) {
    struct stat st;
    if (::stat(target.c_str(), &st) != 0 || !(S_ISBLK(st.st_mode) || S_ISREG(st.st_mode)))
        throw Error(Exit::bad_input, "'" + target + "' is neither a block device nor an image file");
    auto s = std::unique_ptr<Stick>(new Stick(target));
    s->attach(S_ISREG(st.st_mode));
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
                                     RuntimeDir& run) {
    auto s = std::unique_ptr<Stick>(new Stick(target));
    if (image_file) {
        s->image_ = std::make_unique<OutputFile>(target);
        if (::ftruncate(s->image_->fd(), static_cast<off_t>(size.image)) != 0)
            throw_errno("size the image '" + s->image_->temp_path() + "'", errno);
    }
    s->attach(image_file);
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
    loop_.detach();
    if (image_) image_->commit();
}

}  // namespace remaster
