#include "boot_install.hpp"

#include <sys/stat.h>

#include <fstream>

#include "dir_stream.hpp"
#include "error.hpp"
#include "file_copy.hpp"
#include "medium.hpp"
#include "mount.hpp"

namespace remaster {

std::vector<Command> format_commands(const std::string& esp, const std::string& data, const std::string& uuid) {
    return {
        // FAT32 with 512-byte clusters: a 64 MiB ESP is then valid FAT32,
        // which some firmware insists on.
        {{"mkfs.fat", "-F", "32", "-s", "1", "-n", "REMASTER-EF", esp}},
        // No reserved blocks: nobody runs as root from the data partition.
        {{"mkfs.ext4", "-F", "-q", "-m", "0", "-L", "REMASTER", "-U", uuid, data}},
    };
}

bool dracut_has_module(const std::string& view, const std::string& name) {
    DirStream dir(view + "/usr/lib/dracut/modules.d");
    while (const dirent* e = dir.next()) {
        // Module directories are "NNname": two digits of order, then the name.
        const std::string d = e->d_name;
        if (d.size() == name.size() + 2 && d.compare(2, std::string::npos, name) == 0) return true;
    }
    return false;
}

namespace {

// What a generic live initramfs must hold to find and mount the medium on
// any machine, and no more: dracut's generic image otherwise takes every
// block driver (Fibre Channel and RAID HBAs: 20 MB), every filesystem and
// all of drivers/hid. With --drivers set, dracut's kernel-modules module
// adds none of those; this list (and the one in our module-setup.sh, which
// a host-only build uses) is all there is, with the modules' dependencies.
// A name the kernel lacks is skipped.
constexpr const char* kLiveDrivers =
    // The medium's filesystems: the stick's ext4, an ISO, the squashfs and
    // overlay; vfat and exfat (and their code pages) hold an ISO file on a
    // multi-boot stick.
    "squashfs overlay loop ext4 isofs udf vfat exfat nls_cp437 nls_iso8859-1 nls_utf8 "
    // USB sticks and card readers.
    "xhci-hcd xhci-pci xhci-plat-hcd ehci-hcd ehci-pci ohci-hcd ohci-pci uhci-hcd usb-storage uas "
    "mmc_block sdhci sdhci-pci sdhci-acpi rtsx_pci_sdmmc rtsx_usb_sdmmc "
    // Internal and virtual disks and optical drives.
    "nvme vmd ahci ata_piix ata_generic pata_acpi sd_mod sr_mod cdrom "
    "virtio_blk virtio_scsi virtio_pci hv_storvsc vmw_pvscsi mptspi xen-blkfront "
    // A keyboard for the emergency shell.
    "hid_generic usbhid atkbd i8042";

// A netboot initramfs also needs the machine's network card: every wired
// NIC driver (dracut's =path form) and the virtual ones.
constexpr const char* kNetbootDrivers = " =drivers/net/ethernet virtio_net virtio_pci e1000 e1000e af_packet";

// dracut modules that never help to find a live medium: disk encryption,
// volume managers, RAID, network storage. A live boot turns them off
// anyway (rd.luks=0 rd.lvm=0 rd.md=0 rd.dm=0); left in, they cost time at
// every build and space on every stick. Names a dracut lacks are ignored.
constexpr const char* kNotForTheMedium =
    "crypt dm lvm mdraid dmraid multipath iscsi nbd nfs cifs fcoe fcoe-uefi nvmf btrfs biosdevname plymouth";

}  // namespace

Command dracut_command(const std::string& view, const std::string& kver, const std::string& out_in_view,
                       bool omit_resume, const std::string& network) {
    // --compress cat: the image comes out uncompressed and we compress it
    // on every core (initramfs_compress.hpp); dracut's own gzip -9 took
    // four fifths of its time.
    // netboot: dracut's network modules bring DHCP (ip=dhcp rd.neednet=1);
    // our module-setup.sh adds curl and openssl when it is in.
    const bool netboot = !network.empty();
    Command c{{"dracut", "--no-hostonly", "--no-hostonly-cmdline", "--force", "--quiet", "--add",
               netboot ? "remaster " + network : "remaster", "--drivers",
               netboot ? std::string(kLiveDrivers) + kNetbootDrivers : std::string(kLiveDrivers), "--compress", "cat"}};
    // A generic initramfs would also carry dracut's resume module, which
    // waits for and resumes from a resume= device: the live system never
    // resumes.
    std::string omit = kNotForTheMedium;
    if (omit_resume) omit += " resume";
    c.argv.insert(c.argv.end(), {"--omit", omit});
    c.argv.insert(c.argv.end(), {"--kver", kver, out_in_view});
    c.chroot = view;
    return c;
}

std::string netboot_dracut_modules(const std::string& root) {
    return dracut_has_module(root, "network-legacy") ? "network-legacy network" : "network";
}

const std::vector<std::string>& core_modules(const std::string& platform) {
    static const std::vector<std::string> common = {
        "part_gpt", "part_msdos", "fat", "ext2", "normal", "search", "search_fs_uuid", "configfile", "linux",
        "echo", "test", "true", "sleep", "serial", "terminal", "terminfo", "ls", "cat", "halt", "reboot",
        "chain", "boot", "minicmd", "loadenv"};
    static const std::vector<std::string> bios = [] {
        auto m = common;
        m.insert(m.begin(), "biosdisk");
        return m;
    }();
    static const std::vector<std::string> efi = [] {
        auto m = common;
        for (const char* x : {"efi_gop", "efi_uga", "all_video", "gfxterm"}) m.push_back(x);
        return m;
    }();
    return platform == "i386-pc" ? bios : efi;
}

std::vector<Command> grub_commands(const StickPaths& p, const Adapter& a, const std::string& bios_setup) {
    const std::string grub_dir = p.target_in_view + kGrubDir;
    std::vector<Command> cmds;
    auto in_view = [&](std::vector<std::string> argv) {
        Command c{std::move(argv)};
        c.chroot = p.view;
        cmds.push_back(std::move(c));
    };
    auto mkimage = [&](const std::string& platform, const std::string& out) {
        std::vector<std::string> argv = {a.grub_tool("mkimage"), "-O", platform, "-o", out, "-p", kGrubDir,
                                         "-c", "/tmp/early.cfg"};
        for (const auto& m : core_modules(platform)) argv.push_back(m);
        in_view(std::move(argv));
    };
    // Modules that normal.mod loads later come from the stick's /boot/grub.
    in_view({"cp", "-r", "/usr/lib/grub/i386-pc", "/usr/lib/grub/x86_64-efi", grub_dir + "/"});
    // BIOS: core.img into the BIOS boot partition, boot.img into the MBR.
    mkimage("i386-pc", grub_dir + "/i386-pc/core.img");
    in_view({bios_setup, "-d", grub_dir + "/i386-pc", p.disk});
    // UEFI: the removable-media loader EFI/BOOT/BOOTX64.EFI, which any
    // firmware finds without NVRAM entries; written with mtools because the
    // ESP need not (and here cannot) be mounted.
    mkimage("x86_64-efi", "/tmp/BOOTX64.EFI");
    Command mmd{{"mmd", "-i", p.esp, "::/EFI", "::/EFI/BOOT"}};
    mmd.env = {"MTOOLS_SKIP_CHECK=1"};
    Command mcopy{{"mcopy", "-o", "-i", p.esp, p.view + "/tmp/BOOTX64.EFI", "::/EFI/BOOT/BOOTX64.EFI"}};
    mcopy.env = {"MTOOLS_SKIP_CHECK=1"};
    cmds.push_back(mmd);
    cmds.push_back(mcopy);
    return cmds;
}

std::vector<Command> signed_chain_commands(const StickPaths& p, const SignedChain& chain) {
    return signed_chain_commands(p.esp, p.view, chain);
}

std::vector<Command> signed_chain_commands(const std::string& esp, const std::string& view, const SignedChain& chain) {
    std::vector<Command> cmds;
    auto mtools = [&](std::vector<std::string> argv) {
        Command c{std::move(argv)};
        c.env = {"MTOOLS_SKIP_CHECK=1"};
        cmds.push_back(std::move(c));
    };
    // The files come from the view: the root as squashed, its ESP mount included.
    for (const auto& [from, to] : {std::pair<std::string, std::string>{chain.shim, "BOOTX64.EFI"},
                                   {chain.grub, "grubx64.efi"},
                                   {chain.mok_manager, "mmx64.efi"}})
        mtools({"mcopy", "-o", "-i", esp, view + from, "::/EFI/BOOT/" + to});
    // The config's directories, each parent first; grub_commands made EFI/BOOT.
    std::vector<std::string> mmd = {"mmd", "-i", esp};
    for (size_t at = chain.config.find('/', 1); at != std::string::npos; at = chain.config.find('/', at + 1)) {
        const std::string d = chain.config.substr(0, at);
        if (d != "/EFI" && d != "/EFI/BOOT") mmd.push_back("::" + d);
    }
    if (mmd.size() > 3) mtools(mmd);
    mtools({"mcopy", "-o", "-i", esp, view + kSignedConfigInView, "::" + chain.config});
    return cmds;
}

std::string uefi_chain_words(const std::optional<SignedChain>& chain) {
    if (chain) return "boots with Secure Boot on: shim " + chain->shim + " and the signed GRUB " + chain->grub;
    return "an unsigned GRUB image: boots only with Secure Boot off";
}

std::string signed_grub_config(const std::string& early_cfg) {
    std::string cfg = early_cfg;
    if (!cfg.empty() && cfg.back() != '\n') cfg += '\n';
    // configfile, not source: the menu gets a context of its own, as it has
    // under the BIOS and unsigned UEFI images. root and prefix are exported.
    return cfg + "configfile $prefix/grub.cfg\n";
}

void install_dracut_module(const std::string& data_dir, const std::string& view) {
    const std::string from = data_dir + "/dracut-module";
    const std::string to = view + kDracutModuleInView;
    make_dirs(to, 0755);
    DirStream d(from);
    if (!d) throw_errno("read '" + from + "'", errno);
    while (const dirent* e = d.next()) {
        // Every regular file: hooks, the generator, unit files; with their modes.
        const std::string name = e->d_name;
        struct stat st;
        if (name[0] == '.' || ::stat((from + "/" + name).c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
        copy_file(from + "/" + name, to + "/" + name);
        if (::chmod((to + "/" + name).c_str(), st.st_mode & 0755) != 0) throw_errno("set the mode of '" + name + "'", errno);
    }
}

std::string new_uuid() {
    std::ifstream f("/proc/sys/kernel/random/uuid");
    std::string uuid;
    if (!(f >> uuid) || uuid.size() != 36) throw Error(Exit::failure, "Failed to generate a UUID (/proc not mounted?)");
    return uuid;
}

}  // namespace remaster
