#!/bin/sh
# rd.remaster.update=URL (the update entry of a stick made with
# `remaster snapshot --to STICK --update-url URL --sign-key KEY`): before the
# stick's snapshot is mounted, ask URL, a netboot directory made with
# `remaster snapshot --netboot DIR --sign-key KEY`, whether it has a newer
# snapshot of the same system. If it has, and it is signed with the key of
# this initramfs and verifies, it is downloaded into RAM and booted instead;
# otherwise one line says why and the stick's own snapshot boots.
# Sourced by remaster-lib.sh's remaster_mount_lower, after remaster-lib.sh.
# shellcheck disable=SC2154
#
#   /run/remaster/update  snapshot.info as the server sent it
#   /run/remaster/net     SHA256SUMS and .sig (remaster_net_sums)
#   /run/remaster/ram     the server's filesystem.squashfs (remaster_net_image)
#
# "Newer" compares snapshot ids, never this machine's clock (which may be
# wrong): YYYYMMDD-HHMMSS, then the -N a second snapshot of the same second
# gets (none counts as 1).

# Longest snapshot.info accepted from a server: ours are a few hundred bytes.
REMASTER_UPDATE_INFO_MAX=65536

# args: none. Prints rd.remaster.update (empty: the entry does not update).
remaster_update_url() {
    getarg rd.remaster.update=
}

# args: none. Prints how many seconds the update may wait for the network
# and the server (rd.remaster.update.timeout, default 20).
remaster_update_timeout() {
    _ut=$(getarg rd.remaster.update.timeout=)
    case "$_ut" in
        '' | *[!0-9]*) echo 20 ;;
        *) echo "$_ut" ;;
    esac
}

# args: snapshot id. Prints "YYYYMMDDHHMMSS N" (N: the -N suffix, 1 without
# one) for comparing; status 1 when it is not a snapshot id. The suffix is
# at most 6 digits, so that the shell's arithmetic never overflows.
remaster_id_key() {
    _ik=${1%%-*}
    _ir=${1#*-}
    case "$_ik" in
        [0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]) ;;
        *) return 1 ;;
    esac
    _it=${_ir%%-*}
    case "$_it" in
        [0-9][0-9][0-9][0-9][0-9][0-9]) ;;
        *) return 1 ;;
    esac
    _in=1
    if [ "$_ir" != "$_it" ]; then
        _in=${_ir#*-}
        case "$_in" in
            '' | *[!0-9]*) return 1 ;;
        esac
        [ "${#_in}" -le 6 ] || return 1
        # Leading zeros go: the shell would read 010 as octal.
        while :; do
            case "$_in" in
                0?*) _in=${_in#0} ;;
                *) break ;;
            esac
        done
    fi
    echo "$_ik$_it $_in"
}

# args: the stick's id, the server's id. True when the server's is later.
remaster_id_newer() {
    _ia=$(remaster_id_key "$1") || return 1
    _ib=$(remaster_id_key "$2") || return 1
    [ "${_ib% *}" -gt "${_ia% *}" ] && return 0
    [ "${_ib% *}" -eq "${_ia% *}" ] && [ "${_ib#* }" -gt "${_ia#* }" ]
}

# args: snapshot.info file, field. Prints the value of the first line
# "field=value"; status 1 when there is none.
remaster_info_field() {
    while IFS= read -r _fl || [ -n "$_fl" ]; do
        case "$_fl" in
            "$2="*)
                printf '%s\n' "${_fl#*=}"
                return 0
                ;;
        esac
    done < "$1"
    return 1
}

# args: none. Prints the seconds since boot.
remaster_uptime() {
    read -r _up _ < /proc/uptime
    echo "${_up%%.*}"
}

# args: none. pre-udev hook, after dracut's net-genrules.sh (network-legacy,
# pre-udev 60): the update entry wants the network, it does not need it.
# dracut waits for an interface to be set up (initqueue/finished/wait-*.sh)
# until rd.retry and then fails the boot, on a machine without a network
# card or cable too. Records the update's deadline, now plus
# rd.remaster.update.timeout seconds since boot, in
# $REMASTER_RUN/update/deadline, and makes each such wait give up at it.
remaster_update_network_optional() {
    _ndl=$(($(remaster_uptime) + $(remaster_update_timeout)))
    mkdir -p "$REMASTER_RUN/update"
    echo "$_ndl" > "$REMASTER_RUN/update/deadline"
    for _nh in "$hookdir"/initqueue/finished/wait-*.sh; do
        [ -f "$_nh" ] || continue
        {
            echo "# remaster: rd.remaster.update does not need the network: give up at ${_ndl}s after boot"
            echo "read -r _u _ < /proc/uptime; [ \"\${_u%%.*}\" -ge $_ndl ] && exit 0"
            cat "$_nh"
        } > "$_nh.remaster" && mv "$_nh.remaster" "$_nh"
    done
}

# Where the network interfaces are listed (tests point it elsewhere).
REMASTER_SYS_NET=${REMASTER_SYS_NET:-/sys/class/net}

# args: none. True when the machine has a network interface besides lo.
remaster_has_nic() {
    for _hd in "$REMASTER_SYS_NET"/*; do
        [ -e "$_hd" ] && [ "${_hd##*/}" != lo ] && return 0
    done
    return 1
}

# args: seconds. Waits until an interface has an IPv4 route (DHCP done), at
# most that long; status 1 when none came. On a machine without a network
# interface not past the deadline the pre-udev hook recorded, which dracut's
# own wait already spent; with one, DHCP may still be under way (a slow
# machine), and the wait is counted from now.
remaster_wait_route() {
    _wdl=$(($(remaster_uptime) + $1))
    if ! remaster_has_nic && [ -r "$REMASTER_RUN/update/deadline" ]; then
        read -r _wrec < "$REMASTER_RUN/update/deadline"
        case "$_wrec" in
            '' | *[!0-9]*) ;;
            *) [ "$_wrec" -ge "$_wdl" ] || _wdl=$_wrec ;;
        esac
    fi
    while :; do
        remaster_has_route && return 0
        [ "$(remaster_uptime)" -lt "$_wdl" ] || return 1
        sleep 1
    done
}

# args: the stick's snapshot.info, the server's, the stick's id. Decides
# whether to boot the server's snapshot. Prints why not and returns 1; or
# prints the server's id and returns 0.
remaster_update_rule() {
    if ! _rlsys=$(remaster_info_field "$1" system) || [ -z "$_rlsys" ]; then
        echo "this stick's snapshot $3 does not say which system it is"
        return 1
    fi
    _rid=$(remaster_info_field "$2" id) || _rid=
    if ! remaster_id_key "$_rid" > /dev/null; then
        echo "the server's snapshot.info has no valid snapshot id"
        return 1
    fi
    _rsys=$(remaster_info_field "$2" system) || _rsys=
    if [ "$_rsys" != "$_rlsys" ]; then
        echo "the server has a snapshot of another system ($_rid)"
        return 1
    fi
    if ! remaster_id_newer "$3" "$_rid"; then
        echo "the server's snapshot $_rid is not newer than this stick's"
        return 1
    fi
    _rk=$(remaster_info_field "$2" kernel) || _rk=
    if [ "$_rk" != "$(uname -r)" ]; then
        echo "the server's snapshot $_rid runs kernel '$_rk', this stick boots $(uname -r): remaster update --on the stick writes it there"
        return 1
    fi
    echo "$_rid"
}

# args: URL of the netboot directory (ending in /). Downloads snapshot.info,
# SHA256SUMS and its signature, checks the signature with this initramfs's
# key and snapshot.info against SHA256SUMS. Prints why not and returns 1.
remaster_update_fetch() {
    _fdir=$REMASTER_RUN/update
    mkdir -p "$_fdir"
    if ! remaster_net_sums "$1" 2; then
        echo "$REMASTER_NET_WHY"
        return 1
    fi
    if ! _ferr=$(curl -fsS --connect-timeout 5 --max-time 30 --max-filesize "$REMASTER_UPDATE_INFO_MAX" \
        -o "$_fdir/snapshot.info" "${1}snapshot.info" 2>&1); then
        echo "cannot download ${1}snapshot.info: $_ferr"
        return 1
    fi
    if ! _fsum=$(remaster_sum_of "$REMASTER_RUN/net/SHA256SUMS" snapshot.info); then
        echo "the server's SHA256SUMS does not list snapshot.info: its id and system are not signed"
        return 1
    fi
    _fgot=$(sha256sum < "$_fdir/snapshot.info")
    if [ "${_fgot%% *}" != "$_fsum" ]; then
        echo "the server's snapshot.info does not match its signed SHA256SUMS"
        return 1
    fi
}

# args: medium (mount point of the stick), rd.remaster.dir. The update
# check; status 0 when the server's snapshot is in RAM and mounted on
# lower (the layers below it, if the stick's snapshot has some, stay empty
# directories), 1 when the stick's own snapshot is to boot (one line said
# why). The download steps it shares with rd.remaster.url report a failure
# instead of failing the boot while it runs.
remaster_try_update() {
    REMASTER_NET_SOFT=1
    remaster_update_boot "$@"
    _urc=$?
    # shellcheck disable=SC2034 # read by remaster-lib.sh's remaster_net_fail
    REMASTER_NET_SOFT=
    return $_urc
}

# args: as remaster_try_update, which sets REMASTER_NET_SOFT around it.
remaster_update_boot() {
    _uid=${2##*/}
    _uurl=$(remaster_update_url)
    if ! _uwhy=$(remaster_url_problem "$_uurl"); then
        remaster_say "update: not asking the server: ${_uwhy#rd.remaster.url=}; booting this stick's snapshot $_uid"
        return 1
    fi
    _uurl=$(remaster_url_dir "$_uurl")
    if [ ! -f "$REMASTER_NETBOOT_KEY" ]; then
        remaster_say "update: this initramfs holds no key to check a download with; booting this stick's snapshot $_uid"
        return 1
    fi
    _utime=$(remaster_update_timeout)
    remaster_say "update: asking $_uurl for a newer snapshot (up to ${_utime}s)"
    if ! remaster_wait_route "$_utime"; then
        remaster_say "update: no network within ${_utime}s; booting this stick's snapshot $_uid"
        return 1
    fi
    if ! _uwhy=$(remaster_update_fetch "$_uurl"); then
        remaster_say "update: $_uwhy; booting this stick's snapshot $_uid"
        return 1
    fi
    if ! _unew=$(remaster_update_rule "$1$2/snapshot.info" "$REMASTER_RUN/update/snapshot.info" "$_uid"); then
        remaster_say "update: $_unew; booting this stick's snapshot $_uid"
        return 1
    fi
    remaster_say "update: the server has the newer snapshot $_unew (this stick: $_uid), signed with this stick's key"
    if ! remaster_net_image "$_uurl"; then
        remaster_say "update: $REMASTER_NET_WHY; booting this stick's snapshot $_uid"
        return 1
    fi
    _ui=1
    while [ "$_ui" -le "$REMASTER_NLAYERS" ]; do
        mkdir -p "$(remaster_lower_dir "$_ui")"
        _ui=$((_ui + 1))
    done
    remaster_mount_image 0 "" 1 || return 1
    remaster_say "update: booting the snapshot $_unew from $_uurl, in RAM (this stick's $_uid is unchanged)"
}
