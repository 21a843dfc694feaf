#!/bin/sh
# ExecStart of remaster-lower.service (systemd initramfs): mount the stick,
# the squashfs and the tmpfs under /run/remaster, before sysroot.mount puts
# the overlay on /sysroot.

export DRACUT_SYSTEMD=1
type getarg > /dev/null 2>&1 || . /lib/dracut-lib.sh
. /lib/remaster-lib.sh
# Failures end this unit; systemd then goes to emergency.target.
export REMASTER_UNIT=1

remaster_is_ours || exit 0
remaster_run remaster_mount_lower
