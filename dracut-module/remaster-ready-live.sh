#!/bin/sh
# Runs in the live system (remaster-ready.service, from /run/remaster): tells
# the serial console whether the system reached its default target. Written
# to ttyS0 and to the console, which is ttyS0 too with console=ttyS0; a
# missing port fails quietly.
#
# An empty answer is not a verdict: systemctl prints no state when its call
# to systemd times out (25 s), which happens on a machine so loaded that the
# guest stalls (seen under QEMU TCG beside another guest). Ask again then;
# only systemd's own answer, or no answer after many tries, decides.
tries=0
while :; do
    answer=$(systemctl is-system-running --wait 2>&1)
    case "$answer" in
        initializing | starting | running | degraded | maintenance | stopping | offline | unknown)
            state=$answer
            break
            ;;
    esac
    tries=$((tries + 1))
    if [ "$tries" -ge "${REMASTER_READY_TRIES:-20}" ]; then
        state="no answer from systemd: $(echo "$answer" | head -n 1)"
        break
    fi
    sleep "${REMASTER_READY_PAUSE:-3}"
done
case "$state" in
    running | degraded) line="remaster: live system up ($state)" ;;
    *) line="remaster: live system did not start ($state)" ;;
esac
for tty in ${REMASTER_READY_TTYS:-/dev/ttyS0 /dev/console}; do
    { echo "$line" > "$tty"; } 2> /dev/null || :
done
