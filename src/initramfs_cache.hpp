// Built initramfs images kept on the machine running remaster, so that a
// second stick, a --replace or a new medium of an unchanged system does not
// wait for dracut again (about 40 s of a 47 s run on the test root).
//
// An entry is named by a key made of everything that goes into the image:
// the fingerprint of the files dracut reads (kernel modules, firmware,
// programs and libraries, dracut itself and its configuration, our module:
// layering.hpp initramfs_fingerprint) and dracut's command line (kernel
// version, omitted modules). Each entry is KEY.img with KEY.sha256 beside
// it; the .sha256 is written last, so an entry cut short by a crash has
// none and is never used, and a damaged one fails its check and is removed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace remaster {

constexpr const char* kDefaultInitramfsCache = "/var/cache/remaster/initramfs";

class InitramfsCache {
public:
    // `dir` empty: no cache (--no-cache). `max_bytes`: entries beyond it
    // are removed, least recently used first (the newest one always stays).
    explicit InitramfsCache(std::string dir, uint64_t max_bytes = kDefaultMaxBytes);

    static constexpr uint64_t kDefaultMaxBytes = uint64_t{1} << 30;

    bool enabled() const { return !dir_.empty(); }
    const std::string& dir() const { return dir_; }

    // The key of an image built from files of fingerprint `inputs` by
    // `dracut_argv`.
    static std::string key(const std::string& inputs, const std::vector<std::string>& dracut_argv);

    // Copies the entry `key` to `to` when there is one and it passes its
    // check; a damaged entry is removed. Returns the SHA-256 of what was
    // copied (read for the check), or nothing when there is no good entry.
    std::optional<std::string> fetch(const std::string& key, const std::string& to) const;

    // Keeps `from` as the entry `key`, then trims the cache to its bound.
    // `sha256`: from's, when the caller computed it while writing (else it
    // is read here). A cache that cannot be written costs only the next
    // run's time: it warns and returns.
    void store(const std::string& key, const std::string& from, const std::string& sha256 = {}) const;

    // The path of the entry's image (for messages and tests).
    std::string image_path(const std::string& key) const;

private:
    std::string sum_path(const std::string& key) const;
    void trim() const;

    std::string dir_;
    uint64_t max_bytes_;
};

}  // namespace remaster
