#!/usr/bin/env bash
# Issue 12 (items 1 and 6, exit codes and messages): an existing file given
# to --to is left alone unless confirmed and the plan says what it holds; an
# active swap file is refused in the plan; bad option values and command
# lines get their own message and exit code; the messages name the right
# thing (whole disk, symlink loop, invalid os-release, escaped text).
#
# Every exit code the README documents is asserted somewhere in tests/root:
#   0    here ("--yes replaces the text file") and in every passing run
#   1    here ("a failing host tool exits 1")
#   2    here ("command-line errors exit 2")
#   3    here (option values, symlink loop, os-release) and test_snapshot_scrub.sh
#   4    here ("a root without kernel, dracut or GRUB exits 4")
#   5    here (existing files, swap file, partition, device without --yes)
#   6    here ("--size too small for the snapshot exits 6"), test_snapshot_scrub.sh
#        (full tmpfs) and test_stick_full.sh (full stick)
#   130  test_snapshot_scrub.sh and test_target_safety.sh (SIGINT)
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
need_root
need_cmds losetup mkswap swapon swapoff sfdisk partx mkfs.ext4 tar gzip sha256sum su
REMASTER=$BUILD_DIR/remaster
ROOT=$("$REPO_DIR/tests/vm/lib/debian-root.sh")

make_tmpdir work remaster-inputs
chmod 755 "$work"  # the non-root checks below read it as nobody
export REMASTER_RUNTIME_DIR=$work/run

# args: exit-code message-part command...: exits so and says so.
expect() {
  local code=$1 msg=$2 out rc
  shift 2
  out=$("$@" 2>&1 </dev/null) && rc=0 || rc=$?
  [[ $rc -eq $code ]] || { echo "exit $rc, expected $code: $out"; return 1; }
  grep -qF -- "$msg" <<<"$out" || { echo "message lacks '$msg': $out"; return 1; }
}
snap() { "$REMASTER" snapshot --root "$ROOT" "$@"; }
unchanged() { [[ $(sha256sum <"$1") == "$2" ]]; }

# 1. Existing files: unchanged without --yes (exit 5), described by --dry-run.
printf 'IMPORTANT\n' >"$work/f.txt"
mkdir "$work/tarred" && echo data >"$work/tarred/file"
tar -C "$work" -cf "$work/f.tar" tarred
gzip -k "$work/f.tar"
truncate -s 64M "$work/f.ext4"
mkfs.ext4 -q -L KEEPME -d "$work/tarred" "$work/f.ext4"
: >"$work/f.empty"
declare -A holds=([f.txt]="10 bytes of data" [f.tar]="a tar archive" [f.tar.gz]="gzip-compressed data"
  [f.ext4]="ext4 filesystem labelled 'KEEPME'" [f.empty]="empty")
for f in f.txt f.tar f.tar.gz f.ext4 f.empty; do
  sum=$(sha256sum <"$work/$f")
  check "$f: refused without --yes and a terminal, exit 5" expect 5 "without confirmation" snap --to "$work/$f"
  check "$f: the refusal says what it holds" expect 5 "${holds[$f]}" snap --to "$work/$f"
  check "$f: unchanged" unchanged "$work/$f" "$sum"
  check "$f: --dry-run says what it holds" expect 0 "it holds:  ${holds[$f]}" snap --to "$work/$f" --dry-run
  check "$f: unchanged by --dry-run" unchanged "$work/$f" "$sum"
done
check "--yes replaces the text file (exit 0)" expect 0 "" snap --to "$work/f.txt" --yes --quiet
check "the text file is now a remaster stick" expect 0 "a remaster stick" snap --to "$work/f.txt" --dry-run --replace
check "without --replace a stick image is added to, no question asked" \
  expect 0 "a remaster stick: the new snapshot goes beside the old ones" snap --to "$work/f.txt" --dry-run

# `list` on a stick device with a mounted partition: refused, partitions kept.
sdev=$(losetup --find --show "$work/f.txt")
push_cleanup losetup -d "$sdev"
partx -a "$sdev" 2>/dev/null || :
mkdir "$work/mnt"
mount -o ro "${sdev}p3" "$work/mnt"
push_cleanup umount "$work/mnt"
check "list on a stick with a mounted partition is refused (exit 5)" \
  expect 5 "is mounted on $work/mnt" "$REMASTER" list --on "$sdev"
check "its partitions are left alone" bash -c "test -b '${sdev}p3' && mountpoint -q '$work/mnt'"

# A device's wipe prompt says what it holds too.
truncate -s 256M "$work/dev.img"
mkfs.ext4 -q -L ONDEVICE "$work/dev.img"
dev=$(losetup --find --show "$work/dev.img")
push_cleanup losetup -d "$dev"
check "the wipe refusal says what the device holds" expect 5 "ext4 filesystem labelled 'ONDEVICE'" snap --to "$dev"

# 2. An active swap file: refused in the plan (exit 5), not touched.
dd if=/dev/zero of="$work/swapfile" bs=1M count=16 status=none
chmod 600 "$work/swapfile"
mkswap -q "$work/swapfile"
swapon "$work/swapfile"
push_cleanup swapoff "$work/swapfile"
sum=$(sha256sum <"$work/swapfile")
check "an active swap file is refused (exit 5)" expect 5 "is an active swap file" snap --to "$work/swapfile" --yes
check "the swap file is unchanged" unchanged "$work/swapfile" "$sum"

# 3. Option values: checked in the plan, reported as typed, exit 3.
new=$work/new.img
check "--size 1" expect 3 "--size 1 is too small for the snapshot (needs at least" snap --to "$new" --dry-run --size 1
check "--size 0" expect 3 "--size 0 is too small" snap --to "$new" --dry-run --size 0
check "--size 10M" expect 3 "--size 10M is too small for the snapshot (needs" snap --to "$new" --dry-run --size 10M
check "--size 99999T" expect 3 "--size 99999T is larger than the filesystem" snap --to "$new" --dry-run --size 99999T
check "--size x" expect 3 "--size 'x' is not a size" snap --to "$new" --dry-run --size x
for j in 0 -1 100000 two; do
  check "--jobs $j" expect 3 "--jobs '$j' is not a number of threads from 1 to" snap --to "$new" --dry-run --jobs "$j"
done
check "--block-size 8G as typed" expect 3 "--block-size '8G' is not a power of two" snap --to "$new" --dry-run --block-size 8G
check "--exclude ''" expect 3 "--exclude '' names nothing" snap --to "$new" --dry-run --exclude ''
check "every problem at once, exit 5 when one is the target's" \
  bash -c "out=\$('$REMASTER' snapshot --root '$ROOT' --to '$work/swapfile' --jobs 0 --dry-run 2>&1); rc=\$?
    [[ \$rc -eq 5 ]] && grep -q 'active swap file' <<<\"\$out\" && grep -q -- '--jobs' <<<\"\$out\""
check "refused runs wrote nothing" test ! -e "$new"

# Command-line errors exit 2; --help and --version 0.
check "command-line errors exit 2 (unknown option)" expect 2 "--bogus" "$REMASTER" snapshot --bogus
check "command-line errors exit 2 (bad --mode)" expect 2 "--mode" "$REMASTER" snapshot --mode nope
check "command-line errors exit 2 (no --on)" expect 2 "--on" "$REMASTER" list
check "command-line errors exit 2 (no subcommand)" expect 2 "" "$REMASTER"
check "--help exits 0" expect 0 "snapshot" "$REMASTER" --help
check "--version exits 0" expect 0 "" "$REMASTER" --version

# 4. Messages.
truncate -s 300M "$work/parted.img"
printf 'size=100MiB\n' | sfdisk -q "$work/parted.img"
pdev=$(losetup --find --show "$work/parted.img")
push_cleanup losetup -d "$pdev"
partx -a "$pdev" 2>/dev/null || :
check "a partition's hint names its whole disk" expect 5 "give the whole disk ($pdev)" snap --to "${pdev}p1" --yes
ln -s loop-b "$work/loop-a"
ln -s loop-a "$work/loop-b"
check "a symlink loop as target is called so" expect 3 "is a symbolic link loop" snap --to "$work/loop-a" --yes
check "a symlink loop as root is called so" \
  expect 3 "is a symbolic link loop" "$REMASTER" snapshot --root "$work/loop-a" --squashfs "$work/x.sqfs"
mkdir -p "$work/binary/etc"
printf 'ID=debian\nNAME="a\0b"\n' >"$work/binary/etc/os-release"
check "a binary os-release is invalid, not missing" \
  expect 3 "os-release of '$work/binary' cannot be read or is not valid" \
  "$REMASTER" snapshot --root "$work/binary" --to "$new" --dry-run
mkdir -p "$work/escapes/etc"
printf 'ID="evil\033[2J"\nPRETTY_NAME="Evil\033]0;pwned\007"\n' >"$work/escapes/etc/os-release"
out=$("$REMASTER" snapshot --root "$work/escapes" --to "$new" --dry-run 2>&1) || :
check "terminal escapes from os-release are not printed raw" bash -c "! grep -q $'\033' <<<\"\$1\"" _ "$out"
check "they are shown escaped" grep -qF 'evil\x1b[2J' <<<"$out"
check "'Nothing was written' is said once" test "$(grep -o 'Nothing was written' <<<"$out" | wc -l)" -eq 1

# 5. Exit 4: something to install (a root with os-release only).
mkdir -p "$work/bare/etc"
echo ID=debian >"$work/bare/etc/os-release"
check "a root without kernel, dracut or GRUB exits 4" \
  expect 4 "No kernel found" "$REMASTER" snapshot --root "$work/bare" --to "$new" --dry-run

# Non-root: --dry-run lists what it can; stick commands say root is needed.
mkdir -p "$work/bare/private"
chmod 700 "$work/bare/private"
check "non-root --dry-run warns about an unreadable directory and succeeds" \
  expect 0 "cannot read '/private'" su nobody -s /bin/sh -c \
  "'$REMASTER' snapshot --root '$work/bare' --squashfs /tmp/never.sqfs --dry-run"
check "non-root list says root is needed (exit 3)" \
  expect 3 "needs root" su nobody -s /bin/sh -c "'$REMASTER' list --on '$work/f.txt'"
check "non-root verify says root is needed (exit 3)" \
  expect 3 "needs root" su nobody -s /bin/sh -c "'$REMASTER' verify --on '$work/f.txt'"

# Exit 1: a step failed (mkfs.ext4 on this machine fails); nothing left.
mkdir "$work/bin"
printf '#!/bin/sh\necho "mkfs.ext4: simulated failure" >&2\nexit 1\n' >"$work/bin/mkfs.ext4"
chmod 755 "$work/bin/mkfs.ext4"
check "a failing host tool exits 1" expect 1 "simulated failure" env PATH="$work/bin:$PATH" \
  "$REMASTER" snapshot --root "$ROOT" --to "$work/fail.img" --quiet
check "the failed run left no image" bash -c "! ls -A '$work' | grep -q 'fail.img'"

# Exit 6: --size too small for this snapshot (found while squashing).
check "--size too small for the snapshot exits 6" expect 6 "is too small for the snapshot (needs about" \
  snap --to "$work/small.img" --size 140M --quiet
check "the too small image is not left" bash -c "! ls -A '$work' | grep -q 'small.img'"

check "no mount of ours left behind" bash -c "! grep -qF ' $work/run/' /proc/self/mountinfo"
summary
