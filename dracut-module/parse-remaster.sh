#!/bin/sh
# cmdline hook: accept root=remaster, check the rd.remaster.* arguments and
# make the initqueue (and systemd) wait for the stick.
# root and rootok are read by the dracut script sourcing this hook; hookdir
# comes from dracut-lib.sh.
# shellcheck disable=SC2034,SC2154

type getarg > /dev/null 2>&1 || . /lib/dracut-lib.sh
. /lib/remaster-lib.sh

# args: none. rd.remaster.url: the system comes over the network, from a
# directory made by remaster snapshot --netboot; dracut's network module
# brings the network up (ip=dhcp rd.neednet=1).
remaster_parse_url() {
    if ! _why=$(remaster_url_problem "$(remaster_url)"); then
        remaster_fail "$_why"
        return 1
    fi
    rootok=1
    root=remaster
    _timeout=$(remaster_timeout)
    if [ -z "$(getarg rd.retry=)" ]; then
        mkdir -p /etc/cmdline.d
        echo "rd.retry=$_timeout" > /etc/cmdline.d/90-remaster-retry.conf
    fi
    # The initqueue waits until an interface has an IPv4 route (DHCP done),
    # so that the mount step does not start before the network. dracut
    # sources these hooks, the finished ones in a subshell.
    mkdir -p "$hookdir/initqueue/finished" "$hookdir/emergency"
    echo '. /lib/remaster-lib.sh; remaster_has_route' > "$hookdir/initqueue/finished/90-remaster-net.sh"
    printf '. /lib/remaster-lib.sh; remaster_has_route || warn "remaster: the network did not come up within %ss (rd.remaster.url=%s needs ip=dhcp rd.neednet=1 and a DHCP server). Is the cable plugged in?"\n' \
        "$_timeout" "$(remaster_url)" > "$hookdir/emergency/49-remaster-net.sh"
}

# args: none
remaster_parse() {
    if [ -n "$(remaster_url)" ]; then
        remaster_parse_url
        return
    fi
    _uuid=$(remaster_uuid)
    _dir=$(getarg rd.remaster.dir=)
    _timeout=$(remaster_timeout)

    case "$_uuid" in
        '')
            remaster_fail "root=remaster needs rd.remaster.uuid=<filesystem UUID of the stick's data partition>"
            return 1
            ;;
        *[!0-9a-f-]*)
            remaster_fail "rd.remaster.uuid='$_uuid' is not a filesystem UUID"
            return 1
            ;;
    esac
    case "$_dir" in
        /*) ;;
        *)
            remaster_fail "root=remaster needs rd.remaster.dir=/remaster/<snapshot> (an absolute path on the stick), got '$_dir'"
            return 1
            ;;
    esac

    # Tells dracut-cmdline / init that the root is taken care of; both are
    # read by the dracut script that sources this hook.
    rootok=1
    root=remaster

    # Said now, not only when mounting: a typo in a GRUB entry should not
    # cost the wait for the stick. After rootok, so that dracut adds no
    # "Don't know how to handle" of its own; before the stick's emergency
    # hook, which would blame a stick that had no time to appear yet. The
    # mount step checks them again (rd.remaster.persist and
    # rd.remaster.layers), and also that every layer is on the stick.
    remaster_get_persist || return 1
    remaster_get_layers || return 1
    remaster_get_iso || return 1

    # The initqueue gives up after rd.retry; make that our timeout unless the
    # user set it, so a missing stick ends in the emergency shell in time.
    if [ -z "$(getarg rd.retry=)" ]; then
        mkdir -p /etc/cmdline.d
        echo "rd.retry=$_timeout" > /etc/cmdline.d/90-remaster-retry.conf
    fi

    # An ISO file (rd.remaster.iso) is looked for by the mount step itself,
    # for up to the timeout: no device is known to wait for.
    [ -z "$REMASTER_ISO" ] || return 0

    # initqueue finished-hook plus, in the systemd initramfs, a Wants= on the
    # device unit with our timeout.
    wait_for_dev "/dev/disk/by-uuid/$_uuid" "$_timeout"

    # Said in the emergency shell when the stick never showed up.
    printf '[ -e "/dev/disk/by-uuid/%s" ] || warn "remaster: no filesystem with UUID %s appeared within %ss (rd.remaster.uuid). Is the stick plugged in? Was it rewritten since this boot entry was made?"\n' \
        "$_uuid" "$_uuid" "$_timeout" > "$hookdir/emergency/49-remaster-stick.sh"
}

if remaster_is_ours; then
    remaster_run remaster_parse
fi
