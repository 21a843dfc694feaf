#include "initramfs_cache.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <ctime>
#include <optional>

#include "checksum.hpp"
#include "dir_stream.hpp"
#include "error.hpp"
#include "file_copy.hpp"
#include "log.hpp"
#include "mount.hpp"
#include "small_file.hpp"

namespace remaster {

namespace {

constexpr const char* kImageSuffix = ".img";
constexpr const char* kSumSuffix = ".sha256";
// An image without its .sha256 this old is a crashed run's, not one being
// written right now.
constexpr time_t kOrphanSeconds = 600;
// Bumped when what an entry holds changes meaning.
constexpr const char* kKeyVersion = "remaster initramfs cache 1";

bool ends_with(const std::string& s, const std::string& tail) {
    return s.size() > tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

void remove_entry_files(const std::string& image, const std::string& sum) {
    ::unlink(sum.c_str());
    ::unlink(image.c_str());
}

// "<hex> <size>" as store() writes it.
std::string sum_line(const std::string& hex, uint64_t size) { return hex + " " + std::to_string(size) + "\n"; }

}  // namespace

InitramfsCache::InitramfsCache(std::string dir, uint64_t max_bytes) : dir_(std::move(dir)), max_bytes_(max_bytes) {}

std::string InitramfsCache::key(const std::string& inputs, const std::vector<std::string>& dracut_argv) {
    Sha256 h;
    std::string text = std::string(kKeyVersion) + "\n" + inputs + "\n";
    for (const auto& a : dracut_argv) text += a + '\0';
    h.update(text.data(), text.size());
    return h.hex();
}

std::string InitramfsCache::image_path(const std::string& key) const { return dir_ + "/" + key + kImageSuffix; }

std::string InitramfsCache::sum_path(const std::string& key) const { return dir_ + "/" + key + kSumSuffix; }

std::optional<std::string> InitramfsCache::fetch(const std::string& key, const std::string& to) const {
    if (!enabled()) return std::nullopt;
    const std::string image = image_path(key), sum = sum_path(key);
    struct stat st;
    // The check beside an entry proves it is whole, not who wrote it: an
    // initramfs runs as root on every machine the stick boots, so only a
    // directory nobody else can write to is trusted.
    if (::stat(dir_.c_str(), &st) == 0 && (st.st_uid != ::geteuid() || (st.st_mode & 022))) {
        log::warn() << "The initramfs cache " << dir_ << " is writable by others than its owner, or not owned by us: "
                    << "not used (chmod go-w it, or give another --cache-dir)";
        return std::nullopt;
    }
    if (::stat(sum.c_str(), &st) != 0 || ::stat(image.c_str(), &st) != 0) return std::nullopt;
    std::optional<std::string> recorded;
    try {
        recorded = read_small_file(sum, {4096, false, "", Exit::failure});
    } catch (const Error&) {
    }
    const std::string hex = sha256_file(image);
    if (!recorded || *recorded != sum_line(hex, static_cast<uint64_t>(st.st_size))) {
        log::warn() << "The cached initramfs " << image << " is damaged: removed, building it again";
        remove_entry_files(image, sum);
        return std::nullopt;
    }
    copy_file(image, to);
    // Its time says when it was last used: trim() keeps the recently used.
    ::utimensat(AT_FDCWD, image.c_str(), nullptr, 0);
    return hex;
}

void InitramfsCache::store(const std::string& key, const std::string& from, const std::string& sha256) const {
    if (!enabled()) return;
    try {
        make_dirs(dir_, 0700);
        struct stat st;
        if (::stat(from.c_str(), &st) != 0) throw_errno("stat '" + from + "'", errno);
        const std::string hex = sha256.empty() ? sha256_file(from) : sha256;
        copy_file(from, image_path(key));
        write_file_atomic(sum_path(key), sum_line(hex, static_cast<uint64_t>(st.st_size)));
        trim();
    } catch (const Error& e) {
        log::warn() << "Could not keep the initramfs in the cache " << dir_ << " (" << e.what()
                    << "): the next run builds it again";
    }
}

void InitramfsCache::trim() const {
    struct Entry {
        std::string key;
        time_t used;
        uint64_t bytes;
    };
    std::vector<Entry> entries;
    const time_t now = ::time(nullptr);
    DirStream d(dir_);
    while (const dirent* e = d.next()) {
        const std::string name = e->d_name;
        struct stat st;
        if (ends_with(name, kImageSuffix)) {
            const std::string key = name.substr(0, name.size() - std::char_traits<char>::length(kImageSuffix));
            if (::stat(image_path(key).c_str(), &st) != 0) continue;
            if (::access(sum_path(key).c_str(), F_OK) == 0)
                entries.push_back({key, st.st_mtime, static_cast<uint64_t>(st.st_size)});
            else if (now - st.st_mtime > kOrphanSeconds)
                ::unlink(image_path(key).c_str());
        } else if (ends_with(name, kSumSuffix)) {
            // A check without its image: what a trim or a damaged entry left.
            const std::string key = name.substr(0, name.size() - std::char_traits<char>::length(kSumSuffix));
            if (::stat(image_path(key).c_str(), &st) != 0) ::unlink(sum_path(key).c_str());
        }
    }
    std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.used > b.used; });
    uint64_t total = 0;
    for (size_t i = 0; i < entries.size(); ++i) {
        total += entries[i].bytes;
        if (i > 0 && total > max_bytes_) remove_entry_files(image_path(entries[i].key), sum_path(entries[i].key));
    }
}

}  // namespace remaster
