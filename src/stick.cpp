#include "stick.hpp"

#include <unistd.h>

#include <cerrno>

#include "error.hpp"

namespace remaster {

std::unique_ptr<Stick> Stick::open_existing(const std::string& path, bool image_file) {
    auto s = std::unique_ptr<Stick>(new Stick);
    if (image_file) {
        s->loop_ = LoopDevice::attach(path);
        s->disk_ = s->loop_.path();
    } else {
        s->disk_ = path;
    }
    return s;
}

std::unique_ptr<Stick> Stick::create(const std::string& path, bool image_file, uint64_t image_size) {
    auto s = std::unique_ptr<Stick>(new Stick);
    if (!image_file) {
        s->disk_ = path;
        return s;
    }
    s->image_ = std::make_unique<OutputFile>(path);
    if (::ftruncate(s->image_->fd(), static_cast<off_t>(image_size)) != 0)
        throw_errno("size the image '" + s->image_->temp_path() + "'", errno);
    s->loop_ = LoopDevice::attach(s->image_->temp_path());
    s->disk_ = s->loop_.path();
    return s;
}

void Stick::commit() {
    ::sync();
    loop_.detach();
    if (image_) image_->commit();
}

}  // namespace remaster
