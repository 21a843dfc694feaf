#!/bin/sh
# Runs in the live system (remaster-ready.service, from /run/remaster): tells
# the serial console whether the system reached its default target. Written
# to ttyS0 and to the console, which is ttyS0 too with console=ttyS0; a
# missing port fails quietly.
state=$(systemctl is-system-running --wait 2> /dev/null)
case "$state" in
    running | degraded) line="remaster: live system up ($state)" ;;
    *) line="remaster: live system did not start (${state:-unknown})" ;;
esac
for tty in /dev/ttyS0 /dev/console; do
    { echo "$line" > "$tty"; } 2> /dev/null || :
done
