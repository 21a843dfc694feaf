#include "squash_prefetch.hpp"

#include <fcntl.h>

#include <algorithm>
#include <utility>

#include "interrupt.hpp"

namespace remaster {

Prefetcher::Prefetcher(const std::string& root_dir, std::vector<File> files, uint64_t window_bytes)
    : root_(::open(root_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)), files_(std::move(files)),
      window_(window_bytes) {
    if (!root_ || files_.empty()) return;
    SignalsBlocked blocked;  // they stay with the main thread
    try {
        thread_ = std::thread([this] { run(); });
    } catch (...) {
        // No thread, no read-ahead: the writer works without it.
    }
}

Prefetcher::~Prefetcher() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stop_ = true;
    }
    moved_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void Prefetcher::consumed(size_t count) {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (count <= consumed_count_) return;
        for (size_t i = consumed_count_; i < count && i < files_.size(); ++i) consumed_bytes_ += files_[i].bytes;
        consumed_count_ = count;
        // Wake the thread only when a good part of the window is free, not
        // for every small file: each wake-up costs the writer a context switch.
        if (!waiting_ || (consumed_bytes_ < wake_at_ && count < wake_count_)) return;
        waiting_ = false;
    }
    moved_.notify_one();
}

void Prefetcher::run() {
    uint64_t ahead = 0;  // bytes of the files asked for so far
    for (size_t i = 0; i < files_.size(); ++i) {
        {
            std::unique_lock<std::mutex> lock(mutex_);
            // The first file of the window is always allowed, however big.
            auto may_go = [&] { return stop_ || i <= consumed_count_ || ahead - consumed_bytes_ < window_; };
            if (!may_go()) {
                waiting_ = true;
                wake_at_ = ahead - window_ / 2;  // consumed_bytes_ < wake_at_ here
                wake_count_ = i;
                moved_.wait(lock, [&] { return !waiting_ || stop_; });
            }
            if (stop_) return;
            if (i < consumed_count_) {  // the writer got there first
                ahead += files_[i].bytes;
                continue;
            }
        }
        const File& f = files_[i];
        ahead += f.bytes;
        if (f.bytes == 0 || f.rel.size() < 2) continue;
        // O_NONBLOCK: a fifo in a file's place must not hang us.
        int flags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY;
        Fd fd(::openat(root_.get(), f.rel.c_str() + 1, flags | O_NOATIME));
        if (!fd) fd.reset(::openat(root_.get(), f.rel.c_str() + 1, flags));
        // A big file only up to the window: the writer's own sequential
        // read-ahead takes it from there, and nothing is loaded so early
        // that memory pressure could drop it again before it is read.
        if (fd) ::posix_fadvise(fd.get(), 0, static_cast<off_t>(std::min(f.bytes, window_)), POSIX_FADV_WILLNEED);
    }
}

}  // namespace remaster
