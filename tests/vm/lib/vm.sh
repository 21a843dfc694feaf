# shellcheck shell=bash
# What every VM test begins with: strict mode, the boot, stick and check
# helpers, and the program under test. A test sources it first:
#   HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
#   . "$HERE/lib/vm.sh"
# and gets SRC (the source tree) and REMASTER_BIN (the program; default
# build/remaster of the tree, REMASTER_BIN overrides it). Each test sets
# its own bound on a boot (TIMEOUT from REMASTER_VM_TIMEOUT).
set -uo pipefail

VM_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC=$(cd "$VM_LIB/../../.." && pwd)
# shellcheck source=boot.sh
. "$VM_LIB/boot.sh"
# shellcheck source=stick.sh
. "$VM_LIB/stick.sh"
# shellcheck source=checks.sh
. "$VM_LIB/checks.sh"
REMASTER_BIN=${REMASTER_BIN:-$SRC/build/remaster}
