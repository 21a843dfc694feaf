#!/bin/sh
# systemd generator (systemd initramfs only). With root=remaster, systemd's
# fstab generator writes a sysroot.mount for a device called "remaster" that
# cannot work. Replace it, from the early generator directory that takes
# precedence, with the overlay, ordered after remaster-lower.service which
# mounts its layers. Mounting through sysroot.mount, with the layers as a
# real dependency, is what keeps us out of the dmsquash-live trap (an overlay
# mounted before its layers exist).

type getarg > /dev/null 2>&1 || . /lib/dracut-lib.sh
. /lib/remaster-lib.sh

remaster_is_ours || exit 0

# From the command line alone: nothing is mounted yet. A malformed
# rd.remaster.layers still gets the unit (with the top alone), so that the
# root stays ours: remaster-lower.service fails on the same argument (as the
# cmdline hook does, which says what is wrong), and sysroot.mount, which
# requires it, is never mounted.
REMASTER_OPTS=$(remaster_overlay_opts) || REMASTER_OPTS=$(remaster_overlay_opts_n 0)

GENERATOR_DIR=${2:-/run/systemd/generator.early}
mkdir -p "$GENERATOR_DIR/initrd-root-fs.target.requires"
cat > "$GENERATOR_DIR/sysroot.mount" << UNIT
# Written by remaster-generator (dracut module remaster).
[Unit]
Description=remaster live root (overlay)
Before=initrd-root-fs.target
Requires=remaster-lower.service
After=remaster-lower.service

[Mount]
What=remaster
Where=/sysroot
Type=overlay
Options=$REMASTER_OPTS
UNIT
ln -sf ../sysroot.mount "$GENERATOR_DIR/initrd-root-fs.target.requires/sysroot.mount"
exit 0
