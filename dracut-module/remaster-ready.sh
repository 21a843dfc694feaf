#!/bin/sh
# pre-pivot hook: hands the live system a unit, in /run/systemd/system (/run
# survives switch-root), that says on the serial console whether the system
# reached its default target (remaster-ready-live.sh). `remaster boot-test`
# waits for that line. On a machine without a serial port the write fails
# quietly; a live system without systemd never runs it.

type getarg > /dev/null 2>&1 || . /lib/dracut-lib.sh
. /lib/remaster-lib.sh

# args: none. Copies the script and the unit, links it from multi-user.target.
remaster_ready_unit() {
    _units=/run/systemd/system
    mkdir -p "$REMASTER_RUN" "$_units/multi-user.target.wants" &&
        cp /lib/remaster-ready-live.sh "$REMASTER_RUN/ready.sh" &&
        cp /lib/remaster-ready.service "$_units/remaster-ready.service" &&
        ln -sf ../remaster-ready.service "$_units/multi-user.target.wants/remaster-ready.service"
}

if remaster_is_ours; then
    remaster_ready_unit || :
fi
