// The boot parts of an ISO (snapshot --iso), each built from the Commands it
// runs so --dry-run prints what a real run executes. All GRUB pieces come
// from the root's own GRUB, in the view, as for a stick (boot_install.hpp):
//   <tree>/boot/grub/{i386-pc,x86_64-efi}/   GRUB's modules, read from the ISO
//   <tree>/boot/grub/i386-pc/eltorito.img    the BIOS El Torito core (-O i386-pc-eltorito)
//   <stage>/efi.img                          a FAT ESP with EFI/BOOT/BOOTX64.EFI: the
//                                            El Torito EFI image and the MBR's partition 2
// Both cores carry early.cfg, which finds the ISO's filesystem by its UUID
// (the volume time: iso_image.hpp) and loads /boot/grub/grub.cfg from it.
//
// Secure Boot: with the root's signed chain the ESP image holds the same
// files as a stick's ESP (boot_install.hpp): shim as BOOTX64.EFI, the signed
// GRUB as grubx64.efi, mmx64.efi, and the small config (early.cfg and a
// configfile of the menu) where the signed GRUB looks. Debian's gcdx64 has
// prefix /boot/grub on the device it was loaded from. Written raw to a
// stick, that is the ESP partition: it reads the ESP's /boot/grub/grub.cfg,
// which finds the ISO by UUID. As a CD, GRUB's EFI disk driver takes the
// El Torito image's device to be the whole CD (efidisk.c: a CDROM node maps
// to its parent disk), so the prefix is the ISO's own /boot/grub and gcdx64
// sources the menu there directly: no search is needed, the device is the
// ISO it booted from. Debian's own ISOs (debian-cd, live-build) rely on the
// same. A chain whose config is elsewhere (Fedora: EFI/BOOT/grub.cfg beside
// the GRUB) also gets the small config at that path in the ISO's tree, which
// is where it looks when booted from a CD.
#pragma once

#include <optional>
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
// /tmp/early.cfg in the view) and the ESP image with BOOTX64.EFI; with a
// signed `chain`, its files over that (the config at kSignedConfigInView).
std::vector<Command> iso_grub_commands(const IsoPaths& p, const Adapter& a,
                                       const std::optional<SignedChain>& chain = std::nullopt);
// Where boot_hybrid.img is, on this machine (in the view).
std::string iso_hybrid_mbr(const std::string& view);

}  // namespace remaster
