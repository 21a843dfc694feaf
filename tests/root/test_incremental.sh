#!/usr/bin/env bash
# Incremental snapshots on a stick image, from a private copy of the test
# root: a second snapshot after a small change is a layer on the first
# (new, changed, deleted, replaced files and dirs, hard links, xattrs, modes,
# owners, symlinks, devices, sparse files) with the kernel and initramfs
# reused; what each menu entry stacks (its rd.remaster.dir and
# rd.remaster.layers, mounted here as the initramfs does) is entry by entry
# the complete snapshot of that state (treecmp); an interrupted layer leaves
# the stick as it was; remove refuses a base in use and frees space; --full
# makes a fresh base; a stack that gets too deep is consolidated; both copy
# the compressed blocks of unchanged files from the old layers, and the new
# base is again exactly the system.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
need_root
need_cmds losetup partx python3 mkfifo
# shellcheck source=../vm/lib/stick.sh
. "$REPO_DIR/tests/vm/lib/stick.sh"
# shellcheck source=../vm/lib/boot.sh
. "$REPO_DIR/tests/vm/lib/boot.sh"
REMASTER=$BUILD_DIR/remaster
CACHED=$("$REPO_DIR/tests/vm/lib/debian-root.sh")
make_tmpdir work remaster-incr
push_cleanup stick_release_all
push_cleanup release_below "$work"  # runs first: stacks and layers before the stick
stick=$work/stick.img
R=$work/root
cp -a "$CACHED" "$R"

snap() { "$REMASTER" snapshot --root "$R" --to "$stick" --yes "$@"; }
state() { "$REMASTER" snapshot --root "$R" --squashfs "$work/state-$1.sqfs" --quiet 2>/dev/null; }
snapshots() { "$REMASTER" list --on "$stick" | awk '/^  2/ {print $1}'; }
newest() { snapshots | head -n 1; }
info() { with_stick "$stick" "$work/i" cat "remaster/$1/snapshot.info"; }
fails_with() {  # args: status command...
  local want=$1 rc=0
  shift
  "$@" >"$work/out" 2>&1 || rc=$?
  [[ $rc -eq $want ]]
}
stick_listing() {  # the menu and every file on the stick with its hash
  with_stick "$stick" "$work/l" sh -c 'cat boot/grub/grub.cfg; find remaster -type f -exec sha256sum {} + | sort'
}

# What the menu entry stacks, mounted as the initramfs mounts it, compared
# with the complete snapshot of the same state. args: entry-id state-name
stack_matches() {
  local id=$1 name=$2 m=$work/m args dir layers lower l i=0 rc=0
  stick_mount "$stick" "$m" ro || return 1
  args=$(stick_grub_entry "$m/boot/grub/grub.cfg" "$id" | sed -n 3p)
  dir=$(grep -o 'rd.remaster.dir=[^ ]*' <<<"$args" | cut -d= -f2)
  layers=$(grep -o 'rd.remaster.layers=[^ ]*' <<<"$args" | cut -d= -f2 | tr , ' ')
  lower=""
  for l in "$dir" $layers; do
    mkdir -p "$work/layer$i"
    mount -t squashfs -o ro,loop "$m$l/filesystem.squashfs" "$work/layer$i"
    lower+="${lower:+:}$work/layer$i"
    i=$((i + 1))
  done
  mkdir -p "$work/stack" "$work/full"
  # overlayfs wants two lower dirs at least when it has no upper one.
  if ((i > 1)); then
    mount -t overlay -o "lowerdir=$lower" remaster-test-stack "$work/stack"
  else
    mount --bind "$work/layer0" "$work/stack"
  fi
  mount -t squashfs -o ro,loop "$work/state-$name.sqfs" "$work/full"
  echo "entry $id stacks $((i)) layer(s): $dir $layers"
  # fstab and the live system's hibernation drop-in are written anew by each
  # run's scrub (same text, new mtime): compared by content.
  local sleep_conf=/etc/systemd/sleep.conf.d/zz-remaster-live.conf
  python3 "$TESTS_ROOT_DIR/treecmp.py" --ignore /etc/fstab --ignore /etc/systemd/sleep.conf.d \
    "$work/full" "$work/stack" | tail -n 5 || rc=1
  cmp "$work/full/etc/fstab" "$work/stack/etc/fstab" || rc=1
  cmp "$work/full$sleep_conf" "$work/stack$sleep_conf" || rc=1
  umount "$work/full" "$work/stack"
  for ((; i > 0; i--)); do umount "$work/layer$((i - 1))"; done
  stick_umount "$m"
  return $rc
}

# Things each kind of change can happen to, present in the first snapshot.
f=$R/srv/incr
mkdir -p "$f/dir-gone/a" "$f/dir-becomes-file" "$f/links" "$f/many"
echo x >"$f/dir-gone/a/b"
echo x >"$f/file-becomes-dir"
echo x >"$f/dir-becomes-file/x"
echo linked >"$f/links/one"
for n in chmod chown xattr same; do echo "$n" >"$f/$n"; done
ln -s one "$f/symlink"
for n in $(seq 150); do echo "file $n" >"$f/many/$n"; done

start=$(date +%s.%N)
snap --quiet --size 3G  # room for two bases and their layers
first_s=$(bc <<<"$(date +%s.%N) - $start")
id1=$(newest)
state 1

# The small change of the issue, and one of every other kind.
echo new >"$R/root/incremental-new"
rm "$R/usr/share/doc/dash/copyright"
echo incremental-host >"$R/etc/hostname"
for n in $(seq 150); do echo changed >>"$f/many/$n"; done
rm -r "$f/dir-gone"
rm "$f/file-becomes-dir" && mkdir "$f/file-becomes-dir" && echo in >"$f/file-becomes-dir/in"
rm -r "$f/dir-becomes-file" && echo now-a-file >"$f/dir-becomes-file"
ln "$f/links/one" "$f/links/two"
chmod 600 "$f/chmod"
chown 1234:4321 "$f/chown"
python3 -c 'import os, sys; os.setxattr(sys.argv[1], "user.incr", b"1")' "$f/xattr"
ln -sfn two "$f/symlink"
mknod "$f/null" c 1 3
mkfifo "$f/fifo"
truncate -s 64M "$f/sparse" && echo end >>"$f/sparse"

start=$(date +%s.%N)
snap -v 2>"$work/second.log"
second_s=$(bc <<<"$(date +%s.%N) - $start")
id2=$(newest)
state 2
echo "first snapshot ${first_s}s, second (a layer) ${second_s}s"
check "the second snapshot is a layer on the first" grep -q "^parent=$id1\$" <<<"$(info "$id2")"
check "it says what it holds" grep -q "Writing a layer on $id1: .* new, .* changed, .* removed" "$work/second.log"
check "the kernel and initramfs are reused" grep -q "Kernel [^ ]* and its initramfs unchanged since $id1: reused" "$work/second.log"
# What a layer costs is shown by scripts/bench.sh, not timed here; what it
# holds is checked: the changes, not the system again.
image_bytes() { with_stick "$stick" "$work/s" stat -c %s "remaster/$1/filesystem.squashfs"; }
check "the layer's image is a small part of the base's (only the changes)" \
  test "$(image_bytes "$id2")" -lt "$(($(image_bytes "$id1") / 20))"
check "the default entry stacks exactly the new state" stack_matches live 2
check "the older entry stacks exactly the first state" stack_matches "snapshot-$id1" 1
check "the stick verifies" "$REMASTER" verify --on "$stick" --quiet

# remaster install unpacks the same stack (issue 17): the layers base first,
# whiteouts and opaque directories applied, onto a directory. args: state id
installed_matches() {
  local out=$work/installed-$1 rc=0
  mkdir "$out"
  "$REMASTER" install --from "$stick" --snapshot "$2" --to "$out" --quiet || return 1
  mkdir -p "$work/full"
  mount -t squashfs -o ro,loop "$work/state-$1.sqfs" "$work/full"
  python3 "$TESTS_ROOT_DIR/treecmp.py" --ignore /etc/fstab --ignore /etc/systemd/sleep.conf.d \
    "$work/full" "$out" | tail -n 5 || rc=1
  umount "$work/full"
  rm -rf --one-file-system "$out"
  return $rc
}
check "install --from the stick unpacks the layered snapshot exactly" installed_matches 2 "$id2"

# Nothing changed: the racy files of the last run are judged by content.
snap -v 2>"$work/third.log"
id3=$(newest)
state 3
check "an unchanged system gives a tiny layer" \
  test "$(with_stick "$stick" "$work/i" stat -c %s "remaster/$id3/filesystem.squashfs")" -lt 200000
# What the scrub writes in every run (fstab, the hibernation drop-in) counts
# by content, directories without their times: nothing at all changed.
check "an unchanged system gives an empty layer" grep -q "Writing a layer on $id2: 0 new, 0 changed, 0 removed" "$work/third.log"
check "a third layer stacks exactly" stack_matches live 3
check "the second entry still stacks its state" stack_matches "snapshot-$id2" 2

# An interrupted layer leaves the stick as it was (xz: slow enough to be
# caught while it writes).
head -c 100M /dev/urandom >"$R/root/big"
before=$(stick_listing)
"$REMASTER" snapshot --root "$R" --to "$stick" --yes -v --compress xz 2>"$work/int.log" &
pid=$!
for _ in $(seq 600); do grep -q "Squashing" "$work/int.log" && break; sleep 0.05; done
kill -INT "$pid"
rc=0
wait "$pid" || rc=$?
check "the interrupted layer exits 130" test "$rc" -eq 130
check "and leaves the stick exactly as it was" test "$before" = "$(stick_listing)"
rm "$R/root/big"

# remove: a base in use is refused, the newest can go and frees space.
check "remove refuses a layer in use" fails_with 3 "$REMASTER" remove --on "$stick" "$id1"
check "and says which snapshot needs it" grep -q "is a layer of $id2, $id3\|is a layer of $id3, $id2" "$work/out"
check "list shows the layers" grep -q "layer on $id2 (3 layers stacked)" <<<"$("$REMASTER" list --on "$stick")"
check "remove the newest" fails_with 0 "$REMASTER" remove --on "$stick" "$id3"
check "and says what it freed" grep -q "Removed the snapshot $id3 (.* freed)" "$work/out"
check "the menu boots the second again" stack_matches live 2

# --full: a fresh base, with the boot files reused; then the old stack can go.
snap --full -v 2>"$work/full.log"
id4=$(newest)
state 4  # /root/big came and went: /root has a new mtime
check "--full makes a base" grep -q "^layers=$id4\$" <<<"$(info "$id4")"
check "--full reuses the initramfs too" grep -q "Kernel [^ ]* and its initramfs unchanged" "$work/full.log"
grep -E "Copied the compressed blocks|not reusing" "$work/full.log"
check "and the compressed blocks of unchanged files, from both layers" \
  grep -Eq "Copied the compressed blocks of [0-9]{4,} unchanged files from the 2 layer\(s\) of $id2" "$work/full.log"
check "remove the old layer" "$REMASTER" remove --on "$stick" "$id2" --quiet
check "remove the old base" "$REMASTER" remove --on "$stick" "$id1" --quiet
check "the new base boots the newest state" stack_matches live 4

# Consolidation: the stack never grows past 8 layers.
for n in $(seq 8); do
  echo "$n" >"$R/root/round"
  snap -v 2>"$work/round.log"
done
check "a stack of 8 layers is consolidated into a base" \
  test "$(snapshots | wc -l)" -eq 9
check "the newest after 8 layers is a base" grep -q "^layers=$(newest)\$" <<<"$(info "$(newest)")"
check "made from the blocks of the 8 layers" grep -q "unchanged files from the 8 layer(s)" "$work/round.log"
state 9
check "and it is exactly the system" stack_matches live 9

check "no loop device left on the stick" bash -c "! losetup -a | grep -qF '$stick'"
summary
