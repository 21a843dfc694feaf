// An ISO 9660 image built with libisofs (the library under xorriso): level
// 3 (files over 4 GiB in several extents), Rock Ridge (modes, long names)
// and Joliet. The tree comes from a directory on this machine; the boot
// parts are an El Torito BIOS entry (a no-emulation GRUB core in the tree),
// an El Torito EFI entry that is the appended partition 2 (a FAT image, the
// ESP, an EFI System partition of a GPT), and a system area with GRUB's
// boot_hybrid.img and a protective MBR: one image boots from a DVD and,
// written raw to a stick, from a disk. docs/iso.md says why this layout.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

struct burn_source;

namespace remaster {

struct IsoSpec {
    std::string volume_id;    // the label; never what we find the medium by
    std::string uuid;         // "YYYY-MM-DD-hh-mm-ss-cc": the volume times, blkid's and GRUB's UUID
    std::string tree;         // directory whose contents become the ISO's root (symlinks followed)
    std::string bios_image;   // path of the BIOS El Torito core in the ISO ("/boot/grub/i386-pc/eltorito.img")
    std::string catalog;      // path of the boot catalogue in the ISO
    std::string esp_image;    // FAT image on this machine: appended partition 2 and the EFI entry
    std::string system_area;  // GRUB's boot_hybrid.img on this machine: the MBR's boot code
};

// libisofs' global state, set up on first use, once per process.
void init_libisofs();

// The ISO's UUID for a snapshot id ("20261201-183927" -> "2026-12-01-18-39-27-00").
std::string iso_uuid_for(const std::string& snapshot_id);

// The image, ready to be written: everything is laid out when constructed,
// so size() is exact before a byte is written. Owns libisofs' image, write
// options and the writer thread; the destructor cancels an unfinished write.
class IsoWriter {
public:
    explicit IsoWriter(const IsoSpec& spec);
    IsoWriter(const IsoWriter&) = delete;
    IsoWriter& operator=(const IsoWriter&) = delete;
    ~IsoWriter();

    uint64_t size() const { return size_; }
    // Writes the whole image to `fd`; `progress` gets the bytes written.
    // Throws Error (no_space on ENOSPC, interrupted on a signal).
    void write(int fd, const std::function<void(uint64_t)>& progress);

private:
    void* image_ = nullptr;  // ::IsoImage, kept out of this header
    void* opts_ = nullptr;   // ::IsoWriteOpts
    burn_source* source_ = nullptr;
    bool done_ = false;
    uint64_t size_ = 0;
};

}  // namespace remaster
