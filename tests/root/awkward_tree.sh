#!/bin/bash
# args: DIR
# Builds a tree of awkward files in DIR (created; must not exist or be empty)
# for the squashfs round-trip tests: every file type, device numbers beyond
# 8-bit minors, hard links across directories, odd owners, modes and times,
# xattrs in every namespace squashfs holds, names squashfs must sort and
# store byte-exact, a 60-deep chain and a 5000-entry directory.
#
# Under DIR/unrepresentable/ is what squashfs cannot hold; the writer must
# report it as dropped:
#   acl-file, acl-default-dir   POSIX ACLs (system.posix_acl_*)  -> 2 inodes
#   before-1970, after-2106     mtimes outside 0..2^32-1         -> 1 inode each
#
# Needs root, a filesystem with user/trusted/security xattrs and ACLs (ext4,
# xfs, btrfs), and: attr (setfattr), acl (setfacl), libcap2-bin (setcap),
# python3 (for the socket).
set -euo pipefail

dir=${1:?usage: awkward_tree.sh DIR}
[[ $(id -u) -eq 0 ]] || { echo "awkward_tree.sh: needs root" >&2; exit 1; }
mkdir -p "$dir"
[[ -z $(ls -A "$dir") ]] || { echo "awkward_tree.sh: $dir is not empty" >&2; exit 1; }
cd "$dir"
umask 022

# --- regular files ----------------------------------------------------------
mkdir files
: >files/empty
echo "small text" >files/small.txt
head -c 3M /dev/urandom >files/random-3M
head -c 131072 /dev/urandom >files/exactly-one-block
head -c 131073 /dev/urandom >files/one-block-plus-one
cp files/random-3M files/duplicate-of-random-3M
cp files/small.txt files/duplicate-of-small.txt
{ yes "compressible line" || true; } | head -c 5M >files/compressible-5M
dd if=/dev/zero of=files/written-zeros-2M bs=1M count=2 status=none
# 1 GiB, mostly hole, with data at the start, in the middle and at the end.
truncate -s 1G files/sparse-1G
head -c 8192 /dev/urandom | dd of=files/sparse-1G conv=notrunc status=none
head -c 100000 /dev/urandom | dd of=files/sparse-1G bs=1M seek=500 conv=notrunc status=none
head -c 4096 /dev/urandom | dd of=files/sparse-1G bs=4096 seek=$((262144 - 1)) conv=notrunc status=none
truncate -s 5M files/all-hole-5M
for m in 0000 0777 0644 0600 4755 2755 6711 1755 0444; do
    echo "mode $m" >"files/mode-$m"
    chmod "$m" "files/mode-$m"
done
echo owner >files/owner-12345-54321 && chown 12345:54321 files/owner-12345-54321
echo owner >files/owner-100000-200000 && chown 100000:200000 files/owner-100000-200000
# 4294967295 is (uid_t)-1, "no change", so the largest usable id is one less.
echo owner >files/owner-4294967294 && chown 4294967294:4294967294 files/owner-4294967294
echo owner >files/owner-65535 && chown 65535:65534 files/owner-65535

# --- directories -------------------------------------------------------------
mkdir -m 1777 dirs dirs/sticky-1777
mkdir -m 2775 dirs/setgid-2775
mkdir -m 0700 dirs/private-0700
mkdir -m 0000 dirs/none-0000
mkdir dirs/empty
mkdir dirs/owned && chown 12345:54321 dirs/owned
chmod 0755 dirs

# --- symlinks ----------------------------------------------------------------
mkdir links
ln -s ../files/small.txt links/relative
ln -s /etc/passwd links/absolute
ln -s /nonexistent/dangling/target links/dangling
ln -s "$(printf 'long/%.0s' {1..800})end" links/long-target   # 4003 bytes
ln -s . links/self-dot
ln -s loop-b links/loop-a
ln -s loop-a links/loop-b
ln -s ../files/small.txt links/owned && chown -h 12345:54321 links/owned

# --- hard links across directories -----------------------------------------
mkdir -p hard/a hard/b hard/c
echo "two names" >hard/a/two
ln hard/a/two hard/b/two-again
echo "three names" >hard/a/three
ln hard/a/three hard/b/three-again
ln hard/a/three hard/c/three-third
mkfifo hard/a/fifo && ln hard/a/fifo hard/c/fifo-again
ln -s target-of-linked-symlink hard/a/symlink && ln -P hard/a/symlink hard/b/symlink-again
mknod hard/a/dev c 1 3 && ln hard/a/dev hard/b/dev-again
: >hard/a/empty && ln hard/a/empty hard/c/empty-again
echo "in one dir" >hard/b/same-dir-1 && ln hard/b/same-dir-1 hard/b/same-dir-2

# --- special files -----------------------------------------------------------
mkdir special
mkfifo special/fifo
mkfifo -m 0600 special/fifo-0600
(cd special && python3 -c 'import socket; socket.socket(socket.AF_UNIX).bind("socket")')
mknod special/null c 1 3
mknod special/minor-1000 c 4 1000
mknod special/block-259-70000 b 259 70000
mknod special/block-8-1 b 8 1
mknod special/max-4095-1048575 c 4095 1048575
mknod special/major-300 c 300 5
chown 12345:54321 special/minor-1000
# No 0:0 character device: overlayfs reads one as a whiteout (a deleted
# file), so a live system can never show one through the view we snapshot.

# --- names -------------------------------------------------------------------
mkdir names
echo utf8 >"names/héllo wörld ☃ 日本語 🚀"
echo newline >"names/new
line"
echo tab >"names/tab	in name"
echo space >"names/ leading and trailing "
echo dash >"names/-starts-with-dash"
echo glob >"names/*?[glob]"
echo quote >"names/quote\"s 'and' \\backslash"
echo ctrl >"names/$(printf 'ctrl\001\002\033')"
echo latin1 >"names/$(printf 'latin1-\xe9\xff')"           # not valid UTF-8
echo 255 >"names/$(printf 'n%.0s' {1..255})"
echo utf8-255 >"names/$(printf 'é%.0s' {1..127})x"         # 127*2+1 = 255 bytes
echo order >"names/Zebra" && echo order >"names/apple" && echo order >"names/Apple"
echo order >"names/a.b" && echo order >"names/a-b" && echo order >"names/a_b"
mkdir "names/dir with
newline" && echo inside >"names/dir with
newline/file"

# --- a 60-deep chain whose path is longer than PATH_MAX ---------------------
p=deep
for i in $(seq -w 1 60); do
    p="$p/level-$i-$(printf 'x%.0s' {1..90})"
done
mkdir -p "$p"   # mkdir -p walks it component by component
(
    cd deep
    top=$PWD
    for i in $(seq -w 1 60); do cd "level-$i-$(printf 'x%.0s' {1..90})"; done
    echo "at the bottom" >bottom.txt
    ln -s ../../.. up3
    # Beyond PATH_MAX only relative paths work, for us and for the writer.
    setfattr -n user.deep -v yes bottom.txt
    setfattr -h -n trusted.deep -v yes up3
    setfattr -n user.deep-dir -v yes .
    ln bottom.txt bottom-hardlink
    ln bottom.txt "$top/shallow-hardlink-to-bottom"
)

# --- a 5000-entry directory --------------------------------------------------
mkdir big
(cd big && seq -f 'entry-%05g' 1 5000 | xargs touch)
(cd big && seq -f 'entry-%05g' 1 50 | xargs -I{} sh -c 'echo {} >{}')

# --- times -------------------------------------------------------------------
mkdir times
echo t >times/future-2100 && touch -h -d '2100-01-01 00:00:00 UTC' times/future-2100
echo t >times/epoch-0 && touch -h -d '@0' times/epoch-0
echo t >times/y2038-plus && touch -h -d '2038-01-20 00:00:00 UTC' times/y2038-plus
echo t >times/max-u32 && touch -h -d '@4294967295' times/max-u32
ln -s x times/symlink-2100 && touch -h -d '2100-06-01 00:00:00 UTC' times/symlink-2100
mkfifo times/fifo-1990 && touch -h -d '1990-01-01 00:00:00 UTC' times/fifo-1990

# --- extended attributes -----------------------------------------------------
mkdir xattrs
echo x >xattrs/user-file
setfattr -n user.plain -v value xattrs/user-file
setfattr -n user.binary -v 0x00ff00fe01 xattrs/user-file
setfattr -n user.big -v "$(printf 'v%.0s' {1..3000})" xattrs/user-file
setfattr -n user.empty xattrs/user-file
mkdir xattrs/user-dir && setfattr -n user.on-dir -v yes xattrs/user-dir
echo x >xattrs/trusted-file && setfattr -n trusted.thing -v secret xattrs/trusted-file
ln -s somewhere xattrs/trusted-symlink && setfattr -h -n trusted.on-link -v yes xattrs/trusted-symlink
mkfifo xattrs/trusted-fifo && setfattr -h -n trusted.on-fifo -v yes xattrs/trusted-fifo
mknod xattrs/security-dev c 4 1001 && setfattr -h -n security.on-dev -v yes xattrs/security-dev
(cd xattrs && python3 -c 'import socket; socket.socket(socket.AF_UNIX).bind("trusted-socket")')
setfattr -h -n trusted.on-socket -v yes xattrs/trusted-socket
echo x >xattrs/capability && setcap 'cap_net_raw,cap_net_admin+ep' xattrs/capability
printf '#!/bin/sh\n' >xattrs/capability-setuid && chmod 4755 xattrs/capability-setuid &&
    setcap 'cap_sys_admin+ei' xattrs/capability-setuid
echo x >xattrs/selinux && setfattr -n security.selinux -v 'system_u:object_r:bin_t:s0' xattrs/selinux
echo x >xattrs/all-three
setfattr -n user.u -v 1 xattrs/all-three
setfattr -n trusted.t -v 2 xattrs/all-three
setfattr -n security.s -v 3 xattrs/all-three
for i in 1 2 3; do # identical sets, stored once
    echo "$i" >"xattrs/same-set-$i"
    setfattr -n user.shared -v same "xattrs/same-set-$i"
done
echo x >xattrs/hardlinked && setfattr -n user.linked -v yes xattrs/hardlinked && ln xattrs/hardlinked hard/c/xattr-link

# --- what squashfs cannot hold ---------------------------------------------
mkdir unrepresentable
echo acl >unrepresentable/acl-file && setfacl -m u:12345:rwx,g:54321:r unrepresentable/acl-file
mkdir unrepresentable/acl-default-dir && setfacl -d -m u:12345:rwx unrepresentable/acl-default-dir
echo old >unrepresentable/before-1970 && touch -d '1960-01-01 00:00:00 UTC' unrepresentable/before-1970
echo new >unrepresentable/after-2106 && touch -d '2200-01-01 00:00:00 UTC' unrepresentable/after-2106

# Directory times last, now that nothing is added below them.
touch -d '2001-02-03 04:05:06 UTC' dirs/empty
touch -d '2099-12-31 23:59:59 UTC' hard/c
