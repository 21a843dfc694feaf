#include "initramfs_compress.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <zlib.h>
#include <zstd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <vector>

#include "checksum.hpp"
#include "error.hpp"
#include "fd.hpp"
#include "output_file.hpp"
#include "usable_cpus.hpp"

namespace remaster {
namespace {

// zstd's level for the initramfs: about 2 s for a 134 MB generic image on
// two cores and 12% smaller than gzip -9; higher levels cost ten times the
// time for 1% less. Its window (4 MiB) is well inside what the kernel's
// unzstd accepts.
constexpr int kZstdLevel = 9;
constexpr size_t kNewcHeader = 110;

// A newc ("070701") header field: 8 hex digits.
bool hex_field(const unsigned char* p, uint64_t& out) {
    out = 0;
    for (int i = 0; i < 8; ++i) {
        const unsigned char c = p[i];
        unsigned v;
        if (c >= '0' && c <= '9') v = c - '0';
        else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
        else return false;
        out = out * 16 + v;
    }
    return true;
}

uint64_t align4(uint64_t n) { return (n + 3) & ~uint64_t{3}; }

// The input image, mapped read-only.
class MappedFile {
public:
    explicit MappedFile(const std::string& path) {
        Fd fd = open_or_throw(path.c_str(), O_RDONLY | O_CLOEXEC);
        struct stat st;
        if (::fstat(fd.get(), &st) != 0) throw_errno("stat '" + path + "'", errno);
        size_ = static_cast<uint64_t>(st.st_size);
        if (size_ == 0) throw Error(Exit::failure, "The initramfs '" + path + "' that dracut wrote is empty");
        void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd.get(), 0);
        if (p == MAP_FAILED) throw_errno("map '" + path + "'", errno);
        data_ = static_cast<const unsigned char*>(p);
    }
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;
    ~MappedFile() { ::munmap(const_cast<unsigned char*>(data_), size_); }
    const unsigned char* data() const { return data_; }
    uint64_t size() const { return size_; }

private:
    const unsigned char* data_ = nullptr;
    uint64_t size_ = 0;
};

// Writes everything, and adds it to the digest of the file.
void write_all(int fd, const void* buf, size_t n, const std::string& path, Sha256& digest) {
    digest.update(buf, n);
    const char* p = static_cast<const char*>(buf);
    while (n) {
        const ssize_t w = ::write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) throw_errno("write '" + path + "'", errno);
        p += w;
        n -= static_cast<size_t>(w);
    }
}

struct ZstdCCtxFree {
    void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
};

void check_zstd(size_t rc, const char* what) {
    if (ZSTD_isError(rc))
        throw Error(Exit::failure, std::string("Compressing the initramfs with zstd failed (") + what + "): " +
                                       ZSTD_getErrorName(rc));
}

void write_zstd(const unsigned char* data, uint64_t size, int fd, const std::string& path, unsigned threads,
                Sha256& digest) {
    std::unique_ptr<ZSTD_CCtx, ZstdCCtxFree> cctx(ZSTD_createCCtx());
    if (!cctx) throw Error(Exit::failure, "Compressing the initramfs: out of memory (zstd)");
    check_zstd(ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_compressionLevel, kZstdLevel), "level");
    // The kernel's unzstd wants the content checksum off or on; on costs
    // nothing and lets `zstd -t` check a copy.
    check_zstd(ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_checksumFlag, 1), "checksum");
    // Workers need libzstd built with threads (Debian's is); without them
    // this fails and one thread does the work.
    if (threads > 1) (void)ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_nbWorkers, static_cast<int>(threads));
    check_zstd(ZSTD_CCtx_setPledgedSrcSize(cctx.get(), size), "size");
    std::vector<unsigned char> out(ZSTD_CStreamOutSize());
    ZSTD_inBuffer in{data, static_cast<size_t>(size), 0};
    size_t remaining;
    do {
        ZSTD_outBuffer ob{out.data(), out.size(), 0};
        remaining = ZSTD_compressStream2(cctx.get(), &ob, &in, ZSTD_e_end);
        check_zstd(remaining, "stream");
        write_all(fd, out.data(), ob.pos, path, digest);
    } while (remaining != 0);
}

void write_gzip(const unsigned char* data, uint64_t size, int fd, const std::string& path, Sha256& digest) {
    z_stream zs{};
    // 15 + 16: a gzip wrapper, which is what the kernel's gunzip reads.
    if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        throw Error(Exit::failure, "Compressing the initramfs: zlib could not start");
    std::unique_ptr<z_stream, int (*)(z_stream*)> guard(&zs, deflateEnd);
    std::vector<unsigned char> out(1 << 20);
    uint64_t fed = 0;
    int rc;
    do {
        // avail_in is 32 bits: feed at most 1 GiB at a time.
        if (zs.avail_in == 0 && fed < size) {
            const uint64_t n = std::min<uint64_t>(size - fed, 1u << 30);
            zs.next_in = const_cast<unsigned char*>(data + fed);
            zs.avail_in = static_cast<uInt>(n);
            fed += n;
        }
        zs.next_out = out.data();
        zs.avail_out = static_cast<uInt>(out.size());
        rc = deflate(&zs, fed == size ? Z_FINISH : Z_NO_FLUSH);
        if (rc == Z_STREAM_ERROR) throw Error(Exit::failure, "Compressing the initramfs with zlib failed");
        write_all(fd, out.data(), out.size() - zs.avail_out, path, digest);
    } while (rc != Z_STREAM_END);
}

bool config_sets(const std::string& path, const std::string& line) {
    std::ifstream f(path);
    std::string l;
    while (std::getline(f, l))
        if (l == line) return true;
    return false;
}

}  // namespace

const char* compression_name(InitramfsCompression c) { return c == InitramfsCompression::zstd ? "zstd" : "gzip"; }

InitramfsCompression initramfs_compression_for(const std::string& root, const std::string& kver) {
    // Debian and Arch keep the config in /boot, Fedora beside the modules.
    for (const std::string& rel : {"/boot/config-" + kver, "/usr/lib/modules/" + kver + "/config",
                                   "/lib/modules/" + kver + "/config"})
        if (config_sets(root + rel, "CONFIG_RD_ZSTD=y")) return InitramfsCompression::zstd;
    return InitramfsCompression::gzip;
}

uint64_t early_cpio_length(const unsigned char* data, uint64_t size) {
    uint64_t pos = 0;
    bool first = true;
    while (pos + kNewcHeader <= size && std::memcmp(data + pos, "070701", 6) == 0) {
        uint64_t filesize, namesize;
        if (!hex_field(data + pos + 54, filesize) || !hex_field(data + pos + 94, namesize) || namesize == 0) return 0;
        const uint64_t name_at = pos + kNewcHeader;
        if (name_at + namesize > size) return 0;
        const std::string name(reinterpret_cast<const char*>(data + name_at), namesize - 1);
        // dracut's early archive starts with its marker file; anything else
        // is the main image, compressed whole.
        if (first && name != "early_cpio") return 0;
        first = false;
        pos = align4(align4(name_at + namesize) + filesize);
        if (pos > size) return 0;
        if (name == "TRAILER!!!") {
            // cpio pads its archive with zeros (to 512 bytes); the kernel
            // skips them, and they belong to the early part.
            while (pos < size && data[pos] == 0) ++pos;
            return pos;
        }
    }
    return 0;
}

std::string compress_initramfs(const std::string& in, const std::string& out, InitramfsCompression c,
                               unsigned threads) {
    const MappedFile image(in);
    const uint64_t early = early_cpio_length(image.data(), image.size());
    if (threads == 0) threads = usable_cpus();
    OutputFile file(out);
    Sha256 digest;
    write_all(file.fd(), image.data(), early, out, digest);
    if (c == InitramfsCompression::zstd)
        write_zstd(image.data() + early, image.size() - early, file.fd(), out, threads, digest);
    else
        write_gzip(image.data() + early, image.size() - early, file.fd(), out, digest);
    file.commit();
    return digest.hex();
}

}  // namespace remaster
