#!/bin/bash
# The squashfs writer keeps an awkward tree intact: build it with
# awkward_tree.sh, snapshot it with `remaster snapshot --root --squashfs`,
# mount the image and compare entry by entry with treecmp.py; check that what
# squashfs cannot hold (ACLs, out-of-range mtimes) is reported, not silently
# lost, and that the image does not depend on the number of threads.
#
# Environment: REMASTER (default $BUILD_DIR/remaster, BUILD_DIR=build).
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

need_root
need_cmds setfattr setfacl setcap python3 unsquashfs losetup
REMASTER=${REMASTER:-$BUILD_DIR/remaster}
[[ -x $REMASTER ]] || die "no remaster binary at $REMASTER (build first or set REMASTER)"

work=""
make_tmpdir work remaster-awkward
tree=$work/tree
"$TESTS_ROOT_DIR/awkward_tree.sh" "$tree"
# An odd root too: the image's root directory must carry the source root's
# metadata, not that of whatever directory the snapshot was assembled in.
chown 12345:54321 "$tree"
chmod 0751 "$tree"
setfattr -n user.on-root -v yes "$tree"
touch -d '2002-02-02 02:02:02 UTC' "$tree"

# args: output jobs; snapshot the tree, the log goes to output.log
snapshot() {
    "$REMASTER" snapshot --root "$tree" --squashfs "$1" --jobs "$2" --yes >"$1.log" 2>&1
}

check "snapshot of the awkward tree succeeds" snapshot "$work/out.sqfs" 2
cat "$work/out.sqfs.log"
[[ -s $work/out.sqfs ]] || { summary || true; die "no image written"; }

mount_image_ro "$work/out.sqfs" "$work/mnt"
mnt=$work/mnt

# The two mtimes squashfs cannot hold are compared below, not by treecmp.
check "image matches the tree (types, modes, owners, mtimes, content, rdev, xattrs, hard links)" \
    python3 "$TESTS_ROOT_DIR/treecmp.py" --ignore-acl --no-root-meta \
    --ignore /unrepresentable/before-1970 --ignore /unrepresentable/after-2106 "$tree" "$mnt"

root_meta() { [[ $(stat -c '%a %u %g %Y' "$tree") == $(stat -c '%a %u %g %Y' "$mnt") ]]; }
check "root directory keeps mode, owner and mtime" root_meta
root_xattr() { [[ $(getfattr --only-values -n user.on-root "$mnt" 2>/dev/null) == yes ]]; }
check "root directory keeps its xattrs" root_xattr

mtime_is() { [[ $(stat -c %Y "$1") == "$2" ]]; }
check "mtime before 1970 stored as 0" mtime_is "$mnt/unrepresentable/before-1970" 0
check "mtime after 2106 stored as 2^32-1" mtime_is "$mnt/unrepresentable/after-2106" 4294967295

log_has() { grep -qE -- "$1" "$work/out.sqfs.log"; }
check "dropped ACLs reported with their count" log_has "left out 2 POSIX ACL.*unrepresentable/acl-"
check "dropped old mtime reported" log_has "left out 1 .*1970.*unrepresentable/before-1970"
check "dropped far-future mtime reported" log_has "left out 1 .*2106.*unrepresentable/after-2106"
no_acl() { [[ -z $(getfattr -h -m '^system\.posix_acl' --absolute-names -d "$1" 2>/dev/null) ]]; }
check "ACLs are really gone from the image" no_acl "$mnt/unrepresentable/acl-file"

nlink_is() { [[ $(stat -c %h "$1") == "$2" ]]; }
check "hard link group of 3 has nlink 3" nlink_is "$mnt/hard/c/three-third" 3
same_inode() { [[ $(stat -c %i "$1") == $(stat -c %i "$2") ]]; }
check "hard-linked fifo is one inode" same_inode "$mnt/hard/a/fifo" "$mnt/hard/c/fifo-again"
rdev_is() { [[ $(stat -c '%t:%T' "$1") == "$2" ]]; }
check "block device 259:70000" rdev_is "$mnt/special/block-259-70000" "103:11170"
check "char device 4095:1048575" rdev_is "$mnt/special/max-4095-1048575" "fff:fffff"
cap_is() { [[ $(getcap "$1") == *"$2"* ]]; }
check "file capabilities kept" cap_is "$mnt/xattrs/capability" "cap_net_admin,cap_net_raw=ep"
sparse_ok() { (($(stat -c %s "$1") == 1 << 30)) && cmp -s "$1" "$2"; }
check "1 GiB sparse file reads back identical" sparse_ok "$mnt/files/sparse-1G" "$tree/files/sparse-1G"
deep_ok() { [[ -n $(find "$mnt/deep" -name bottom.txt) ]]; }
check "60-deep chain is complete" deep_ok
big_ok() { (($(find "$mnt/big" -mindepth 1 | wc -l) == 5000)); }
check "5000-entry directory is complete" big_ok
unsquashfs_lists() { unsquashfs -lln "$work/out.sqfs" >/dev/null; }
check "squashfs-tools can read the image" unsquashfs_lists
superblock_time() { [[ $(unsquashfs -s "$work/out.sqfs" | grep -c 'time.*2106') == 1 ]]; }
check "superblock time is the newest mtime, not now" superblock_time

# Same bytes whatever the number of compression threads.
check "snapshot with --jobs 1 succeeds" snapshot "$work/jobs1.sqfs" 1
check "image is identical with --jobs 1 and --jobs 2" cmp "$work/jobs1.sqfs" "$work/out.sqfs"

summary
