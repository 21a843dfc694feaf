// Arch and derivatives (Manjaro, EndeavourOS): kernels are named after their
// package, not their version: /boot/vmlinuz-linux, -linux-lts, -linux-zen,
// -linux-hardened. Each modules tree says which package it came from in
// /usr/lib/modules/KVER/pkgbase, which ties a version to its image. When that
// file is missing or the image does not match, the version is read from the
// image itself: a bzImage carries its version string in the setup header.
//
// Arch builds its initramfs with mkinitcpio by default. We never touch those
// images (/boot/initramfs-linux.img): we build our own with dracut inside
// the view, so dracut must be installed in the root, beside mkinitcpio.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "adapter.hpp"
#include "runner.hpp"
#include "fd.hpp"
#include "small_file.hpp"

namespace remaster {
namespace {

// The first line of a small file below root, "" when unreadable.
std::string first_line(const std::string& root, const std::string& rel) {
    std::string line;
    try {
        line = read_small_file(in_root(root, rel), {4096, true, "", Exit::bad_input}).value_or("");
    } catch (const Error&) {
        return "";  // not a plain small file: unreadable, as the contract says
    }
    line = line.substr(0, line.find('\n'));
    const size_t end = line.find_last_not_of(" \t\r");
    return end == std::string::npos ? "" : line.substr(0, end + 1);
}

// The release a bzImage was built as ("6.6.1-arch1-1"), "" when the file is
// not one. The setup header (Documentation/arch/x86/boot.rst) has the magic
// "HdrS" at 0x202 and, at 0x20E, a 16-bit pointer to the version string,
// relative to 0x200.
std::string bzimage_version(const std::string& path) {
    // Only a regular file: a FIFO named like a kernel must not hang the plan.
    Fd fd(::open(path.c_str(), small_file_open_flags(true)));
    struct stat st;
    if (!fd || ::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) return "";
    char hdr[0x210];
    if (::pread(fd.get(), hdr, sizeof hdr, 0) != static_cast<ssize_t>(sizeof hdr) || std::string(hdr + 0x202, 4) != "HdrS")
        return "";
    const unsigned ptr = static_cast<unsigned char>(hdr[0x20E]) | static_cast<unsigned char>(hdr[0x20F]) << 8;
    if (ptr == 0) return "";
    char text[256] = {};
    if (::pread(fd.get(), text, sizeof text - 1, ptr + 0x200) < 0) return "";  // a short read at the end is fine
    const std::string s(text);
    return s.substr(0, s.find(' '));
}

class Arch : public Adapter {
public:
    std::string family() const override { return "arch"; }

    std::vector<Kernel> kernels(const std::string& root) const override {
        const std::vector<std::string> images = boot_images(root);
        std::vector<Kernel> out;
        for (const auto& v : module_versions(root)) {
            const std::string image = image_for(root, v, images);
            if (!image.empty()) out.push_back({v, image});
        }
        return out;
    }

    // An installed Arch builds its images with mkinitcpio, from its presets
    // (every kernel at once); dracut only where mkinitcpio is not installed.
    std::vector<std::string> installed_initramfs(const std::string& root, const Kernel& k,
                                                 bool host_only) const override {
        if (!find_program("mkinitcpio", root).empty()) return {"mkinitcpio", "-P"};
        return Adapter::installed_initramfs(root, k, host_only);
    }

    std::string install_hint(const std::string& what) const override {
        if (what == "kernel") return "pacman -S linux";
        // grub-mkimage, grub-bios-setup and both platforms' modules are all in "grub".
        if (what.rfind("grub", 0) == 0) return "pacman -S grub";
        return "pacman -S " + what;
    }

    std::string signed_chain_hint() const override {
        return "Arch ships no signed boot chain; sign your own with sbctl or enroll a MOK (docs/boot.md)";
    }

private:
    // /boot/vmlinuz-* below root, as paths relative to it.
    static std::vector<std::string> boot_images(const std::string& root) {
        std::vector<std::string> out;
        DIR* d = ::opendir(in_root(root, "/boot").c_str());
        if (!d) return out;
        while (dirent* e = ::readdir(d)) {
            const std::string name = e->d_name;
            if (name.rfind("vmlinuz-", 0) == 0) out.push_back("/boot/" + name);
        }
        ::closedir(d);
        return out;
    }

    static std::string image_for(const std::string& root, const std::string& v,
                                 const std::vector<std::string>& images) {
        // The package's image, unless its header says it is another version
        // (a leftover modules tree of the same package).
        for (const char* dir : {"/usr/lib/modules/", "/lib/modules/"}) {
            const std::string pkgbase = first_line(root, dir + v + "/pkgbase");
            if (pkgbase.empty()) continue;
            const std::string image = "/boot/vmlinuz-" + pkgbase;
            if (!exists_in(root, image)) break;
            const std::string built = bzimage_version(in_root(root, image));
            if (built.empty() || built == v) return image;
            break;
        }
        // Any image in /boot that was built as this version.
        for (const auto& image : images)
            if (bzimage_version(in_root(root, image)) == v) return image;
        // The package's own copy, which a pacman hook installs to /boot.
        for (const char* dir : {"/usr/lib/modules/", "/lib/modules/"})
            if (exists_in(root, dir + v + "/vmlinuz")) return dir + v + "/vmlinuz";
        return "";
    }
};

}  // namespace

std::unique_ptr<Adapter> make_arch_adapter() { return std::make_unique<Arch>(); }

}  // namespace remaster
