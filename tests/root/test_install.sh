#!/usr/bin/env bash
# Issue 17, `remaster install`, root tier: the copy install performs keeps an
# awkward tree intact through a squashfs of it (the way a snapshot reaches a
# disk), compared entry by entry with treecmp.py as the squashfs tests do,
# and from a directory source with its POSIX ACLs too;
# and bad targets and sources are refused before a byte is written: a disk
# with a mounted filesystem, a disk too small for the system, the source
# itself, and a --from that is no remaster stick.
#
# Environment: REMASTER (default $BUILD_DIR/remaster, BUILD_DIR=build).
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"

need_root
need_cmds setfattr setfacl getfacl getcap setcap python3 losetup mkfs.ext4 sha256sum
REMASTER=${REMASTER:-$BUILD_DIR/remaster}
[[ -x $REMASTER ]] || die "no remaster binary at $REMASTER (build first or set REMASTER)"

work=""
make_tmpdir work remaster-install
tree=$work/tree
"$TESTS_ROOT_DIR/awkward_tree.sh" "$tree"
"$REMASTER" snapshot --root "$tree" --squashfs "$work/tree.sqfs" --yes -q 2>"$work/squash.log"
[[ -s $work/tree.sqfs ]] || die "no squashfs of the awkward tree"

# 1. The copy: squashfs -> a directory on this (ext4) filesystem.
mkdir "$work/out"
check "install --to DIR copies the squashfs" "$REMASTER" install -q --from "$work/tree.sqfs" --to "$work/out"
# What squashfs itself cannot hold (ACLs, mtimes outside 32 bits) is the
# squashfs tests' business; everything it holds must come back.
check "copy matches the tree (types, modes, owners, mtimes, content, rdev, xattrs, caps, hard links)" \
    python3 "$TESTS_ROOT_DIR/treecmp.py" --ignore-acl --no-root-meta \
    --ignore /unrepresentable/before-1970 --ignore /unrepresentable/after-2106 "$tree" "$work/out"
sparse() { (($(stat -c %b "$work/out/files/sparse-1G") * 512 < 16 * 1048576)); }
check "a sparse file stays sparse" sparse
caps() { [[ $(getcap "$work/out/xattrs/capability" 2>/dev/null) == *cap_net_raw* ]]; }
check "file capabilities kept" caps

# 2. A directory source (a mounted system, as the live install copies it)
# onto ext4: what squashfs cannot hold comes along too, POSIX ACLs first.
mkdir "$work/out-dir"
check "install --from DIR --to DIR copies the tree" "$REMASTER" install -q --from "$tree" --to "$work/out-dir"
check "directory copy matches the tree, ACLs and pre-1970/post-2106 mtimes included" \
    python3 "$TESTS_ROOT_DIR/treecmp.py" --no-root-meta "$tree" "$work/out-dir"
acl_kept() {
    getfacl -p "$work/out-dir/unrepresentable/acl-file" | grep -q '^group:54321:r--' &&
        getfacl -p "$work/out-dir/unrepresentable/acl-default-dir" | grep -q '^default:'
}
check "POSIX ACLs (access and default) kept on ext4" acl_kept

# args: variable size; a loop device over a sparse file with a random first
# MiB, detached at exit.
new_loop() {
    local f dev
    f=$(mktemp "$work/disk.XXXXXX")
    truncate -s "$2" "$f"
    head -c 1048576 /dev/urandom | dd of="$f" conv=notrunc status=none
    dev=$(losetup --find --show "$f")
    push_cleanup losetup -d "$dev"
    printf -v "$1" '%s' "$dev"
}
first_mib() { head -c 1048576 "$1" | sha256sum; }

# args: from to expected-message-part: refused, the target's first MiB as it was.
refused() {
    local from=$1 to=$2 msg=$3 before="" out rc=0
    [[ -e $to ]] && before=$(first_mib "$to")
    out=$("$REMASTER" install --from "$from" --to "$to" --yes </dev/null 2>&1) || rc=$?
    ((rc != 0)) || { echo "accepted: $out"; return 1; }
    grep -q -- "$msg" <<<"$out" || { echo "message lacks '$msg': $out"; return 1; }
    if [[ -n $before ]]; then
        [[ $before == "$(first_mib "$to")" ]] || { echo "first MiB of $to changed"; return 1; }
    fi
}

# 3. A disk with a mounted filesystem.
new_loop mounted 2G
mkfs.ext4 -q -F "$mounted"
mkdir "$work/mnt"
mount "$mounted" "$work/mnt"
push_cleanup umount "$work/mnt"
check "a disk with a mounted filesystem is refused, nothing written" refused "$work/tree.sqfs" "$mounted" "is mounted on"

# 4. A disk too small for the system (the tree's 1 GiB sparse file counts as data it holds).
new_loop small 96M
check "a too-small disk is refused, nothing written" refused "$work/tree.sqfs" "$small" "too small"

# 5. The source itself.
check "the source as the target is refused" refused "$work/tree.sqfs" "$work/tree.sqfs" "is the source"

# 6. Something that is no remaster stick (nor a squashfs image).
head -c 4M /dev/urandom >"$work/random.img"
no_image() { refused "$work/random.img" "$work/new-disk.img" "not a remaster stick" && [[ ! -e $work/new-disk.img ]]; }
check "--from a file that is no remaster stick is refused, no image made" no_image

# 7. Every problem at once: too small and a bad --size.
both() {
    local out
    out=$("$REMASTER" install --from "$work/random.img" --to "$small" --size 1X --yes </dev/null 2>&1) && return 1
    grep -q "not a remaster stick" <<<"$out" && grep -q "size is for image files" <<<"$out"
}
check "every problem is listed at once" both

# 8. A squashfs that holds no operating system (the awkward tree has no
# os-release) is refused by the plan, before anything is made.
no_os() { refused "$work/tree.sqfs" "$work/no-os.img" "no operating system" && [[ ! -e $work/no-os.img ]]; }
check "a squashfs without an operating system is refused, no image made" no_os

# 9. A step failing half way (an os-release but no kernel: the boot setup
# stops after the copy) leaves no image, no loop device and no mount behind,
# and says why.
mkdir -p "$work/os/etc"
printf 'ID=debian\nPRETTY_NAME="no kernel"\n' >"$work/os/etc/os-release"
"$REMASTER" snapshot --root "$work/os" --squashfs "$work/os.sqfs" --yes -q
half_way() {
    local out rc=0
    out=$("$REMASTER" install --from "$work/os.sqfs" --to "$work/half.img" --yes </dev/null 2>&1) || rc=$?
    if ((rc == 0)) || ! grep -q "no kernel" <<<"$out"; then
        echo "rc=$rc: $out"
        return 1
    fi
    [[ -z $(find "$work" -maxdepth 1 -name 'half.img*') ]] || { echo "an image was left: $(ls "$work")"; return 1; }
    ! losetup -nl -O BACK-FILE | grep -qF "$work/half.img" || { echo "a loop device was left"; return 1; }
    ! findmnt -rn -o SOURCE,TARGET | grep -qF "half.img" || { echo "a mount was left"; return 1; }
}
check "a failure after the copy leaves no image, loop device or mount" half_way

# 10. --mode clean: the source's ssh host keys are not installed, and where
# its sshd makes none at boot (Debian's) the unit that makes them is added.
keys=$work/keys
mkdir -p "$keys/etc/ssh" "$keys/etc/systemd/system" "$keys/usr/sbin" "$keys/usr/bin"
printf 'ID=debian\nPRETTY_NAME="with keys"\n' >"$keys/etc/os-release"
echo "private" >"$keys/etc/ssh/ssh_host_ed25519_key"
echo "public" >"$keys/etc/ssh/ssh_host_ed25519_key.pub"
echo "# config" >"$keys/etc/ssh/sshd_config"
printf '#!/bin/sh\n' >"$keys/usr/sbin/sshd"
printf '#!/bin/sh\n' >"$keys/usr/bin/ssh-keygen"
chmod 755 "$keys/usr/sbin/sshd" "$keys/usr/bin/ssh-keygen"
mkdir -p "$work/keys-backup" "$work/keys-clean" "$work/keys-dry"
"$REMASTER" install -q --from "$keys" --to "$work/keys-backup"
check "backup mode: the host keys are installed as they are" test -s "$work/keys-backup/etc/ssh/ssh_host_ed25519_key"
"$REMASTER" install -q --from "$keys" --to "$work/keys-clean" --mode clean
check "--mode clean: no host key is installed" bash -c "! compgen -G '$work/keys-clean/etc/ssh/ssh_host_*' >/dev/null"
check "--mode clean: the rest of /etc/ssh is" test -s "$work/keys-clean/etc/ssh/sshd_config"
check "--mode clean: a unit makes new keys at the first boot, enabled" \
  test -L "$work/keys-clean/etc/systemd/system/multi-user.target.wants/remaster-ssh-keygen.service"
check "--mode clean: the dry run says so" grep -q "mode:   clean" \
  <<<"$("$REMASTER" install --from "$keys" --to "$work/keys-dry" --mode clean --dry-run 2>&1)"

# 11. Ctrl-C while the system is copied: exit 130, and no image, loop device
# or mount is left (the boot loader, last, was never written).
big=$work/big
mkdir -p "$big/etc" "$big/srv"
printf 'ID=debian\nPRETTY_NAME="big"\n' >"$big/etc/os-release"
head -c 800M /dev/urandom >"$big/srv/random.bin"
"$REMASTER" snapshot --root "$big" --squashfs "$work/big.sqfs" --compress lz4 --yes -q
rm -rf "$big"
"$REMASTER" install --from "$work/big.sqfs" --to "$work/int.img" --yes 2>"$work/int.log" &
pid=$!
# The copy begins once the new root is mounted: the image's loop device,
# then its root partition mounted.
copying() {
    local loop
    # The image is written under a temporary name beside int.img.
    loop=$(losetup -nl -O NAME,BACK-FILE | awk -v w="$work/" 'index($2, w) == 1 && index($2, "int.img") {print $1; exit}')
    [[ -n $loop ]] && findmnt -rn -S "${loop}p3" >/dev/null
}
for _ in $(seq 1200); do copying && break; sleep 0.02; done
kill -INT "$pid"
rc=0
wait "$pid" || rc=$?
check "Ctrl-C during the copy: exit 130 (rc $rc)" test "$rc" -eq 130
check "Ctrl-C during the copy: it had not finished copying" bash -c "! grep -q '^remaster: Copied ' '$work/int.log'"
check "Ctrl-C during the copy: no image left" test -z "$(find "$work" -maxdepth 1 -name 'int.img*')"
check "Ctrl-C during the copy: no loop device left" bash -c "! losetup -nl -O BACK-FILE | grep -qF '$work/int.img'"
check "Ctrl-C during the copy: no mount left" bash -c "! findmnt -rn -o SOURCE,TARGET | grep -qF 'int.img'"

summary
