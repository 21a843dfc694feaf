#!/bin/sh
# Helpers shared by the remaster hooks, the generator and remaster-lower.sh.
# Sourced after dracut-lib.sh, which sets hookdir and NEWROOT.
# shellcheck disable=SC2154
#
# The live root is built from mounts under /run/remaster and an overlay:
#
#   /run/remaster/medium  the stick's data partition: read-only (ro,noload),
#                         read-write only for rd.remaster.persist, unmounted
#                         again after a successful rd.remaster.ram copy
#   /run/remaster/ram     tmpfs with the copies of the squashfs images
#                         (rd.remaster.ram only): filesystem.squashfs for
#                         rd.remaster.dir, <i>.squashfs for layer i
#   /run/remaster/lower   filesystem.squashfs from rd.remaster.dir (or its
#                         copy in RAM), loop, ro: the top of the stack
#   /run/remaster/lower.<i>
#                         filesystem.squashfs of the i-th (1-based) snapshot
#                         dir of rd.remaster.layers (or its copy in RAM),
#                         loop, ro; only for a snapshot that is a delta layer
#   /run/remaster/rw      upper/ and work/ of the overlay: a tmpfs, or with
#                         rd.remaster.persist=<profile> a bind mount of
#                         <medium>/remaster/persist/<profile>
#   /run/remaster/isodisk rd.remaster.iso only: the filesystem holding the
#                         ISO file, read-only; medium is then that file,
#                         loop-mounted (unmounted too after a RAM copy)
#   /run/remaster/net     rd.remaster.url only: SHA256SUMS (and .sig) as
#                         downloaded; the squashfs goes to ram/
#   $NEWROOT (/sysroot)   overlay lowerdir=lower:lower.1:...:lower.<N>
#                         upper=rw/upper
#
# rd.remaster.url=http(s)://HOST[:PORT]/PATH/ (a netboot directory made by
# remaster snapshot --netboot) replaces the stick: SHA256SUMS (signed when
# the initramfs holds /etc/remaster/netboot.pub) and filesystem.squashfs are
# downloaded into ram/, checked, and the squashfs is mounted on lower.
#
# rd.remaster.layers=/remaster/<idA>,/remaster/<idB>,... names the snapshot
# dirs below rd.remaster.dir, nearest first (the last is the full base);
# their squashfs images hold only what changed, with overlayfs whiteouts and
# opaque dirs. Without it (or empty) there is one layer, lower, as before.
# The overlay options depend only on the command line (the number of layers;
# rw is always the place of upper/ and work/), so the generator can write
# them before anything is mounted, and knows nothing about the mode.
# Everything lives under /run, which switch-root moves into the new root, so
# the live system still sees these mounts at /run/remaster.

REMASTER_RUN=/run/remaster
REMASTER_LOG=/run/initramfs/remaster-debug.log
# Free memory that must be left after the copy for rd.remaster.ram: the live
# system's own tmpfs upper and page cache live in RAM too.
REMASTER_RAM_MARGIN_MIB=256
# Most entries accepted in rd.remaster.layers (overlayfs itself takes 500;
# the kernel command line is the tighter limit).
REMASTER_MAX_LAYERS=64
# The public key a netboot's SHA256SUMS must be signed with, when the
# initramfs has one (snapshot --netboot --sign-key appends it).
REMASTER_NETBOOT_KEY=/etc/remaster/netboot.pub

# args: none. True when the kernel command line asks for a remaster boot.
remaster_is_ours() {
    [ "$(getarg root=)" = remaster ]
}

# args: none. Prints the lower-case filesystem UUID of the data partition.
remaster_uuid() {
    getarg rd.remaster.uuid= | tr 'A-F' 'a-f'
}

# args: none. Prints the filesystem of the medium: iso9660 for an ISO image
# (remaster snapshot --iso), whose UUID is its volume time,
# YYYY-MM-DD-hh-mm-ss-cc, a form no ext4 UUID (8-4-4-4-12 hex digits) has;
# ext4 for a stick's data partition.
remaster_medium_fstype() {
    case "$(remaster_uuid)" in
        [0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]-[0-9][0-9]-[0-9][0-9]-[0-9][0-9]-[0-9][0-9]) echo iso9660 ;;
        *) echo ext4 ;;
    esac
}

# args: none. Prints rd.remaster.url (empty: not a network boot).
remaster_url() {
    getarg rd.remaster.url=
}

# args: none. Status 0 when an interface has an IPv4 route: DHCP is done. A
# boot LAN need not have a default gateway, so any route counts.
remaster_has_route() {
    while read -r _hri _hrr; do
        [ "$_hri" = Iface ] || return 0
    done < "${REMASTER_NET_ROUTE:-/proc/net/route}"
    return 1
}

# args: URL. Prints why it cannot be a netboot directory's URL, status 1;
# nothing, status 0, when it can: http:// or https://, a host, and nothing
# that a shell, curl or the console would read specially.
remaster_url_problem() {
    case "$1" in
        http://* | https://*) ;;
        *)
            echo "rd.remaster.url='$1' is not an http:// or https:// URL (e.g. rd.remaster.url=http://10.0.0.1/live/)"
            return 1
            ;;
    esac
    _uh=${1#*://}
    _uh=${_uh%%/*}
    case "$_uh" in
        '' | :* | @*)
            echo "rd.remaster.url='$1' names no server (e.g. rd.remaster.url=http://10.0.0.1/live/)"
            return 1
            ;;
    esac
    case "$1" in
        *[[:space:][:cntrl:]\"\'\\\`\$\<\>]*)
            echo "rd.remaster.url='$1' has characters a URL cannot have unencoded (spaces, quotes, control characters)"
            return 1
            ;;
    esac
    return 0
}

# args: URL. Prints the URL of the directory, with one trailing '/', so
# that file names append to it.
remaster_url_dir() {
    case "$1" in
        */) echo "$1" ;;
        *) echo "$1/" ;;
    esac
}

# args: none; reads HTTP response headers (curl -I, possibly several
# responses after redirects) on stdin. Prints the last Content-Length, or
# nothing when there is none.
remaster_content_length() {
    _cl=
    while IFS= read -r _line || [ -n "$_line" ]; do
        _line=$(printf '%s' "$_line" | tr -d '\r')
        case "$_line" in
            [Cc][Oo][Nn][Tt][Ee][Nn][Tt]-[Ll][Ee][Nn][Gg][Tt][Hh]:*)
                _cl=${_line#*:}
                _cl=$(echo "$_cl" | tr -d ' \t')
                case "$_cl" in
                    '' | *[!0-9]*) _cl= ;;
                esac
                ;;
        esac
    done
    [ -z "$_cl" ] || echo "$_cl"
}

# args: SHA256SUMS file, name. Prints the lower-case SHA-256 it lists for
# name; status 1 when it lists none, or a malformed one.
remaster_sum_of() {
    while read -r _ss _sn || [ -n "$_ss" ]; do
        [ "${_sn#\*}" = "$2" ] || continue
        _ss=$(echo "$_ss" | tr 'A-F' 'a-f')
        case "$_ss" in
            *[!0-9a-f]*) return 1 ;;
        esac
        [ "${#_ss}" -eq 64 ] || return 1
        echo "$_ss"
        return 0
    done < "$1"
    return 1
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

# args: none. True when rd.remaster.iso is on the command line in any form
# (also empty or without a value, which is an error: see remaster_get_iso).
remaster_iso_given() {
    for _a in $(getcmdline); do
        case "$_a" in
            rd.remaster.iso | rd.remaster.iso=*) return 0 ;;
        esac
    done
    return 1
}

# args: none. rd.remaster.iso=PATH: the ISO is a file at PATH on some
# filesystem (a multi-boot stick whose GRUB booted it with `loopback`, from
# the ISO's loopback.cfg); rd.remaster.iso.fsuuid=UUID: the filesystem GRUB
# found it on (empty or absent: look on every filesystem). Sets REMASTER_ISO
# to PATH (empty: the medium is a device) and REMASTER_ISO_FS to the UUID in
# lower case. Fails (message, status 1) on a PATH that is empty, not
# absolute or has a '..' component, on a UUID of anything but hex digits
# and '-', and when rd.remaster.uuid is not an ISO's UUID (the file is
# checked against it). Not a $(...) helper: remaster_fail may run the
# emergency shell.
remaster_get_iso() {
    REMASTER_ISO=
    REMASTER_ISO_FS=
    remaster_iso_given || return 0
    _ip=$(getarg rd.remaster.iso=)
    _ifs=$(getarg rd.remaster.iso.fsuuid= | tr 'A-F' 'a-f')
    case "/$_ip/" in
        // | */../*)
            remaster_fail "rd.remaster.iso='$_ip' is not the path of an ISO file: want an absolute path without '..' on the disk that holds it (e.g. rd.remaster.iso=/isos/live.iso; GRUB's loopback.cfg passes \$iso_path, which the GRUB that loaded it must set and export)"
            return 1
            ;;
    esac
    case "$_ip" in
        /*) ;;
        *)
            remaster_fail "rd.remaster.iso='$_ip' is not an absolute path (e.g. rd.remaster.iso=/isos/live.iso)"
            return 1
            ;;
    esac
    case "$_ifs" in
        *[!0-9a-f-]*)
            remaster_fail "rd.remaster.iso.fsuuid='$_ifs' is not a filesystem UUID"
            return 1
            ;;
    esac
    if [ "$(remaster_medium_fstype)" != iso9660 ]; then
        remaster_fail "rd.remaster.iso=$_ip needs rd.remaster.uuid=<the ISO's UUID> (YYYY-MM-DD-hh-mm-ss-cc, as blkid prints it for the file), got '$(remaster_uuid)'"
        return 1
    fi
    REMASTER_ISO=$_ip
    REMASTER_ISO_FS=$_ifs
}

# args: message. For remaster_layers_parse: a malformed rd.remaster.layers.
_remaster_layers_bad() {
    REMASTER_LAYERS=
    REMASTER_NLAYERS=0
    REMASTER_LAYERS_ERROR="rd.remaster.layers: $*; want the snapshot dirs below rd.remaster.dir, nearest first, comma-separated, each /remaster/<id> with digits and '-' only (e.g. rd.remaster.layers=/remaster/20261124-090000,/remaster/20261120-070000)"
    return 1
}

# args: none. Reads rd.remaster.layers=<dir>,<dir>,... from the command line
# alone (nothing mounted, nothing checked on the stick: the generator uses
# it). Sets REMASTER_LAYERS to the dirs, space-separated, in that order
# (nearest below rd.remaster.dir first), and REMASTER_NLAYERS to their
# number; absent or empty means no layers below the top. Each entry must be
# /remaster/<[0-9-]+> exactly (no '..', no other characters, no trailing
# '/'), at most REMASTER_MAX_LAYERS of them, none twice and none equal to
# rd.remaster.dir. Otherwise sets REMASTER_LAYERS_ERROR, clears the two others
# and returns 1 without failing the boot: remaster_get_layers does that.
remaster_layers_parse() {
    REMASTER_LAYERS=
    REMASTER_NLAYERS=0
    REMASTER_LAYERS_ERROR=
    _larg=$(getarg rd.remaster.layers=)
    [ -n "$_larg" ] || return 0
    _ltop=$(getarg rd.remaster.dir=)
    _ln=0
    _lrest=$_larg,
    while [ -n "$_lrest" ]; do
        _lent=${_lrest%%,*}
        _lrest=${_lrest#*,}
        _ln=$((_ln + 1))
        if [ "$_ln" -gt "$REMASTER_MAX_LAYERS" ]; then
            _remaster_layers_bad "more than $REMASTER_MAX_LAYERS layers listed, which is more than this initramfs supports"
            return 1
        fi
        _lid=
        case "$_lent" in
            /remaster/*) _lid=${_lent#/remaster/} ;;
        esac
        case "$_lid" in
            '' | *[!0-9-]*)
                _remaster_layers_bad "layer $_ln '$_lent' is not a snapshot dir"
                return 1
                ;;
        esac
        case " $REMASTER_LAYERS " in
            *" $_lent "*)
                _remaster_layers_bad "layer $_ln '$_lent' is listed twice"
                return 1
                ;;
        esac
        if [ "$_lent" = "${_ltop%/}" ]; then
            _remaster_layers_bad "layer $_ln '$_lent' is rd.remaster.dir itself"
            return 1
        fi
        REMASTER_LAYERS="${REMASTER_LAYERS:+$REMASTER_LAYERS }$_lent"
        REMASTER_NLAYERS=$_ln
    done
}

# args: none. remaster_layers_parse, failing (message, status 1) on a
# malformed rd.remaster.layers. Not a $(...) helper: remaster_fail may run
# the emergency shell, which must not have its output captured.
remaster_get_layers() {
    remaster_layers_parse && return 0
    remaster_fail "$REMASTER_LAYERS_ERROR"
    return 1
}

# args: number of layers below the top. Prints the overlay's mount options
# for that many: lowerdir=lower:lower.1:...:lower.<N> and the upper and work
# dirs under rw.
remaster_overlay_opts_n() {
    _olower=$REMASTER_RUN/lower
    _oi=1
    while [ "$_oi" -le "$1" ]; do
        _olower=$_olower:$REMASTER_RUN/lower.$_oi
        _oi=$((_oi + 1))
    done
    echo "lowerdir=$_olower,upperdir=$REMASTER_RUN/rw/upper,workdir=$REMASTER_RUN/rw/work"
}

# args: none. Prints the overlay's mount options for this command line
# (computed from it alone: the generator runs before anything is mounted).
# Prints nothing and returns 1 on a malformed rd.remaster.layers.
remaster_overlay_opts() {
    if [ -n "$(remaster_url)" ]; then
        # One layer from the network; rd.remaster.layers is ignored.
        REMASTER_NLAYERS=0
        remaster_overlay_opts_n 0
        return
    fi
    remaster_layers_parse || return 1
    remaster_overlay_opts_n "$REMASTER_NLAYERS"
}

# args: index: 0 for rd.remaster.dir (the top), i for the i-th dir of
# rd.remaster.layers. Prints where its squashfs is mounted.
remaster_lower_dir() {
    if [ "$1" -eq 0 ]; then
        echo "$REMASTER_RUN/lower"
    else
        echo "$REMASTER_RUN/lower.$1"
    fi
}

# args: index as for remaster_lower_dir. Prints the path of the copy of its
# squashfs in RAM (rd.remaster.ram): distinct names in one tmpfs.
remaster_ram_image() {
    if [ "$1" -eq 0 ]; then
        echo "$REMASTER_RUN/ram/filesystem.squashfs"
    else
        echo "$REMASTER_RUN/ram/$1.squashfs"
    fi
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
    # What the user holds and can make again: a stick or an ISO image.
    _vmed=stick
    _vagain="Write the stick again."
    if [ "$(remaster_medium_fstype)" = iso9660 ]; then
        _vmed=ISO
        _vagain="Make or download the ISO again, and check the copy that was written or burnt."
    fi
    if [ ! -f "$_vsums" ]; then
        remaster_fail "rd.remaster.check: $_vrel/SHA256SUMS not found on the $_vmed; cannot verify it. Boot without rd.remaster.check only if you trust the $_vmed."
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
            remaster_fail "rd.remaster.check: $_vrel/SHA256SUMS has a malformed line (want '<64 hex digits>  <file name>'): the $_vmed is damaged"
            return 1
        fi
        _vfile=$_vdir/$_vname
        if [ "$_vname" = filesystem.squashfs ]; then
            _vsquash=1
            [ -z "$_vram" ] || _vfile=$_vram
        fi
        if [ ! -f "$_vfile" ]; then
            remaster_fail "rd.remaster.check: $_vrel/$_vname is listed in SHA256SUMS but missing on the $_vmed: not booting an incomplete system"
            return 1
        fi
        remaster_say "checking $_vrel/$_vname ($(($(stat -c %s "$_vfile") / 1048576)) MiB)"
        _vgot=$(sha256sum < "$_vfile")
        _vgot=${_vgot%% *}
        if [ "$_vgot" != "$_vsum" ]; then
            remaster_fail "rd.remaster.check: $_vrel/$_vname is corrupted (SHA-256 $_vgot, SHA256SUMS says $_vsum): not booting it. $_vagain"
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

# args: MiB. Mounts the tmpfs on $REMASTER_RUN/ram that images copied or
# downloaded into RAM go to, sized for MiB, after checking they fit in
# MemAvailable with REMASTER_RAM_MARGIN_MIB to spare. A tmpfs an earlier
# attempt left there (dracut retries mount hooks) goes first: nothing is
# mounted from it yet, and it would count against MemAvailable. Returns 0
# when mounted; else, for the caller's message: 1 the earlier one would not
# unmount, 2 not enough memory (REMASTER_RAM_AVAIL: the MiB available),
# 3 the tmpfs would not mount.
remaster_ram_tmpfs() {
    _tram=$REMASTER_RUN/ram
    if remaster_mounted "$_tram" && ! umount "$_tram"; then
        return 1
    fi
    REMASTER_RAM_AVAIL=0
    while read -r _tk _tv _tu; do
        [ "$_tk" = MemAvailable: ] && REMASTER_RAM_AVAIL=$((_tv / 1024))
    done < /proc/meminfo
    if [ "$REMASTER_RAM_AVAIL" -lt "$(($1 + REMASTER_RAM_MARGIN_MIB))" ]; then
        return 2
    fi
    mkdir -p "$_tram"
    mount -t tmpfs -o "mode=0700,size=$(($1 + 1))m" remaster-ram "$_tram" || return 3
}

# args: medium (mount point of the stick), then the snapshot dirs:
# rd.remaster.dir first, then those of rd.remaster.layers in their order.
# rd.remaster.ram: copies each dir's filesystem.squashfs into a tmpfs on
# /run/remaster/ram (the i-th dir, 0-based, to remaster_ram_image i) with a
# progress line every 5 % of the whole, after checking that all of them
# together fit in MemAvailable with REMASTER_RAM_MARGIN_MIB to spare.
# Returns 0 when every image is in RAM. All or nothing: returns 1, leaving
# nothing behind, when they do not fit or a copy fails, and the boot goes on
# from the stick for every layer.
remaster_copy_to_ram() {
    _cmed=$1
    shift
    _cram=$REMASTER_RUN/ram
    # The sum, before anything is copied.
    _cmib=0
    for _cd in "$@"; do
        if ! _csize=$(stat -c %s "$_cmed$_cd/filesystem.squashfs"); then
            remaster_say "rd.remaster.ram: cannot read the size of $_cd/filesystem.squashfs; booting from the stick instead"
            return 1
        fi
        _cmib=$((_cmib + (_csize + 1048575) / 1048576))
    done
    remaster_ram_tmpfs "$_cmib"
    _crc=$?
    if [ "$_crc" -ne 0 ]; then
        case $_crc in
            1) remaster_say "rd.remaster.ram: cannot unmount the earlier $_cram; booting from the stick instead" ;;
            2) remaster_say "rd.remaster.ram: not enough memory to copy the system into RAM (needs $_cmib MiB + $REMASTER_RAM_MARGIN_MIB MiB to spare, $REMASTER_RAM_AVAIL MiB available); booting from the stick instead, keep it plugged in" ;;
            *) remaster_say "rd.remaster.ram: cannot mount a tmpfs on $_cram; booting from the stick instead" ;;
        esac
        return 1
    fi
    # dd in slices of 1/20 of the whole instead of status=progress: one
    # whole line per step, readable on a serial console and in the journal.
    # A line each time the total crosses a multiple of 5 %: with one image
    # that is every slice, with several at most 20 lines too.
    _cstep=$(((_cmib + 19) / 20))
    _cdone=0
    _cshown=0
    _ci=0
    for _cd in "$@"; do
        _csrc=$_cmed$_cd/filesystem.squashfs
        _cdst=$(remaster_ram_image "$_ci")
        _csize=$(stat -c %s "$_csrc")
        _cfmib=$(((_csize + 1048575) / 1048576))
        _cf=0
        while [ "$_cf" -lt "$_cfmib" ]; do
            if ! dd if="$_csrc" of="$_cdst" bs=1M skip="$_cf" seek="$_cf" \
                count="$_cstep" conv=notrunc 2> /dev/null; then
                _cf=-1
                break
            fi
            _cf=$((_cf + _cstep))
            [ "$_cf" -le "$_cfmib" ] || _cf=$_cfmib
            _cpct=$(((_cdone + _cf) * 100 / _cmib))
            if [ "$((_cpct / 5))" -gt "$((_cshown / 5))" ]; then
                _cshown=$_cpct
                remaster_say "copying the system into RAM: $_cpct% ($((_cdone + _cf))/$_cmib MiB)"
            fi
        done
        if [ "$_cf" -lt 0 ] || [ "$(stat -c %s "$_cdst" 2> /dev/null)" != "$_csize" ]; then
            umount "$_cram" 2> /dev/null
            remaster_say "rd.remaster.ram: copying $_csrc into RAM failed; booting from the stick instead"
            return 1
        fi
        _cdone=$((_cdone + _cfmib))
        _ci=$((_ci + 1))
    done
}

# args: index (as for remaster_lower_dir), image on the stick, 1 when the
# images are in RAM (else empty). Mounts the image, or its copy in RAM,
# read-only on the index's lower dir; nothing when something is mounted
# there already.
remaster_mount_image() {
    _mdir=$(remaster_lower_dir "$1")
    _mimg=$2
    [ -z "$3" ] || _mimg=$(remaster_ram_image "$1")
    remaster_mounted "$_mdir" && return 0
    mkdir -p "$_mdir"
    if ! mount -t squashfs -o ro,loop "$_mimg" "$_mdir"; then
        remaster_fail "cannot mount $_mimg (squashfs, loop) on $_mdir"
        return 1
    fi
}

# args: none. True when the squashfs of any dir of rd.remaster.layers is
# mounted (REMASTER_NLAYERS set by remaster_get_layers).
remaster_layers_mounted() {
    _ui=1
    while [ "$_ui" -le "$REMASTER_NLAYERS" ]; do
        remaster_mounted "$(remaster_lower_dir "$_ui")" && return 0
        _ui=$((_ui + 1))
    done
    return 1
}

# args: none. The boot mode for remaster_mount_lower, from the command line:
# checks rd.remaster.persist and rd.remaster.layers (failing the boot on a
# malformed one, status 1), sets _persist to the persistence profile (empty
# for none) and _ram to 1 for rd.remaster.ram (else empty). RAM wins over
# persistence, with a message.
remaster_boot_mode() {
    remaster_get_persist || return 1
    _persist=$REMASTER_PERSIST
    remaster_get_layers || return 1
    _ram=
    getargbool 0 rd.remaster.ram && _ram=1
    if [ -n "$_ram" ] && [ -n "$_persist" ]; then
        remaster_say "rd.remaster.persist=$_persist is ignored: it cannot be combined with rd.remaster.ram; this boot keeps changes in RAM only"
        _persist=
    fi
    if [ -n "$_persist" ] && [ "$(remaster_medium_fstype)" = iso9660 ]; then
        remaster_say "rd.remaster.persist=$_persist is ignored: an ISO image is read-only; this boot keeps changes in RAM only"
        _persist=
    fi
}

# args: device, filesystem UUID (for the message), seconds. Waits until the
# device node exists; fails the boot when it does not within the time.
remaster_wait_device() {
    # The initqueue normally waited already; this covers rd.retry set lower
    # than our timeout and slow USB enumeration.
    _wi=0
    while [ ! -b "$1" ] && [ "$_wi" -lt "$(($3 * 2))" ]; do
        sleep 0.5
        _wi=$((_wi + 1))
    done
    if [ ! -b "$1" ]; then
        remaster_fail "no filesystem with UUID $2 appeared within ${3}s (rd.remaster.uuid). Is the stick plugged in?"
        return 1
    fi
}

# args: ISO UUID. rd.remaster.iso: prints the filesystems to look on for
# the ISO file, one a line: that of rd.remaster.iso.fsuuid first, then
# every other one with a UUID but the ISO's own (the loop device of the
# file, once it is mounted). UUIDs are compared without case: GRUB prints a
# FAT volume's in lower case, udev names it in upper case.
remaster_iso_candidates() {
    for _cpass in fs other; do
        for _cl in /dev/disk/by-uuid/*; do
            [ -e "$_cl" ] || continue
            _cu=$(echo "${_cl##*/}" | tr 'A-F' 'a-f')
            [ "$_cu" != "$1" ] || continue
            if [ -n "$REMASTER_ISO_FS" ] && [ "$_cu" = "$REMASTER_ISO_FS" ]; then
                [ "$_cpass" = fs ] && echo "$_cl"
            elif [ "$_cpass" = other ]; then
                echo "$_cl"
            fi
        done
    done
}

# args: device. Mounts its filesystem read-only on $REMASTER_RUN/isodisk,
# never replaying a journal (the disk is someone's multi-boot stick or
# data disk: the live boot must not write it). Status 1 when it holds
# nothing we can mount.
remaster_mount_isodisk() {
    _dt=$(blkid -o value -s TYPE "$1" 2> /dev/null)
    case "$_dt" in
        '' | swap | crypto_LUKS | *_member | squashfs) return 1 ;;
        ext2 | ext3 | ext4) _do=ro,noload ;;
        xfs) _do=ro,norecovery ;;
        *) _do=ro ;;
    esac
    mount -t "$_dt" -o "$_do" "$1" "$REMASTER_RUN/isodisk" 2> /dev/null
}

# args: ISO UUID. True when the mounted isodisk holds rd.remaster.iso's
# file and it is that ISO (not an older one left under the same name).
remaster_isodisk_holds() {
    _hf=$REMASTER_RUN/isodisk$REMASTER_ISO
    [ -f "$_hf" ] && [ "$(blkid -o value -s UUID "$_hf" 2> /dev/null)" = "$1" ]
}

# args: ISO UUID, seconds. rd.remaster.iso: finds the filesystem that holds
# the ISO file, waiting up to that long for it to appear (no wait_for_dev:
# without rd.remaster.iso.fsuuid no device is known in advance), and leaves
# it mounted read-only on $REMASTER_RUN/isodisk. Fails the boot when none
# holds it in time.
remaster_find_iso() {
    _fd=$REMASTER_RUN/isodisk
    if remaster_mounted "$_fd"; then
        remaster_isodisk_holds "$1" && return 0
        umount "$_fd" || :
    fi
    mkdir -p "$_fd"
    _fi=0
    while :; do
        for _fc in $(remaster_iso_candidates "$1"); do
            remaster_mount_isodisk "$_fc" || continue
            if remaster_isodisk_holds "$1"; then
                remaster_say "found the ISO $REMASTER_ISO (UUID $1) on $_fc"
                return 0
            fi
            umount "$_fd" || :
        done
        [ "$_fi" -lt "$2" ] || break
        sleep 1
        _fi=$((_fi + 1))
    done
    remaster_fail "rd.remaster.iso=$REMASTER_ISO: no filesystem${REMASTER_ISO_FS:+ (UUID $REMASTER_ISO_FS first)} holds that file as the ISO with UUID $1 within ${2}s. Is the disk with the ISO plugged in? Was the file replaced by another ISO since GRUB read it?"
    return 1
}

# args: none. Loads what the mounts need, where they are modules.
remaster_load_modules() {
    for _lm in loop squashfs overlay ext4 isofs sr_mod vfat exfat; do
        modprobe -q "$_lm" || :
    done
}

# args: device, filesystem UUID (for messages), mount point, persistence
# profile or empty. Mounts the stick's data partition there: read-write for
# persistence, else read-only; an ISO image read-only (remaster_boot_mode
# turned persistence off for it); nothing when something is mounted there.
remaster_mount_medium() {
    remaster_mounted "$3" && return 0
    if [ -n "$REMASTER_ISO" ]; then
        if ! mount -t iso9660 -o ro,loop "$1" "$3"; then
            remaster_fail "cannot loop-mount the ISO file $REMASTER_ISO (UUID $2) read-only as iso9660 on $3"
            return 1
        fi
    elif [ "$(remaster_medium_fstype)" = iso9660 ]; then
        if ! mount -t iso9660 -o ro "$1" "$3"; then
            remaster_fail "cannot mount $1 (UUID $2) read-only as iso9660 on $3"
            return 1
        fi
    elif [ -n "$4" ]; then
        # Persistence writes the stick; noatime spares it the reads.
        if ! mount -t ext4 -o rw,noatime "$1" "$3"; then
            remaster_fail "rd.remaster.persist=$4: cannot mount $1 (UUID $2) read-write as ext4 on $3. Is the stick write-protected? Boot without rd.remaster.persist to use it read-only."
            return 1
        fi
    # ro,noload: never replay a journal on the stick, not even in memory;
    # only the tool that made it (or persistence) writes it.
    elif ! mount -t ext4 -o ro,noload "$1" "$3"; then
        remaster_fail "cannot mount $1 (UUID $2) read-only as ext4 on $3"
        return 1
    fi
}

# args: medium, rd.remaster.dir, filesystem UUID (for messages). Fails the
# boot unless the squashfs of rd.remaster.dir and of every dir of
# rd.remaster.layers is on the stick: checked before anything is copied,
# verified or mounted.
remaster_check_images() {
    if [ ! -f "$1$2/filesystem.squashfs" ]; then
        remaster_fail "$2/filesystem.squashfs not found on the stick (UUID $3); check rd.remaster.dir"
        return 1
    fi
    _hi=0
    for _hl in $REMASTER_LAYERS; do
        _hi=$((_hi + 1))
        if [ ! -f "$1$_hl/filesystem.squashfs" ]; then
            remaster_fail "rd.remaster.layers: layer $_hi, $_hl/filesystem.squashfs, not found on the stick (UUID $3); $2 is a delta layer and cannot boot without it. Was that snapshot removed from the stick? Check rd.remaster.layers."
            return 1
        fi
    done
}

# args: medium, rd.remaster.dir. For rd.remaster.ram: true when the images
# are in RAM, copied now, or by an earlier attempt that mounted some layers
# already (they stay where they came from: from RAM when its tmpfs is still
# there, as it is unmounted on any failure of the copy, which precedes every
# mount). False: boot from the stick.
remaster_images_in_ram() {
    if remaster_layers_mounted; then
        remaster_mounted "$REMASTER_RUN/ram"
    else
        # REMASTER_LAYERS is split on purpose, as in the loops: checked
        # entries, /remaster/<[0-9-]+> each, nothing to glob or split.
        # shellcheck disable=SC2086
        remaster_copy_to_ram "$1" "$2" $REMASTER_LAYERS
    fi
}

# args: medium, rd.remaster.dir, 1 when the images are in RAM (else empty).
# rd.remaster.check: verifies rd.remaster.dir and every layer
# (remaster_verify), failing the boot on any mismatch.
remaster_verify_all() {
    getargbool 0 rd.remaster.check || return 0
    _ki=0
    for _kd in "$2" $REMASTER_LAYERS; do
        _kram=
        [ -z "$3" ] || _kram=$(remaster_ram_image "$_ki")
        remaster_verify "$_kd" "$1$_kd" "$_kram" || return 1
        _ki=$((_ki + 1))
    done
}

# args: medium, rd.remaster.dir, 1 when the images are in RAM (else empty).
# Mounts the layers, then the top: once lower is mounted, every layer is.
remaster_mount_stack() {
    _si=0
    for _sl in $REMASTER_LAYERS; do
        _si=$((_si + 1))
        remaster_mount_image "$_si" "$1$_sl/filesystem.squashfs" "$3" || return 1
    done
    remaster_mount_image 0 "$1$2/filesystem.squashfs" "$3" || return 1
}

# args: medium, rd.remaster.dir, filesystem UUID (for messages), 1 for
# rd.remaster.ram (else empty). Everything below the overlay's lower dirs:
# check, copy to RAM, verify, mount; with the images in RAM the stick is
# unmounted at the end.
remaster_mount_images() {
    remaster_check_images "$1" "$2" "$3" || return 1
    _iram=
    if [ -n "$4" ] && remaster_images_in_ram "$1" "$2"; then
        _iram=1
    fi
    remaster_verify_all "$1" "$2" "$_iram" || return 1
    remaster_mount_stack "$1" "$2" "$_iram" || return 1
    if [ -n "$_iram" ]; then
        # Nothing refers to the stick any more: it can be pulled out.
        # An ISO file's loop device goes with its mount (mount -o loop
        # sets autoclear); the disk holding the file is released too.
        if umount "$1" && { [ -z "$REMASTER_ISO" ] || umount "$REMASTER_RUN/isodisk"; }; then
            remaster_say "the system runs from RAM; the stick can be removed"
        else
            remaster_say "rd.remaster.ram: the system runs from RAM but $1 could not be unmounted; do not remove the stick"
        fi
    fi
}

# args: medium, persistence profile. Makes upper/ and work/ of the profile
# on the stick where they are missing. The modes are those `remaster profile
# add` uses; upper's becomes the mode of /.
remaster_persist_dirs() {
    _pdir=$1/remaster/persist/$2
    for _pd in upper:0755 work:0700; do
        [ -d "$_pdir/${_pd%:*}" ] ||
            { mkdir -p "$_pdir" && mkdir -m "${_pd#*:}" "$_pdir/${_pd%:*}"; } || {
            remaster_fail "rd.remaster.persist=$2: cannot create /remaster/persist/$2/${_pd%:*} on the stick"
            return 1
        }
    done
}

# args: rw mount point, medium, persistence profile or empty. Mounts the
# place of the overlay's upper/ and work/: the profile's directory on the
# stick (the overlay options do not change, and profiles cannot see each
# other), or a tmpfs; nothing when something is mounted there. Then makes
# upper/ and work/ in it.
remaster_mount_rw() {
    if ! remaster_mounted "$1"; then
        if [ -n "$3" ]; then
            remaster_persist_dirs "$2" "$3" || return 1
            if ! mount --bind "$2/remaster/persist/$3" "$1"; then
                remaster_fail "rd.remaster.persist=$3: cannot bind-mount $2/remaster/persist/$3 on $1"
                return 1
            fi
            remaster_say "persistence on: changes are kept on the stick in profile '$3' (/remaster/persist/$3)"
        elif ! mount -t tmpfs -o mode=0755 remaster-rw "$1"; then
            remaster_fail "cannot mount a tmpfs on $1"
            return 1
        fi
    fi
    mkdir -p "$1/upper" "$1/work"
}

# args: medium, rd.remaster.dir. rd.remaster.update (remaster-update.sh):
# true when the server's newer snapshot was mounted on lower instead of the
# stick's. Asked once per boot (dracut retries mount hooks): a retry boots
# the stick's own.
remaster_update_taken() {
    [ -n "$(getarg rd.remaster.update=)" ] || return 1
    [ -e "$REMASTER_RUN/update/asked" ] && return 1
    mkdir -p "$REMASTER_RUN/update" && : > "$REMASTER_RUN/update/asked"
    # shellcheck source=remaster-update.sh
    . "${REMASTER_UPDATE_LIB:-/lib/remaster-update.sh}"
    remaster_try_update "$1" "$2"
}

# args: none. Mounts medium, (ram,) the layers, lower and rw; each step is
# skipped when already done, so this can run again (dracut retries mount
# hooks). lower, the top, is mounted last: once it is, every layer is.
remaster_mount_lower() {
    if [ -n "$(remaster_url)" ]; then
        remaster_mount_net
        return
    fi
    _uuid=$(remaster_uuid)
    _dir=$(getarg rd.remaster.dir=)
    _timeout=$(remaster_timeout)
    _dev="/dev/disk/by-uuid/$_uuid"
    _medium=$REMASTER_RUN/medium
    _lower=$REMASTER_RUN/lower
    _rw=$REMASTER_RUN/rw

    remaster_boot_mode || return 1
    remaster_get_iso || return 1
    if [ -n "$REMASTER_ISO" ]; then
        # The ISO is a file on another disk: the medium is that file.
        _dev=$REMASTER_RUN/isodisk$REMASTER_ISO
    else
        remaster_wait_device "$_dev" "$_uuid" "$_timeout" || return 1
    fi
    remaster_load_modules
    mkdir -p "$_medium" "$_lower" "$_rw"
    if ! remaster_mounted "$_lower"; then
        if [ -n "$REMASTER_ISO" ] && ! remaster_mounted "$_medium"; then
            remaster_find_iso "$_uuid" "$_timeout" || return 1
        fi
        remaster_mount_medium "$_dev" "$_uuid" "$_medium" "$_persist" || return 1
        if ! remaster_update_taken "$_medium" "$_dir"; then
            remaster_mount_images "$_medium" "$_dir" "$_uuid" "$_ram" || return 1
        elif [ -n "$_persist" ]; then
            remaster_say "rd.remaster.persist=$_persist is ignored: the snapshot from the server keeps changes in RAM only"
            _persist=
        fi
    fi
    remaster_mount_rw "$_rw" "$_medium" "$_persist"
}

# args: message. A download step failed. For rd.remaster.url that fails the
# boot; while the update entry asks the server (REMASTER_NET_SOFT set, by
# remaster-update.sh) the reason is only kept in REMASTER_NET_WHY, and the
# stick's own snapshot boots.
remaster_net_fail() {
    if [ -n "$REMASTER_NET_SOFT" ]; then
        # shellcheck disable=SC2034 # read by remaster-update.sh
        REMASTER_NET_WHY=$*
        return 1
    fi
    remaster_fail "rd.remaster.url: $*"
}

# args: URL of a small file (a list or a signature), output file, seconds
# to keep trying. Downloads it with curl, retrying while the network comes
# up or the server is away; prints curl's error and returns its status on
# failure. At most 64 KiB (a hostile server cannot fill the RAM with it)
# and 60 s per try.
remaster_curl() {
    curl -fsS --retry "$3" --retry-delay 1 --retry-all-errors --connect-timeout 5 --max-time 60 \
        --max-filesize 65536 -o "$2" "$1" 2>&1
}

# args: URL of the netboot directory (ending in /), seconds to keep trying.
# Fetches SHA256SUMS into $REMASTER_RUN/net and, when this initramfs holds
# a key (/etc/remaster/netboot.pub, put there by snapshot --netboot
# --sign-key), SHA256SUMS.sig, and checks the signature before anything
# in SHA256SUMS is trusted. Fails the boot on a missing, unsigned or
# wrongly signed list.
remaster_net_sums() {
    _nnet=$REMASTER_RUN/net
    mkdir -p "$_nnet"
    if ! _nerr=$(remaster_curl "${1}SHA256SUMS" "$_nnet/SHA256SUMS" "$2"); then
        remaster_net_fail "cannot download ${1}SHA256SUMS: $_nerr. Is the server up, and the URL that of a directory made by remaster snapshot --netboot?"
        return 1
    fi
    [ -f "$REMASTER_NETBOOT_KEY" ] || {
        remaster_say "the netboot directory is not signed: only its SHA-256 is checked"
        return 0
    }
    if ! _nerr=$(remaster_curl "${1}SHA256SUMS.sig" "$_nnet/SHA256SUMS.sig" 3); then
        remaster_net_fail "${1}SHA256SUMS.sig cannot be downloaded ($_nerr), but this initramfs only boots a system signed by its key: not booting an unsigned system"
        return 1
    fi
    if ! openssl pkeyutl -verify -pubin -inkey "$REMASTER_NETBOOT_KEY" -rawin \
        -in "$_nnet/SHA256SUMS" -sigfile "$_nnet/SHA256SUMS.sig" > /dev/null 2>&1; then
        remaster_net_fail "the signature SHA256SUMS.sig does not match SHA256SUMS and the key of this initramfs: the system may have been substituted; not booting it"
        return 1
    fi
    remaster_say "SHA256SUMS is signed by the key of this initramfs"
}

# args: URL of the netboot directory (ending in /), seconds to keep trying.
# rd.remaster.url: downloads filesystem.squashfs into a tmpfs on
# /run/remaster/ram (remaster_ram_image 0) with a progress line every 5 %,
# after checking that it fits in MemAvailable with REMASTER_RAM_MARGIN_MIB
# to spare (its size from the server's Content-Length), then checks it
# against SHA256SUMS. Fails the boot (nothing left mounted) on any problem.
remaster_net_image() {
    _nram=$REMASTER_RUN/ram
    _nimg=$(remaster_ram_image 0)
    _nurl=${1}filesystem.squashfs
    if ! _nsum=$(remaster_sum_of "$REMASTER_RUN/net/SHA256SUMS" filesystem.squashfs); then
        remaster_net_fail "${1}SHA256SUMS lists no valid SHA-256 for filesystem.squashfs: cannot verify the system"
        return 1
    fi
    if ! _nhead=$(curl -fsSI --retry 3 --retry-delay 1 --connect-timeout 5 "$_nurl" 2>&1); then
        remaster_net_fail "cannot reach $_nurl: $_nhead"
        return 1
    fi
    _nsize=$(echo "$_nhead" | remaster_content_length)
    if [ -z "$_nsize" ]; then
        remaster_net_fail "the server does not say how big $_nurl is (no Content-Length): cannot check it fits in RAM"
        return 1
    fi
    _nmib=$(((_nsize + 1048575) / 1048576))
    remaster_ram_tmpfs "$_nmib"
    _nrc=$?
    if [ "$_nrc" -ne 0 ]; then
        case $_nrc in
            1) remaster_net_fail "cannot unmount the earlier $_nram" ;;
            2) remaster_net_fail "not enough memory to download the system (needs $_nmib MiB + $REMASTER_RAM_MARGIN_MIB MiB to spare, $REMASTER_RAM_AVAIL MiB available)" ;;
            *) remaster_net_fail "cannot mount a tmpfs on $_nram" ;;
        esac
        return 1
    fi
    # curl in the background and a line each time 5 % more has arrived:
    # readable on a serial console and in the journal, as the RAM copy's.
    curl -fsS --connect-timeout 5 -o "$_nimg" "$_nurl" 2> "$REMASTER_RUN/net/curl.err" &
    _npid=$!
    _nshown=0
    while kill -0 "$_npid" 2> /dev/null; do
        sleep 1
        _nhave=$(stat -c %s "$_nimg" 2> /dev/null) || _nhave=0
        _npct=$((_nhave * 100 / (_nsize + 1)))
        if [ "$((_npct / 5))" -gt "$((_nshown / 5))" ]; then
            _nshown=$_npct
            remaster_say "downloading the system into RAM: $_npct% ($((_nhave / 1048576))/$_nmib MiB)"
        fi
    done
    wait "$_npid"
    _nrc=$?
    _nhave=$(stat -c %s "$_nimg" 2> /dev/null) || _nhave=0
    if [ "$_nrc" -ne 0 ] || [ "$_nhave" != "$_nsize" ]; then
        umount "$_nram" 2> /dev/null
        remaster_net_fail "the download of $_nurl failed after $_nhave of $_nsize bytes: $(cat "$REMASTER_RUN/net/curl.err" 2> /dev/null)"
        return 1
    fi
    remaster_say "downloaded the system ($_nmib MiB); checking its SHA-256"
    _ngot=$(sha256sum < "$_nimg")
    _ngot=${_ngot%% *}
    if [ "$_ngot" != "$_nsum" ]; then
        umount "$_nram" 2> /dev/null
        remaster_net_fail "$_nurl is corrupted or was changed (SHA-256 $_ngot, SHA256SUMS says $_nsum): not booting it"
        return 1
    fi
    remaster_say "verified filesystem.squashfs against SHA256SUMS"
}

# args: none. rd.remaster.url: the squashfs from the network, in RAM and
# checked, on lower; a tmpfs on rw. Skips what is done (dracut retries).
remaster_mount_net() {
    _url=$(remaster_url)
    if ! _why=$(remaster_url_problem "$_url"); then
        remaster_fail "$_why"
        return 1
    fi
    _url=$(remaster_url_dir "$_url")
    if remaster_persist_given || [ -n "$(getarg rd.remaster.layers=)" ]; then
        remaster_say "rd.remaster.persist and rd.remaster.layers are ignored with rd.remaster.url: this boot keeps changes in RAM only"
    fi
    remaster_load_modules
    mkdir -p "$REMASTER_RUN/lower" "$REMASTER_RUN/rw"
    if ! remaster_mounted "$REMASTER_RUN/lower"; then
        remaster_net_sums "$_url" "$(remaster_timeout)" || return 1
        remaster_net_image "$_url" || return 1
        remaster_mount_image 0 "" 1 || return 1
        remaster_say "the system runs from RAM, downloaded from $_url"
    fi
    remaster_mount_rw "$REMASTER_RUN/rw" "" ""
}

# args: none. The whole root, for the shell initramfs (mount hook).
remaster_mount_root() {
    remaster_mount_lower || return 1
    # Cannot fail here: remaster_mount_lower checked rd.remaster.layers.
    _opts=$(remaster_overlay_opts) || return 1
    if ! mount -t overlay -o "$_opts" remaster "$NEWROOT"; then
        remaster_fail "cannot mount the overlay ($_opts) on $NEWROOT"
        return 1
    fi
    _on=
    [ "$REMASTER_NLAYERS" -eq 0 ] || _on=" on $REMASTER_NLAYERS more layers ($(getarg rd.remaster.layers=))"
    if [ -n "$(remaster_url)" ]; then
        info "remaster: live root from $(remaster_url_dir "$(remaster_url)")filesystem.squashfs, in RAM"
    else
        info "remaster: live root from UUID=$(remaster_uuid)$(getarg rd.remaster.dir=)/filesystem.squashfs$_on"
    fi
}
