#!/bin/sh
# Helpers shared by the remaster hooks, the generator and remaster-lower.sh.
# Sourced after dracut-lib.sh, which sets hookdir and NEWROOT.
# shellcheck disable=SC2154
#
# The live root is built from three mounts under /run/remaster and an overlay:
#
#   /run/remaster/medium  the stick's data partition, read-only
#   /run/remaster/lower   filesystem.squashfs from rd.remaster.dir, loop, ro
#   /run/remaster/rw      tmpfs holding upper/ and work/ of the overlay
#   $NEWROOT (/sysroot)   overlay lower=lower upper=rw/upper
#
# Everything lives under /run, which switch-root moves into the new root, so
# the live system still sees these mounts at /run/remaster.

REMASTER_RUN=/run/remaster
REMASTER_LOG=/run/initramfs/remaster-debug.log
REMASTER_OVERLAY_OPTS="lowerdir=$REMASTER_RUN/lower,upperdir=$REMASTER_RUN/rw/upper,workdir=$REMASTER_RUN/rw/work"

# args: none. True when the kernel command line asks for a remaster boot.
remaster_is_ours() {
    [ "$(getarg root=)" = remaster ]
}

# args: none. Prints the lower-case filesystem UUID of the data partition.
remaster_uuid() {
    getarg rd.remaster.uuid= | tr 'A-F' 'a-f'
}

# args: none. Prints the seconds to wait for the stick (default 60).
remaster_timeout() {
    _t=$(getarg rd.remaster.timeout=)
    case "$_t" in
        '' | *[!0-9]*) echo 60 ;;
        *) echo "$_t" ;;
    esac
}

# args: function [args...]. Runs it, traced into $REMASTER_LOG when
# rd.remaster.debug is given. The hooks are sourced by dracut, so tracing is
# switched off again instead of leaking into dracut's own scripts.
remaster_run() {
    if getargbool 0 rd.remaster.debug; then
        mkdir -p /run/initramfs
        {
            set -x
            "$@"
            _remaster_rc=$?
            set +x
        } 2>> "$REMASTER_LOG"
        return $_remaster_rc
    fi
    "$@"
}

# args: message. Says what went wrong, repeats it in the emergency shell's
# banner, and runs dracut's emergency shell (or halts with rd.shell=0, or
# follows rd.emergency=). In the systemd initramfs (REMASTER_UNIT set by
# remaster-lower.service) the failed unit takes systemd to emergency.target
# instead. Not die(): in the systemd initramfs die() halts at once unless
# rd.shell is given.
remaster_fail() {
    warn "remaster: $*"
    mkdir -p "$hookdir/emergency"
    printf 'warn "remaster: %s"\n' "$*" >> "$hookdir/emergency/50-remaster.sh"
    [ -n "$REMASTER_UNIT" ] && return 1
    emergency_shell -n remaster "remaster: $*"
    return 1
}

# args: path. True when something is mounted exactly there.
remaster_mounted() {
    ismounted "$1"
}

# args: none. Mounts medium, lower and rw; each step is skipped when already
# done, so this can run again (dracut retries mount hooks).
remaster_mount_lower() {
    _uuid=$(remaster_uuid)
    _dir=$(getarg rd.remaster.dir=)
    _timeout=$(remaster_timeout)
    _dev="/dev/disk/by-uuid/$_uuid"
    _medium=$REMASTER_RUN/medium
    _lower=$REMASTER_RUN/lower
    _rw=$REMASTER_RUN/rw

    # The initqueue normally waited already; this covers rd.retry set lower
    # than our timeout and slow USB enumeration.
    _i=0
    while [ ! -b "$_dev" ] && [ "$_i" -lt "$((_timeout * 2))" ]; do
        sleep 0.5
        _i=$((_i + 1))
    done
    if [ ! -b "$_dev" ]; then
        remaster_fail "no filesystem with UUID $_uuid appeared within ${_timeout}s (rd.remaster.uuid). Is the stick plugged in?"
        return 1
    fi

    for _m in loop squashfs overlay ext4; do
        modprobe -q "$_m" || :
    done
    mkdir -p "$_medium" "$_lower" "$_rw"

    if ! remaster_mounted "$_medium"; then
        # ro,noload: never replay a journal on the stick, not even in memory;
        # only the tool that made it writes it.
        if ! mount -t ext4 -o ro,noload "$_dev" "$_medium"; then
            remaster_fail "cannot mount $_dev (UUID $_uuid) read-only as ext4 on $_medium"
            return 1
        fi
    fi

    _img="$_medium$_dir/filesystem.squashfs"
    if [ ! -f "$_img" ]; then
        remaster_fail "$_dir/filesystem.squashfs not found on the stick (UUID $_uuid); check rd.remaster.dir"
        return 1
    fi

    if ! remaster_mounted "$_lower"; then
        if ! mount -t squashfs -o ro,loop "$_img" "$_lower"; then
            remaster_fail "cannot mount $_img (squashfs, loop) on $_lower"
            return 1
        fi
    fi

    if ! remaster_mounted "$_rw"; then
        if ! mount -t tmpfs -o mode=0755 remaster-rw "$_rw"; then
            remaster_fail "cannot mount a tmpfs on $_rw"
            return 1
        fi
    fi
    mkdir -p "$_rw/upper" "$_rw/work"
}

# args: none. The whole root, for the shell initramfs (mount hook).
remaster_mount_root() {
    remaster_mount_lower || return 1
    if ! mount -t overlay -o "$REMASTER_OVERLAY_OPTS" remaster "$NEWROOT"; then
        remaster_fail "cannot mount the overlay ($REMASTER_OVERLAY_OPTS) on $NEWROOT"
        return 1
    fi
    info "remaster: live root from UUID=$(remaster_uuid)$(getarg rd.remaster.dir=)/filesystem.squashfs"
}
