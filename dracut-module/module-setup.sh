#!/bin/bash
# remaster: boot a live system from a squashfs image on a stick found by the
# filesystem UUID of its data partition, or downloaded from a netboot
# directory over HTTP (root=remaster rd.remaster.*).
# See docs/kernel-args.md and docs/boot.md in the remaster sources.

# Only when asked for: dracut --add remaster. A host-only build of the running
# system must never pick this module up by itself.
check() {
    return 255
}

# udev-rules provides /dev/disk/by-uuid, which is how the stick is found.
# Nothing else: the module works with and without the systemd modules, and it
# needs neither dm nor rootfs-block (it mounts the root itself).
depends() {
    echo udev-rules
    return 0
}

installkernel() {
    # Always the whole list, even in a host-only build: the stick boots on
    # machines other than the one it was made on.
    # vfat, exfat (and ext4): filesystems a multi-boot stick holding the ISO
    # as a file may have (rd.remaster.iso).
    hostonly='' instmods squashfs overlay loop ext4 vfat exfat isofs \
        nls_cp437 nls_iso8859-1 nls_utf8 \
        usb-storage uas sd_mod sr_mod cdrom nvme ahci ata_piix \
        virtio_blk virtio_scsi virtio_pci \
        xhci-hcd xhci-pci ehci-hcd ehci-pci ohci-hcd ohci-pci uhci-hcd \
        sdhci sdhci-pci mmc_block
}

# moddir is set by dracut.
# shellcheck disable=SC2154
install() {
    # dd, stat: rd.remaster.ram (copy with progress, size); sha256sum:
    # rd.remaster.check; blkid: rd.remaster.iso (the disk's filesystem, the
    # file's ISO UUID; udev-rules installs it too).
    inst_multiple mount umount losetup mkdir modprobe sleep tr blkid \
        dd stat sha256sum cp ln
    inst_simple "$moddir/remaster-lib.sh" /lib/remaster-lib.sh
    inst_simple "$moddir/remaster-update.sh" /lib/remaster-update.sh
    inst_hook cmdline 35 "$moddir/parse-remaster.sh"
    # After network-legacy's net-genrules.sh (pre-udev 60).
    inst_hook pre-udev 70 "$moddir/remaster-update-net.sh"
    # Mounts the root in the shell initramfs (from init, after the initqueue
    # has waited for the stick); a no-op in the systemd one.
    inst_hook mount 10 "$moddir/mount-remaster.sh"
    # The live system's "up" line on the serial console (remaster boot-test):
    # a unit handed over in /run before switch-root.
    inst_hook pre-pivot 90 "$moddir/remaster-ready.sh"
    inst_simple "$moddir/remaster-ready-live.sh" /lib/remaster-ready-live.sh
    inst_simple "$moddir/remaster-ready.service" /lib/remaster-ready.service
    if dracut_module_included systemd; then
        # The systemd initramfs mounts the root through sysroot.mount; see
        # remaster-generator.sh.
        inst_script "$moddir/remaster-generator.sh" \
            "$systemdutildir/system-generators/remaster-generator"
        inst_simple "$moddir/remaster-lower.service" \
            "$systemdsystemunitdir/remaster-lower.service"
        inst_simple "$moddir/remaster-lower.sh" /lib/remaster-lower.sh
    fi
    # rd.remaster.url (snapshot --netboot adds the network module): curl
    # downloads the system, openssl checks its signature; CA certificates
    # for https, where curl looks for them: Debian and Arch, Fedora (a link
    # into /etc/pki/ca-trust). layering.cpp's initramfs_inputs() names them
    # too, so that a changed bundle is a new image.
    if dracut_module_included network; then
        inst_multiple curl
        inst_multiple -o openssl
        for _bundle in /etc/ssl/certs/ca-certificates.crt /etc/pki/tls/certs/ca-bundle.crt; do
            [ ! -f "$_bundle" ] || inst_simple "$_bundle"
        done
    fi
    # The initqueue waits for the stick (wait_for_dev) in systemd mode too.
    dracut_need_initqueue
}
