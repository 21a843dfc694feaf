#!/bin/sh
# pre-udev hook, after dracut's net-genrules.sh: with rd.remaster.update the
# network is wanted, not needed; dracut's wait for it ends at the update's
# deadline (remaster_update_network_optional in remaster-update.sh).
# hookdir comes from dracut-lib.sh.
# shellcheck disable=SC2154

type getarg > /dev/null 2>&1 || . /lib/dracut-lib.sh
. /lib/remaster-lib.sh

if remaster_is_ours && [ -n "$(getarg rd.remaster.update=)" ]; then
    # shellcheck source=remaster-update.sh
    . /lib/remaster-update.sh
    remaster_run remaster_update_network_optional
fi
