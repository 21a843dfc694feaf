// Read-ahead for the squashfs writer: a thread that walks the files in the
// order the writer will read them and asks the kernel to load each one into
// the page cache (POSIX_FADV_WILLNEED), a bounded number of bytes ahead.
//
// Why: the writer reads one file after the other on one thread. With a cold
// cache every small file is a synchronous disk round trip, and while the
// writer waits the compression threads run dry; on a 2-core machine that
// left half the CPU idle. WILLNEED only queues the I/O, so one thread keeps
// the disk busy with many requests in flight, and the data lands in the page
// cache, not in our memory: the window costs no RSS.
//
// Purely advisory: files it cannot open (vanished, paths beyond PATH_MAX) are
// skipped silently; the writer reports them when it reads them itself.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "fd.hpp"

namespace remaster {

class Prefetcher {
public:
    struct File {
        std::string rel;  // "/usr/bin/ls", relative to the root directory
        uint64_t bytes;   // what the writer will read, for the window
    };

    // Starts the thread; files in the writer's reading order. window_bytes:
    // how far ahead of the writer it may be.
    Prefetcher(const std::string& root_dir, std::vector<File> files, uint64_t window_bytes);
    Prefetcher(const Prefetcher&) = delete;
    Prefetcher& operator=(const Prefetcher&) = delete;
    // Stops and joins the thread; never throws.
    ~Prefetcher();

    // The writer is done with files [0, count): the window moves on.
    void consumed(size_t count);

private:
    void run();

    Fd root_;
    std::vector<File> files_;
    uint64_t window_;

    std::mutex mutex_;
    std::condition_variable moved_;
    uint64_t consumed_bytes_ = 0;  // bytes of files [0, consumed_count_)
    size_t consumed_count_ = 0;
    // The thread sleeps until the writer has read up to wake_at_ bytes, or
    // reached file wake_count_ (the next one to prefetch).
    bool waiting_ = false;
    uint64_t wake_at_ = 0;
    size_t wake_count_ = 0;
    bool stop_ = false;
    std::thread thread_;  // last: started when everything above is ready
};

}  // namespace remaster
