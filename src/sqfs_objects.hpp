// Owning handles for libsquashfs objects, the error text of SQFS_ERROR codes,
// and an sqfs_file_t over a caller-owned fd.
//
// libsquashfs 1.2 objects are not reference counted: a block writer uses its
// file until it is destroyed, a directory writer uses its meta writer.
// Declare the handles in the order the objects are created and they are
// destroyed in reverse, on every path.
#pragma once

#include <sqfs/io.h>
#include <sqfs/predef.h>

#include <memory>
#include <string>

namespace remaster {

struct SqfsDestroy {
    void operator()(void* obj) const noexcept { sqfs_destroy(obj); }
};
template <class T>
using SqfsPtr = std::unique_ptr<T, SqfsDestroy>;

// Memory that libsquashfs allocated and hands over (inodes): sqfs_free.
struct SqfsFree {
    void operator()(void* p) const noexcept { sqfs_free(p); }
};

// "I/O error", "out of memory", ... for an SQFS_ERROR code.
std::string sqfs_error_text(int code);

// An sqfs_file_t that reads and writes a file descriptor it does not own, so
// the caller decides what the file is (a temp file renamed later, a
// partition). The size is tracked rather than asked from the kernel: on a
// block device the "file" is the bytes written so far. It remembers the errno
// of the last failed call, so an SQFS_ERROR_IO can be turned back into
// "No space left on device".
class FdFile {
public:
    explicit FdFile(int fd, uint64_t initial_size = 0);
    FdFile(const FdFile&) = delete;
    FdFile& operator=(const FdFile&) = delete;
    ~FdFile();

    sqfs_file_t* get() noexcept;
    int last_errno() const noexcept;

    struct Impl;  // the C object; defined in the .cpp

private:
    Impl* impl_;  // freed by sqfs_destroy from the destructor
};

// Throws Error naming the action and the libsquashfs error; SQFS_ERROR_IO
// with an errno recorded by file becomes throw_errno (ENOSPC -> no_space).
[[noreturn]] void throw_sqfs(const std::string& action, int code, const FdFile* file = nullptr);

}  // namespace remaster
