#include "checksum.hpp"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "error.hpp"
#include "fd.hpp"
#include "file_copy.hpp"
#include "interrupt.hpp"
#include "log.hpp"
#include "progress.hpp"
#include "small_file.hpp"
#include "text.hpp"

namespace remaster {
Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
    if (!ctx_ || EVP_DigestInit_ex(static_cast<EVP_MD_CTX*>(ctx_), EVP_sha256(), nullptr) != 1) {
        EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_));
        throw Error(Exit::failure, "Failed to start a SHA-256 digest");
    }
}

Sha256::~Sha256() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_)); }

void Sha256::update(const void* data, size_t size) { EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(ctx_), data, size); }

std::string Sha256::hex() {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(ctx_), md, &len);
    static const char* digits = "0123456789abcdef";
    std::string out;
    for (unsigned i = 0; i < len; ++i) {
        out += digits[md[i] >> 4];
        out += digits[md[i] & 15];
    }
    return out;
}

std::string sha256_file(const std::string& path, const std::function<void(uint64_t bytes)>& on_read) {
    Fd fd = open_or_throw(path.c_str(), O_RDONLY);
    ::posix_fadvise(fd.get(), 0, 0, POSIX_FADV_SEQUENTIAL);
    Sha256 digest;
    std::vector<unsigned char> buf(1 << 20);
    for (;;) {
        check_interrupt();
        ssize_t n = ::read(fd.get(), buf.data(), buf.size());
        if (n < 0) throw_errno("read '" + path + "'", errno);
        if (n == 0) break;
        digest.update(buf.data(), static_cast<size_t>(n));
        if (on_read) on_read(static_cast<uint64_t>(n));
    }
    return digest.hex();
}

void write_sums(const SnapshotDir& dir, const std::map<std::string, std::string>& known,
                const std::vector<std::string>& other_kernels, const std::vector<std::string>& extra) {
    auto files = SnapshotDir::summed_files(other_kernels);
    files.insert(files.end(), extra.begin(), extra.end());
    // The total is what will be read: the files whose hash is not known. A
    // file that cannot be stat'ed counts 0 here and fails in sha256_file.
    // Nothing to read (every hash known): no progress line at all.
    uint64_t total = 0;
    for (const auto& f : files) {
        struct stat st;
        if (!known.count(f) && ::stat(dir.file(f).c_str(), &st) == 0) total += static_cast<uint64_t>(st.st_size);
    }
    Progress progress("checksums", total, log::quiet() || total == 0);
    uint64_t done = 0;
    std::string text;
    for (const auto& f : files) {
        auto it = known.find(f);
        text += (it != known.end() ? it->second : sha256_file(dir.file(f), [&](uint64_t n) {
                    done += n;
                    progress.update(done);
                })) +
                "  " + f + "\n";
    }
    progress.finish();
    write_file_atomic(dir.sums(), text);
}

std::map<std::string, std::string> read_sums(const SnapshotDir& dir) {
    const auto text = read_small_file(dir.sums(), {kConfigMax, false, "", Exit::failure});
    std::map<std::string, std::string> out;
    for (auto& [name, hash] : parse_sums(text.value_or(""))) out[name] = hash;
    return out;
}

std::vector<std::pair<std::string, std::string>> parse_sums(const std::string& text) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const std::string& line : split_lines(text)) {
        if (line.size() < 67 || line.compare(64, 2, "  ") != 0) continue;
        const std::string hash = line.substr(0, 64);
        const std::string name = line.substr(66);
        if (hash.find_first_not_of("0123456789abcdef") != std::string::npos) continue;
        // Names are plain file names in the snapshot directory, nothing else.
        if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "..") continue;
        out.emplace_back(name, hash);
    }
    return out;
}

SumsResult verify_sums(const SnapshotDir& dir) {
    const std::string shown = "'" + dir.booted().sums() + "'";
    const auto read = read_small_file(dir.sums(), {kConfigMax, false, shown, Exit::failure});
    if (!read) throw Error(Exit::failure, shown + " is missing: this snapshot cannot be verified");
    const std::string& text = *read;
    const auto entries = parse_sums(text);
    SumsResult r;
    // As strict as the checked boot: what cannot be read is not "fine".
    size_t lines = 0;
    for (const auto& line : split_lines(text)) lines += line.empty() ? 0 : 1;
    if (lines != entries.size())
        r.bad.push_back(std::string(SnapshotDir::kSums) + ": " + std::to_string(lines - entries.size()) +
                        " malformed line(s)");
    bool lists_image = false;
    for (const auto& e : entries) lists_image = lists_image || e.first == SnapshotDir::kImage;
    if (!lists_image) r.bad.push_back(std::string(SnapshotDir::kImage) + ": not listed in " + SnapshotDir::kSums);
    for (const auto& [name, hash] : entries) {
        if (::access(dir.file(name).c_str(), F_OK) != 0)
            r.bad.push_back(name + ": missing");
        else if (sha256_file(dir.file(name)) != hash)
            r.bad.push_back(name + ": checksum mismatch");
        else
            r.ok.push_back(name);
    }
    return r;
}

}  // namespace remaster
