#include "stick.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "device_use.hpp"
#include "error.hpp"
#include "system_mounts.hpp"

namespace remaster {
namespace {

FileLock::Mode mode_for(StickAccess access) {
    return access == StickAccess::write ? FileLock::Mode::exclusive : FileLock::Mode::shared;
}

}  // namespace

std::shared_ptr<FileLock> Stick::lock(const std::string& path, StickAccess access) {
    return std::make_shared<FileLock>(FileLock::acquire(path, mode_for(access)));
}

void Stick::claim(const std::string& path, StickAccess access, std::shared_ptr<FileLock> held) {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) return;  // a new image file: nobody else knows it yet
    // Lock first, then look: a run that respects the lock cannot start using
    // the stick after we looked.
    target_lock_ = held ? std::move(held) : lock(path, access);
    const auto uses = device_uses(path, live_device_system(read_mount_table()),
                                  access == StickAccess::write ? UseFilter::any : UseFilter::writable_mounts);
    if (uses.empty()) return;
    std::string what = "The stick '" + path + "' is in use: " + uses.front();
    if (uses.size() > 1) what += " (and " + std::to_string(uses.size() - 1) + " more)";
    throw Error(Exit::unsafe_target, what,
                "Unmount it (and what is built on it) first; remaster does not touch a stick in use.");
}

void Stick::attach(const std::string& file, StickAccess access) {
    loop_ = LoopDevice::attach(file);
    loop_lock_ = FileLock::acquire(loop_.path(), mode_for(access));
    disk_ = loop_.path();
}

std::unique_ptr<Stick> Stick::open_existing(const std::string& path, bool image_file, StickAccess access,
                                            std::shared_ptr<FileLock> held) {
    auto s = std::unique_ptr<Stick>(new Stick);
    s->claim(path, access, std::move(held));
    if (image_file)
        s->attach(path, access);
    else
        s->disk_ = path;
    return s;
}

std::unique_ptr<Stick> Stick::create(const std::string& path, bool image_file, uint64_t image_size,
                                     std::shared_ptr<FileLock> held) {
    auto s = std::unique_ptr<Stick>(new Stick);
    // An image replaced by a new one is locked too: whoever reads the old one
    // must not see it renamed away under them.
    s->claim(path, StickAccess::write, std::move(held));
    if (!image_file) {
        s->disk_ = path;
        return s;
    }
    s->image_ = std::make_unique<OutputFile>(path);
    if (::ftruncate(s->image_->fd(), static_cast<off_t>(image_size)) != 0)
        throw_errno("size the image '" + s->image_->temp_path() + "'", errno);
    s->attach(s->image_->temp_path(), StickAccess::write);
    return s;
}

void Stick::commit() {
    ::sync();
    // Our lock fd is an opener of the loop device: it would only be marked
    // to detach itself later.
    loop_lock_ = FileLock();
    loop_.detach();
    if (image_) image_->commit();
}

}  // namespace remaster
