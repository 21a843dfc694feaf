#include "iso_image.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <mutex>
#include <vector>

// Without libburn's header, libisofs.h declares struct burn_source itself.
#define LIBISOFS_WITHOUT_LIBBURN 1
#include <libisofs/libisofs.h>

#include "error.hpp"
#include "interrupt.hpp"
#include "small_file.hpp"

namespace remaster {
namespace {

}  // namespace

// libisofs keeps global state (its message queue, character sets): set up
// once per process, on first use, and never torn down while images exist.
void init_libisofs() {
    static std::once_flag once;
    std::call_once(once, [] {
        if (iso_init() < 0) throw Error(Exit::failure, "Failed to initialise libisofs");
        // Its own messages only when fatal: ours say what failed and why.
        iso_set_msgs_severities(const_cast<char*>("NEVER"), const_cast<char*>("FATAL"),
                                const_cast<char*>("remaster: libisofs: "));
    });
}

namespace {

// A libisofs result: < 0 is an error code with a message of its own.
void check(int ret, const std::string& what) {
    if (ret < 0) throw Error(Exit::failure, "Failed to " + what + " (libisofs: " + iso_error_to_msg(ret) + ")");
}

::IsoImage* image_of(void* p) { return static_cast<::IsoImage*>(p); }
::IsoWriteOpts* opts_of(void* p) { return static_cast<::IsoWriteOpts*>(p); }

// The system area: boot_hybrid.img (512 bytes of MBR boot code) in 32 KiB.
std::vector<char> system_area(const std::string& path) {
    const auto code = read_small_file(path, {32768, true, "GRUB's '" + path + "'", Exit::missing});
    if (!code || code->size() < 512)
        throw Error(Exit::missing, "GRUB's hybrid MBR '" + path + "' is missing or short", "Install GRUB's i386-pc files in the root.");
    std::vector<char> area(32768, 0);
    std::copy(code->begin(), code->end(), area.begin());
    return area;
}

// "--interval:appended_partition_2:all::": libisofs' name for an El Torito
// image that is partition 2's data, not a file in the tree.
constexpr const char* kEspPartitionImage = "--interval:appended_partition_2:all::";
constexpr int kEspPartitionNumber = 2;
constexpr uint8_t kEfiPartitionType = 0xef;
constexpr uint8_t kEfiPlatformId = 0xef;

// el_torito_set_isolinux_options: bit 0 patches the boot info table into
// the core, bit 9 GRUB's own boot info (the core's address at byte 1012):
// what grub-mkrescue asks xorriso for (-boot-info-table --grub2-boot-info).
constexpr int kGrubBootInfo = (1 << 0) | (1 << 9);
// iso_write_opts_set_system_area options, MBR type: bit 0 a protective
// partition from block 1 (--protective-msdos-label; 0xEE with the GPT),
// bit 14 the core's address patched in for boot_hybrid.img (--grub2-mbr),
// bit 15 an active partition (--mbr-force-bootable), without which some
// BIOSes do not boot a disk at all.
constexpr int kHybridMbr = (1 << 0) | (1 << 14) | (1 << 15);

}  // namespace

std::string iso_uuid_for(const std::string& id) {
    // id: YYYYMMDD-hhmmss[-N]; the UUID is the volume time to the centisecond.
    const std::string d = id.substr(0, 8) + id.substr(9, 6);
    return d.substr(0, 4) + "-" + d.substr(4, 2) + "-" + d.substr(6, 2) + "-" + d.substr(8, 2) + "-" +
           d.substr(10, 2) + "-" + d.substr(12, 2) + "-00";
}

IsoWriter::IsoWriter(const IsoSpec& spec) {
    init_libisofs();
    ::IsoImage* img = nullptr;
    check(iso_image_new(spec.volume_id.c_str(), &img), "create an ISO image");
    image_ = img;
    // The staging tree links the squashfs from where it was written.
    iso_tree_set_follow_symlinks(img, 1);
    check(iso_tree_add_dir_rec(img, iso_image_get_root(img), spec.tree.c_str()), "add '" + spec.tree + "' to the ISO");

    ElToritoBootImage* bios = nullptr;
    check(iso_image_set_boot_image(img, spec.bios_image.c_str(), ELTORITO_NO_EMUL, spec.catalog.c_str(), &bios),
          "make '" + spec.bios_image + "' the El Torito BIOS image");
    el_torito_set_load_size(bios, 4);  // 4 sectors of 512 bytes: cdboot.img, which loads the rest
    check(el_torito_set_isolinux_options(bios, kGrubBootInfo, 0), "set the BIOS image's boot info");
    ElToritoBootImage* efi = nullptr;
    check(iso_image_add_boot_image(img, kEspPartitionImage, ELTORITO_NO_EMUL, 0, &efi), "add the El Torito EFI image");
    check(el_torito_set_boot_platform_id(efi, kEfiPlatformId), "mark the EFI image for UEFI");

    ::IsoWriteOpts* o = nullptr;
    check(iso_write_opts_new(&o, 1 /* Rock Ridge */), "make the ISO write options");
    opts_ = o;
    check(iso_write_opts_set_iso_level(o, 3), "set ISO level 3");
    check(iso_write_opts_set_joliet(o, 1), "enable Joliet");
    std::string uuid_digits;
    for (char c : spec.uuid)
        if (c != '-') uuid_digits += c;
    check(iso_write_opts_set_pvd_times(o, 0, 0, 0, 0, const_cast<char*>(uuid_digits.c_str())), "set the volume UUID");
    std::vector<char> area = system_area(spec.system_area);
    check(iso_write_opts_set_system_area(o, area.data(), kHybridMbr, 0), "set the hybrid MBR");
    check(iso_write_opts_set_partition_img(o, kEspPartitionNumber, kEfiPartitionType,
                                           const_cast<char*>(spec.esp_image.c_str()), 0),
          "append the ESP image '" + spec.esp_image + "'");
    // The ESP in a GPT (an EFI System partition) behind a protective MBR
    // whose dummy partition 2 is active: what Ubuntu and Qubes settled on
    // after MBR-only and isohybrid layouts failed on some firmware (docs/iso.md).
    check(iso_write_opts_set_appended_as_gpt(o, 1), "put the ESP in a GPT");

    // Lays the image out and starts the writer thread, which waits for reads.
    check(iso_image_create_burn_source(img, o, &source_), "lay out the ISO image");
    const off_t size = source_->get_size(source_);
    if (size <= 0) throw Error(Exit::failure, "libisofs reported no size for the ISO image");
    size_ = static_cast<uint64_t>(size);
}

IsoWriter::~IsoWriter() {
    if (source_) {
        if (!done_) source_->cancel(source_);
        source_->free_data(source_);
        free(source_);
    }
    if (opts_) iso_write_opts_free(opts_of(opts_));
    if (image_) iso_image_unref(image_of(image_));
}

void IsoWriter::write(int fd, const std::function<void(uint64_t)>& progress) {
    std::vector<unsigned char> buf(1 << 20);
    uint64_t done = 0;
    while (done < size_) {
        check_interrupt();
        // Never more than is left: a read past the end gets nothing at all.
        const int want = static_cast<int>(std::min<uint64_t>(buf.size(), size_ - done));
        const int n = source_->read_xt(source_, buf.data(), want);
        if (n < 0) throw Error(Exit::failure, "Failed to generate the ISO image (libisofs read error)");
        if (n == 0) break;
        for (int off = 0; off < n;) {
            const ssize_t w = ::write(fd, buf.data() + off, static_cast<size_t>(n - off));
            if (w < 0 && errno == EINTR) continue;
            if (w < 0 && errno == ENOSPC) throw Error(Exit::no_space, "The output filesystem is full (writing the ISO)");
            if (w < 0) throw_errno("write the ISO image", errno);
            off += static_cast<int>(w);
        }
        done += static_cast<uint64_t>(n);
        progress(done);
    }
    if (done != size_)
        throw Error(Exit::failure, "libisofs ended the ISO image after " + std::to_string(done) + " of " +
                                       std::to_string(size_) + " bytes");
    done_ = true;
}

}  // namespace remaster
