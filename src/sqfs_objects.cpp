#include "sqfs_objects.hpp"

#include <sqfs/error.h>
#include <unistd.h>

#include <cerrno>
#include <new>

#include "error.hpp"

namespace remaster {

std::string sqfs_error_text(int code) {
    switch (code) {
    case SQFS_ERROR_ALLOC: return "out of memory";
    case SQFS_ERROR_IO: return "I/O error";
    case SQFS_ERROR_COMPRESSOR: return "compressor failure";
    case SQFS_ERROR_INTERNAL: return "internal libsquashfs error";
    case SQFS_ERROR_CORRUPTED: return "corrupted data";
    case SQFS_ERROR_UNSUPPORTED: return "not supported by libsquashfs";
    case SQFS_ERROR_OVERFLOW: return "numeric overflow";
    case SQFS_ERROR_OUT_OF_BOUNDS: return "location out of bounds";
    case SFQS_ERROR_SUPER_MAGIC: return "wrong super block magic";
    case SFQS_ERROR_SUPER_VERSION: return "unsupported squashfs version";
    case SQFS_ERROR_SUPER_BLOCK_SIZE: return "invalid block size";
    case SQFS_ERROR_NOT_DIR: return "not a directory";
    case SQFS_ERROR_NO_ENTRY: return "no such entry";
    case SQFS_ERROR_LINK_LOOP: return "hard link loop";
    case SQFS_ERROR_NOT_FILE: return "not a regular file";
    case SQFS_ERROR_ARG_INVALID: return "invalid argument";
    case SQFS_ERROR_SEQUENCE: return "calls out of sequence";
    default: return "libsquashfs error " + std::to_string(code);
    }
}

void throw_sqfs(const std::string& action, int code, const FdFile* file) {
    if (code == SQFS_ERROR_IO && file && file->last_errno() != 0) throw_errno(action, file->last_errno());
    throw Error(Exit::failure, "Failed to " + action + ": " + sqfs_error_text(code));
}

// The C object libsquashfs sees; `base` must stay the first member.
struct FdFile::Impl {
    sqfs_file_t base;
    int fd;
    uint64_t size;
    int last_errno;
};

namespace {

FdFile::Impl* self(sqfs_file_t* f) { return reinterpret_cast<FdFile::Impl*>(f); }
const FdFile::Impl* self(const sqfs_file_t* f) { return reinterpret_cast<const FdFile::Impl*>(f); }

extern "C" void fd_destroy(sqfs_object_t* obj) { delete reinterpret_cast<FdFile::Impl*>(obj); }

extern "C" int fd_read_at(sqfs_file_t* f, sqfs_u64 offset, void* buffer, size_t size) {
    auto* s = self(f);
    auto* p = static_cast<char*>(buffer);
    if (offset + size > s->size) return SQFS_ERROR_OUT_OF_BOUNDS;
    while (size > 0) {
        ssize_t n = ::pread(s->fd, p, size, static_cast<off_t>(offset));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            s->last_errno = errno;
            return SQFS_ERROR_IO;
        }
        if (n == 0) return SQFS_ERROR_OUT_OF_BOUNDS;
        p += n;
        offset += static_cast<uint64_t>(n);
        size -= static_cast<size_t>(n);
    }
    return 0;
}

extern "C" int fd_write_at(sqfs_file_t* f, sqfs_u64 offset, const void* buffer, size_t size) {
    auto* s = self(f);
    auto* p = static_cast<const char*>(buffer);
    uint64_t end = offset + size;
    while (size > 0) {
        ssize_t n = ::pwrite(s->fd, p, size, static_cast<off_t>(offset));
        // EINTR: our signal handlers do not restart; check_interrupt() runs
        // between files, so finish the write here.
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            s->last_errno = errno;
            return SQFS_ERROR_IO;
        }
        if (n == 0) {
            s->last_errno = ENOSPC;
            return SQFS_ERROR_IO;
        }
        p += n;
        offset += static_cast<uint64_t>(n);
        size -= static_cast<size_t>(n);
    }
    if (end > s->size) s->size = end;
    return 0;
}

extern "C" sqfs_u64 fd_get_size(const sqfs_file_t* f) { return self(f)->size; }

extern "C" int fd_truncate(sqfs_file_t* f, sqfs_u64 size) {
    auto* s = self(f);
    if (::ftruncate(s->fd, static_cast<off_t>(size)) != 0) {
        s->last_errno = errno;
        return SQFS_ERROR_IO;
    }
    s->size = size;
    return 0;
}

}  // namespace

FdFile::FdFile(int fd, uint64_t initial_size) : impl_(new Impl{}) {
    impl_->base.base.destroy = fd_destroy;
    impl_->base.base.copy = nullptr;
    impl_->base.read_at = fd_read_at;
    impl_->base.write_at = fd_write_at;
    impl_->base.get_size = fd_get_size;
    impl_->base.truncate = fd_truncate;
    impl_->fd = fd;
    impl_->size = initial_size;
    impl_->last_errno = 0;
}

FdFile::~FdFile() { sqfs_destroy(&impl_->base); }

sqfs_file_t* FdFile::get() noexcept { return &impl_->base; }

int FdFile::last_errno() const noexcept { return impl_->last_errno; }

}  // namespace remaster
