#!/bin/sh
# mount hook (shell initramfs): stick -> squashfs -> overlay on $NEWROOT.
# In the systemd initramfs sysroot.mount (remaster-generator.sh) has mounted
# the root before dracut-mount.service runs this, and it does nothing.

type getarg > /dev/null 2>&1 || . /lib/dracut-lib.sh
. /lib/remaster-lib.sh

if remaster_is_ours && ! remaster_mounted "$NEWROOT"; then
    remaster_run remaster_mount_root
fi
