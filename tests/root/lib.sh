# Shared helpers for the root-only tests. Source it first thing:
#     . "$(dirname "$0")/lib.sh"
#
# It turns on strict mode, reports the failing command on ERR, and keeps a
# cleanup stack that runs in reverse on EXIT, whether the test passed, failed
# or was interrupted: every mount, loop device and temp dir a test creates is
# registered right after it is created, so nothing outlives the test.
# shellcheck shell=bash

set -euo pipefail
shopt -s inherit_errexit 2>/dev/null || true

TESTS_ROOT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$TESTS_ROOT_DIR/../.." && pwd)
: "${BUILD_DIR:=$REPO_DIR/build}"

_cleanup_stack=()
_passed=0
_failed=0

# args: command words; run at exit, last registered first. Call it from the
# main shell: what a subshell registers is lost when the subshell ends.
push_cleanup() {
    [[ $BASHPID == "$$" ]] || die "push_cleanup called in a subshell: $*"
    local cmd
    printf -v cmd '%q ' "$@"
    _cleanup_stack+=("$cmd")
}

_run_cleanups() {
    local rc=$? i
    set +e
    trap - ERR
    for ((i = ${#_cleanup_stack[@]} - 1; i >= 0; i--)); do
        eval "${_cleanup_stack[$i]}" >/dev/null 2>&1 ||
            echo "cleanup failed: ${_cleanup_stack[$i]}" >&2
    done
    _cleanup_stack=()
    return "$rc"
}

_on_err() {
    local rc=$?
    echo "ERROR: '${BASH_COMMAND}' failed with status $rc at ${BASH_SOURCE[1]:-?}:${BASH_LINENO[0]}" >&2
}

trap _on_err ERR
trap _run_cleanups EXIT
trap 'exit 130' INT TERM HUP

die() {
    echo "FATAL: $*" >&2
    exit 1
}

need_root() {
    [[ $(id -u) -eq 0 ]] || die "this test must run as root"
}

# args: command names that must be on PATH
need_cmds() {
    local c missing=()
    for c in "$@"; do command -v "$c" >/dev/null 2>&1 || missing+=("$c"); done
    ((${#missing[@]} == 0)) || die "missing commands: ${missing[*]}"
}

# args: var [template]; creates a temp dir, removed at exit, and stores its
# path in var. (Not printed: in a $(...) subshell the cleanup would be lost.)
make_tmpdir() {
    local _d
    _d=$(mktemp -d "${TMPDIR:-/tmp}/${2:-remaster-test}.XXXXXX")
    push_cleanup rm -rf --one-file-system "$_d"
    printf -v "$1" '%s' "$_d"
}

# args: image mountpoint [fstype]; read-only loop mount, undone at exit
# (unmount first, then detach the loop device).
mount_image_ro() {
    local img=$1 mnt=$2 fstype=${3:-squashfs} dev
    dev=$(losetup --find --show --read-only "$img")
    push_cleanup losetup -d "$dev"
    mkdir -p "$mnt"
    mount -t "$fstype" -o ro "$dev" "$mnt"
    push_cleanup umount "$mnt"
}

# args: name command...; runs the command, counts and prints PASS/FAIL.
check() {
    local name=$1
    shift
    if "$@"; then
        echo "PASS: $name"
        _passed=$((_passed + 1))
    else
        echo "FAIL: $name"
        _failed=$((_failed + 1))
    fi
}

# Prints "N passed, M failed"; returns 1 if anything failed.
summary() {
    echo "$_passed passed, $_failed failed"
    ((_failed == 0))
}
