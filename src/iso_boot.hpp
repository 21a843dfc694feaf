// The boot parts of an ISO (snapshot --iso), each built from the Commands it
// runs so --dry-run prints what a real run executes. All GRUB pieces come
// from the root's own GRUB, in the view, as for a stick (boot_install.hpp):
//   <tree>/boot/grub/{i386-pc,x86_64-efi}/   GRUB's modules, read from the ISO
//   <tree>/boot/grub/i386-pc/eltorito.img    the BIOS El Torito core (-O i386-pc-eltorito)
//   <stage>/efi.img                          a FAT ESP with EFI/BOOT/BOOTX64.EFI: the
//                                            El Torito EFI image and the MBR's partition 2
// Both cores carry early.cfg, which finds the ISO's filesystem by its UUID
// (the volume time: iso_image.hpp) and loads /boot/grub/grub.cfg from it.
#pragma once

#include <string>
#include <vector>

#include "adapter.hpp"
#include "runner.hpp"

namespace remaster {

struct IsoPaths {
    std::string view;   // the view's mount point
    std::string stage;  // our staging dir on this machine, bound into the view at kTargetInView
    std::string tree() const;              // stage/tree: the ISO's root, a Medium
    std::string esp_image() const;         // stage/efi.img
    std::string tree_in_view() const;      // the same tree as the chroot sees it
};

// The BIOS core in the ISO, below the medium's GRUB directory.
constexpr const char* kIsoBiosCore = "/i386-pc/eltorito.img";
constexpr const char* kIsoCatalog = "/boot.catalog";
// The ESP image: 8 MiB of FAT holds BOOTX64.EFI (2-4 MiB) with room to spare.
constexpr unsigned kEspImageKiB = 8192;

// GRUB's modules copied into the tree, the two cores (early.cfg at
// /tmp/early.cfg in the view) and the ESP image with BOOTX64.EFI.
std::vector<Command> iso_grub_commands(const IsoPaths& p, const Adapter& a);
// Where boot_hybrid.img is, on this machine (in the view).
std::string iso_hybrid_mbr(const std::string& view);

}  // namespace remaster
