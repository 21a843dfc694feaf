#!/usr/bin/env bash
# The initramfs cache (--cache-dir): the first stick of a root builds the
# initramfs with dracut and keeps it; a second stick of the unchanged root
# takes it from the cache, byte for byte, without dracut; a damaged entry is
# removed and rebuilt, never put on a stick; a change to any input (dracut's
# configuration, our dracut module, the kernel's modules) builds anew, and
# --no-cache always builds. The cache below a root is left out of its
# snapshot. Runs that are only there to show a decision are interrupted right
# after it, so only one dracut run is waited for.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
need_root
need_cmds losetup cmp
# shellcheck source=../vm/lib/stick.sh
. "$REPO_DIR/tests/vm/lib/stick.sh"
REMASTER=$BUILD_DIR/remaster
CACHED=$("$REPO_DIR/tests/vm/lib/debian-root.sh")
make_tmpdir work remaster-icache
push_cleanup stick_release_all
cache=$work/cache

# The root: an overlay of the cached test root, so its files keep their
# times and the test can change inputs in the upper dir.
R=$work/root
mkdir -p "$work/upper" "$work/ovl-work" "$R"
mount -t overlay -o "lowerdir=$CACHED,upperdir=$work/upper,workdir=$work/ovl-work" remaster-test-icache "$R"
push_cleanup umount "$R"
KVER=$(basename "$(ls -d "$R"/usr/lib/modules/*)")

# args: mountpoint of a stick with one snapshot; its default initramfs.
initrd_in() {
  local f
  for f in "$1"/remaster/*/initrd.img; do printf '%s\n' "$f"; done
}

# args: log image [extra options...]; runs a snapshot until it has decided
# where the initramfs comes from, then interrupts it. Leaves its log.
until_decided() {
  local log=$1 img=$2 pid
  shift 2
  : >"$log"
  "$REMASTER" snapshot --root "$R" --to "$img" --yes "$@" 2>"$log" &
  pid=$!
  for _ in $(seq 3000); do
    grep -Eq "Building the initramfs|taken from|remaster: error" "$log" && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -INT "$pid" 2>/dev/null || :
  wait "$pid" || :
  [[ ! -e $img ]] || rm -f "$img"
  return 0
}

# --- cold: dracut builds it, and it is kept --------------------------------
plan=$("$REMASTER" snapshot --root "$R" --to "$work/a.img" --cache-dir "$cache" --dry-run 2>&1)
check "dry run: says where the initramfs comes from" grep -q "initramfs: taken from $cache if built from the same files before" <<<"$plan"
"$REMASTER" snapshot --root "$R" --to "$work/a.img" --yes --cache-dir "$cache" 2>"$work/a.log"
check "cold cache: dracut builds the initramfs" grep -q "Building the initramfs for $KVER" "$work/a.log"
mapfile -t entries < <(find "$cache" -name '*.img')
check "one entry is kept" test "${#entries[@]}" -eq 1
entry=${entries[0]}
check "... with its check beside it" test -s "${entry%.img}.sha256"
check "... readable by root only" test "$(stat -c %a "$cache")" = 700
stick_mount "$work/a.img" "$work/ma" ro
a_initrd=$(initrd_in "$work/ma")
check "the entry is the stick's initramfs" cmp "$entry" "$a_initrd"
# SHA256SUMS of the kernel and initramfs were computed while they were
# written, not read back: they must still be what sha256sum reads.
check "cold: SHA256SUMS is what sha256sum reads back" bash -c 'cd "$(dirname "$1")" && sha256sum --quiet -c SHA256SUMS' _ "$a_initrd"

# --- warm: the second stick takes it --------------------------------------
"$REMASTER" snapshot --root "$R" --to "$work/b.img" --yes --cache-dir "$cache" 2>"$work/b.log"
check "warm cache: the initramfs is taken from the cache" \
  grep -q "The initramfs for $KVER was built from the same files before: taken from $entry" "$work/b.log"
check "warm cache: no dracut run" bash -c "! grep -q 'Building the initramfs' '$work/b.log'"
stick_mount "$work/b.img" "$work/mb" ro
b_initrd=$(initrd_in "$work/mb")
check "the second stick's initramfs is the first's, byte for byte" cmp "$a_initrd" "$b_initrd"
check "warm: SHA256SUMS is what sha256sum reads back" bash -c 'cd "$(dirname "$1")" && sha256sum --quiet -c SHA256SUMS' _ "$b_initrd"
stick_umount "$work/mb"
check "the second stick verifies" "$REMASTER" verify --on "$work/b.img"
rm -f "$work/b.img"

# --- --no-cache builds even so ---------------------------------------------
until_decided "$work/nocache.log" "$work/n.img" --no-cache
check "--no-cache: dracut builds it" grep -q "Building the initramfs" "$work/nocache.log"

# --- every input counts ----------------------------------------------------
mkdir -p "$R/etc/dracut.conf.d"
printf '# a test setting\nhostonly_cmdline="no"\n' >"$R/etc/dracut.conf.d/90-test.conf"
until_decided "$work/conf.log" "$work/c.img" --cache-dir "$cache"
check "a new dracut setting: built anew" grep -q "Building the initramfs" "$work/conf.log"
rm "$R/etc/dracut.conf.d/90-test.conf"

data=$work/data
mkdir -p "$data"
cp -a "$REPO_DIR/dracut-module" "$REPO_DIR/grub.d" "$data/"
printf '# changed\n' >>"$data/dracut-module/module-setup.sh"
export REMASTER_DATA_DIR=$data
until_decided "$work/module.log" "$work/c.img" --cache-dir "$cache"
unset REMASTER_DATA_DIR
check "a changed dracut module: built anew" grep -q "Building the initramfs" "$work/module.log"

touch "$R/usr/lib/modules/$KVER/modules.order"
until_decided "$work/kernel.log" "$work/c.img" --cache-dir "$cache"
check "a changed kernel modules tree: built anew" grep -q "Building the initramfs" "$work/kernel.log"
touch -r "$CACHED/usr/lib/modules/$KVER/modules.order" "$R/usr/lib/modules/$KVER/modules.order"

# --- a damaged entry is rebuilt, never used --------------------------------
# (The overlay's copied-up modules.order keeps a new ctime: the entry no
# longer matches this root, so the damage is shown on the cached root.)
umount "$R"
rm -rf "$work/upper" "$work/ovl-work"
mkdir -p "$work/upper" "$work/ovl-work"
mount -t overlay -o "lowerdir=$CACHED,upperdir=$work/upper,workdir=$work/ovl-work" remaster-test-icache "$R"
until_decided "$work/same.log" "$work/c.img" --cache-dir "$cache"
check "the same root again: taken from the cache" grep -q "taken from $entry" "$work/same.log"
stick_umount "$work/ma"
truncate -s 4096 "$entry"
until_decided "$work/trunc.log" "$work/c.img" --cache-dir "$cache"
check "a truncated entry: said to be damaged" grep -q "The cached initramfs $entry is damaged: removed, building it again" "$work/trunc.log"
check "a truncated entry: built anew" grep -q "Building the initramfs" "$work/trunc.log"
check "a truncated entry: removed" test ! -e "$entry"

# --- the cache is left out of snapshots ------------------------------------
mkdir -p "$R/var/cache/remaster/initramfs" "$R/srv/icache"
echo x >"$R/var/cache/remaster/initramfs/k.img"
echo x >"$R/srv/icache/k.img"
plan=$("$REMASTER" snapshot --root "$R" --to "$work/a.img" --cache-dir "$R/srv/icache" --dry-run 2>&1)
check "dry run: /var/cache/remaster in the root is left out" grep -q "empty   /var/cache/remaster  (remaster's own cache)" <<<"$plan"
check "dry run: a --cache-dir below the root is left out" grep -q "empty   /srv/icache  (remaster's initramfs cache (--cache-dir))" <<<"$plan"
"$REMASTER" snapshot --root "$R" --squashfs "$work/r.sqfs" --cache-dir "$R/srv/icache" --quiet
mount_image_ro "$work/r.sqfs" "$work/sq"
check "the image has /var/cache/remaster, empty" bash -c "test -d '$work/sq/var/cache/remaster' && test -z \"\$(ls -A '$work/sq/var/cache/remaster')\""
check "the image has the --cache-dir, empty" bash -c "test -d '$work/sq/srv/icache' && test -z \"\$(ls -A '$work/sq/srv/icache')\""

summary
