#!/bin/sh
# Helpers shared by the remaster hooks, the generator and remaster-lower.sh.
# Sourced after dracut-lib.sh, which sets hookdir and NEWROOT.
# shellcheck disable=SC2154
#
# The live root is built from three mounts under /run/remaster and an overlay:
#
#   /run/remaster/medium  the stick's data partition: read-only (ro,noload),
#                         read-write only for rd.remaster.persist, unmounted
#                         again after a successful rd.remaster.ram copy
#   /run/remaster/ram     tmpfs with the copy of filesystem.squashfs
#                         (rd.remaster.ram only)
#   /run/remaster/lower   filesystem.squashfs from rd.remaster.dir (or its
#                         copy in RAM), loop, ro
#   /run/remaster/rw      upper/ and work/ of the overlay: a tmpfs, or with
#                         rd.remaster.persist=<profile> a bind mount of
#                         <medium>/remaster/persist/<profile>
#   $NEWROOT (/sysroot)   overlay lower=lower upper=rw/upper
#
# The overlay options are the same in every mode (rw is always the place of
# upper/ and work/), so the generator needs to know nothing about the mode.
# Everything lives under /run, which switch-root moves into the new root, so
# the live system still sees these mounts at /run/remaster.

REMASTER_RUN=/run/remaster
REMASTER_LOG=/run/initramfs/remaster-debug.log
# Free memory that must be left after the copy for rd.remaster.ram: the live
# system's own tmpfs upper and page cache live in RAM too.
REMASTER_RAM_MARGIN_MIB=256
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

# args: none. True when rd.remaster.persist is on the command line in any
# form (also without a value, which is an error: see remaster_get_persist).
remaster_persist_given() {
    for _a in $(getcmdline); do
        case "$_a" in
            rd.remaster.persist | rd.remaster.persist=*) return 0 ;;
        esac
    done
    return 1
}

# args: none. Sets REMASTER_PERSIST to the profile of
# rd.remaster.persist=<profile>, empty when persistence is off. Fails
# (message, status 1) on a name that is not [A-Za-z0-9_-]+: it becomes a
# directory name on the stick. Not a $(...) helper: remaster_fail may run the
# emergency shell, which must not have its output captured.
remaster_get_persist() {
    REMASTER_PERSIST=
    remaster_persist_given || return 0
    _p=$(getarg rd.remaster.persist=)
    case "$_p" in
        '' | *[!A-Za-z0-9_-]*)
            remaster_fail "rd.remaster.persist='$_p' is not a profile name: use letters, digits, '_' and '-' only (e.g. rd.remaster.persist=default), or leave the argument out for a boot without persistence"
            return 1
            ;;
    esac
    REMASTER_PERSIST=$_p
}

# args: message. A progress or status line on the console (the unit's
# output is journal+console; the shell initramfs's stderr is the console).
# Under rd.remaster.debug stderr is the trace file: fd 3 is the console then.
remaster_say() {
    if [ -n "$_remaster_traced" ]; then
        echo "remaster: $*" >&3
    else
        echo "remaster: $*" >&2
    fi
}

# args: function [args...]. Runs it, traced into $REMASTER_LOG when
# rd.remaster.debug is given. The hooks are sourced by dracut, so tracing is
# switched off again instead of leaking into dracut's own scripts.
remaster_run() {
    if getargbool 0 rd.remaster.debug; then
        mkdir -p /run/initramfs
        _remaster_traced=1
        {
            set -x
            "$@"
            _remaster_rc=$?
            set +x
        } 3>&2 2>> "$REMASTER_LOG"
        _remaster_traced=
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

# args: directory (path on the stick, for messages) mounted directory,
# squashfs copy in RAM or empty. rd.remaster.check: verifies every file
# listed in <dir>/SHA256SUMS (sha256sum -c format, names relative to <dir>).
# With a RAM copy, filesystem.squashfs is checked there, which is what will
# be mounted, and read from the stick only once. Fails on a missing or
# malformed list, a missing file, a mismatch, or a list without
# filesystem.squashfs: a corrupted system must never boot.
remaster_verify() {
    _vrel=$1
    _vdir=$2
    _vram=$3
    _vsums=$_vdir/SHA256SUMS
    if [ ! -f "$_vsums" ]; then
        remaster_fail "rd.remaster.check: $_vrel/SHA256SUMS not found on the stick; cannot verify it. Boot without rd.remaster.check only if you trust the stick."
        return 1
    fi
    _vn=0
    _vsquash=
    while read -r _vsum _vname || [ -n "$_vsum" ]; do
        [ -n "$_vsum" ] || continue
        # sha256sum writes ' *name' for binary mode; same file either way.
        _vname=${_vname#\*}
        _vsum=$(echo "$_vsum" | tr 'A-F' 'a-f')
        case "$_vsum" in
            *[!0-9a-f]*) _vsum= ;;
        esac
        # Names are plain file names in <dir>: nothing outside it is read.
        case "$_vname" in
            '' | */* | . | ..) _vname= ;;
        esac
        if [ "${#_vsum}" -ne 64 ] || [ -z "$_vname" ]; then
            remaster_fail "rd.remaster.check: $_vrel/SHA256SUMS has a malformed line (want '<64 hex digits>  <file name>'): the stick is damaged"
            return 1
        fi
        _vfile=$_vdir/$_vname
        if [ "$_vname" = filesystem.squashfs ]; then
            _vsquash=1
            [ -z "$_vram" ] || _vfile=$_vram
        fi
        if [ ! -f "$_vfile" ]; then
            remaster_fail "rd.remaster.check: $_vrel/$_vname is listed in SHA256SUMS but missing on the stick: not booting an incomplete system"
            return 1
        fi
        remaster_say "checking $_vrel/$_vname ($(($(stat -c %s "$_vfile") / 1048576)) MiB)"
        _vgot=$(sha256sum < "$_vfile")
        _vgot=${_vgot%% *}
        if [ "$_vgot" != "$_vsum" ]; then
            remaster_fail "rd.remaster.check: $_vrel/$_vname is corrupted (SHA-256 $_vgot, SHA256SUMS says $_vsum): not booting it. Rewrite the stick."
            return 1
        fi
        _vn=$((_vn + 1))
    done < "$_vsums"
    if [ -z "$_vsquash" ]; then
        remaster_fail "rd.remaster.check: $_vrel/SHA256SUMS does not list filesystem.squashfs: cannot verify the system"
        return 1
    fi
    remaster_say "verified $_vn files in $_vrel"
}

# args: file on the stick. rd.remaster.ram: copies it into a tmpfs on
# /run/remaster/ram with a progress line every 5 %, after checking that
# it fits in MemAvailable with REMASTER_RAM_MARGIN_MIB to spare. Prints the
# path of the copy; prints nothing (and leaves nothing behind) when it does
# not fit or the copy fails, and the boot goes on from the stick.
remaster_copy_to_ram() {
    _csrc=$1
    _cram=$REMASTER_RUN/ram
    _cdst=$_cram/filesystem.squashfs
    _csize=$(stat -c %s "$_csrc") || return 0
    _cmib=$(((_csize + 1048575) / 1048576))
    _cavail=0
    while read -r _ck _cv _cu; do
        [ "$_ck" = MemAvailable: ] && _cavail=$((_cv / 1024))
    done < /proc/meminfo
    if [ "$_cavail" -lt "$((_cmib + REMASTER_RAM_MARGIN_MIB))" ]; then
        remaster_say "rd.remaster.ram: not enough memory to copy the system into RAM (needs $_cmib MiB + $REMASTER_RAM_MARGIN_MIB MiB to spare, $_cavail MiB available); booting from the stick instead, keep it plugged in"
        return 0
    fi
    mkdir -p "$_cram"
    if ! remaster_mounted "$_cram" &&
        ! mount -t tmpfs -o "mode=0700,size=$((_cmib + 1))m" remaster-ram "$_cram"; then
        remaster_say "rd.remaster.ram: cannot mount a tmpfs on $_cram; booting from the stick instead"
        return 0
    fi
    # dd in 20 slices instead of status=progress: one whole line per step,
    # readable on a serial console and in the journal.
    _cstep=$(((_cmib + 19) / 20))
    _cdone=0
    while [ "$_cdone" -lt "$_cmib" ]; do
        if ! dd if="$_csrc" of="$_cdst" bs=1M skip="$_cdone" seek="$_cdone" \
            count="$_cstep" conv=notrunc 2> /dev/null; then
            _cdone=-1
            break
        fi
        _cdone=$((_cdone + _cstep))
        [ "$_cdone" -le "$_cmib" ] || _cdone=$_cmib
        remaster_say "copying the system into RAM: $((_cdone * 100 / _cmib))% ($_cdone/$_cmib MiB)"
    done
    if [ "$_cdone" -lt 0 ] || [ "$(stat -c %s "$_cdst" 2> /dev/null)" != "$_csize" ]; then
        umount "$_cram" 2> /dev/null
        remaster_say "rd.remaster.ram: copying $_csrc into RAM failed; booting from the stick instead"
        return 0
    fi
    echo "$_cdst"
}

# args: none. Mounts medium, (ram,) lower and rw; each step is skipped when
# already done, so this can run again (dracut retries mount hooks).
remaster_mount_lower() {
    _uuid=$(remaster_uuid)
    _dir=$(getarg rd.remaster.dir=)
    _timeout=$(remaster_timeout)
    _dev="/dev/disk/by-uuid/$_uuid"
    _medium=$REMASTER_RUN/medium
    _lower=$REMASTER_RUN/lower
    _rw=$REMASTER_RUN/rw

    remaster_get_persist || return 1
    _persist=$REMASTER_PERSIST
    _ram=
    getargbool 0 rd.remaster.ram && _ram=1
    if [ -n "$_ram" ] && [ -n "$_persist" ]; then
        remaster_say "rd.remaster.persist=$_persist is ignored: it cannot be combined with rd.remaster.ram; this boot keeps changes in RAM only"
        _persist=
    fi

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

    if ! remaster_mounted "$_lower" && ! remaster_mounted "$_medium"; then
        if [ -n "$_persist" ]; then
            # Persistence writes the stick; noatime spares it the reads.
            if ! mount -t ext4 -o rw,noatime "$_dev" "$_medium"; then
                remaster_fail "rd.remaster.persist=$_persist: cannot mount $_dev (UUID $_uuid) read-write as ext4 on $_medium. Is the stick write-protected? Boot without rd.remaster.persist to use it read-only."
                return 1
            fi
        # ro,noload: never replay a journal on the stick, not even in memory;
        # only the tool that made it (or persistence) writes it.
        elif ! mount -t ext4 -o ro,noload "$_dev" "$_medium"; then
            remaster_fail "cannot mount $_dev (UUID $_uuid) read-only as ext4 on $_medium"
            return 1
        fi
    fi

    if ! remaster_mounted "$_lower"; then
        _img="$_medium$_dir/filesystem.squashfs"
        if [ ! -f "$_img" ]; then
            remaster_fail "$_dir/filesystem.squashfs not found on the stick (UUID $_uuid); check rd.remaster.dir"
            return 1
        fi
        _ramimg=
        [ -z "$_ram" ] || _ramimg=$(remaster_copy_to_ram "$_img")
        if getargbool 0 rd.remaster.check; then
            remaster_verify "$_dir" "$_medium$_dir" "$_ramimg" || return 1
        fi
        [ -z "$_ramimg" ] || _img=$_ramimg
        if ! mount -t squashfs -o ro,loop "$_img" "$_lower"; then
            remaster_fail "cannot mount $_img (squashfs, loop) on $_lower"
            return 1
        fi
        if [ -n "$_ramimg" ]; then
            # Nothing refers to the stick any more: it can be pulled out.
            if umount "$_medium"; then
                remaster_say "the system runs from RAM; the stick can be removed"
            else
                remaster_say "rd.remaster.ram: the system runs from RAM but $_medium could not be unmounted; do not remove the stick"
            fi
        fi
    fi

    if ! remaster_mounted "$_rw"; then
        if [ -n "$_persist" ]; then
            # Upper and work on the stick, in the profile's own directory:
            # the overlay options do not change, and profiles cannot see
            # each other. The modes are those `remaster profile add` uses;
            # upper's becomes the mode of /.
            _pdir=$_medium/remaster/persist/$_persist
            for _d in upper:0755 work:0700; do
                [ -d "$_pdir/${_d%:*}" ] ||
                    { mkdir -p "$_pdir" && mkdir -m "${_d#*:}" "$_pdir/${_d%:*}"; } || {
                    remaster_fail "rd.remaster.persist=$_persist: cannot create /remaster/persist/$_persist/${_d%:*} on the stick"
                    return 1
                }
            done
            if ! mount --bind "$_pdir" "$_rw"; then
                remaster_fail "rd.remaster.persist=$_persist: cannot bind-mount $_pdir on $_rw"
                return 1
            fi
            remaster_say "persistence on: changes are kept on the stick in profile '$_persist' (/remaster/persist/$_persist)"
        elif ! mount -t tmpfs -o mode=0755 remaster-rw "$_rw"; then
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
