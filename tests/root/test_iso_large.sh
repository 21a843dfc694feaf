#!/usr/bin/env bash
# snapshot --iso with a squashfs over 4 GiB. ISO 9660 keeps a file's size
# in 32 bits: at level 3 libisofs stores a bigger file as several extents
# (multi-extent), which every reader must join back. The test root is the
# cached Debian test root through an overlay whose upper layer adds one file
# of 4 GiB + 64 MiB of data the squash cannot shrink (AES-CTR of zeros: made
# at disk speed, unlike /dev/urandom), squashed with --compress lz4, the
# cheapest compressor snapshot offers, which gives up on such blocks fast.
# The file is in /srv, not an initramfs input: the initramfs comes from the
# cache as for the test root itself.
#
# Read back: `remaster verify --on` (libisofs' reader, every file against
# the SHA256SUMS written with the snapshot); the squashfs' extents in the
# ISO (more than one, back to back, summing to its size over 4 GiB); the
# squashfs loop-mounted from the ISO at its first extent, and the big file
# in it hashed against the hash taken as it was made.
#
# Needs about 14 GiB free under TMPDIR (checked first); 6 minutes on a
# loaded 2-core machine, mostly disk (2 min of CPU: writing the file, lz4,
# the checksums); the big files go with the work directory.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
need_root
need_cmds xorriso openssl losetup sha256sum
REMASTER=$BUILD_DIR/remaster
ROOT=$("$REPO_DIR/tests/vm/lib/debian-root.sh")
BIG=$(((4 << 30) + (64 << 20)))
NEED=$((14 << 30))

make_tmpdir work remaster-iso-large
free=$(df --output=avail -B1 "$work" | tail -n 1)
if ((free < NEED)); then
    die "not enough space under ${TMPDIR:-/tmp} for the test: it needs $((NEED >> 30)) GiB (the big file, the squashfs and the ISO), $((free >> 30)) GiB is free; set TMPDIR to a bigger filesystem"
fi

# --- the root: the test root plus the big file --------------------------------
mkdir -p "$work/upper/srv" "$work/ovl" "$work/root" "$work/out"
start=$SECONDS
head -c "$BIG" /dev/zero |
    openssl enc -aes-128-ctr -K 72656d61737465722d69736f2d6c6172 -iv 00000000000000000000000000000000 |
    tee "$work/upper/srv/big.bin" | sha256sum | cut -d' ' -f1 >"$work/big.sha256"
check "the big file is $BIG bytes ($((SECONDS - start)) s)" test "$(stat -c %s "$work/upper/srv/big.bin")" -eq "$BIG"
mount -t overlay -o "lowerdir=$ROOT,upperdir=$work/upper,workdir=$work/ovl" remaster-test-iso-large "$work/root"
push_cleanup umount "$work/root"

# --- the ISO ---------------------------------------------------------------------
iso=$work/out/big.iso
start=$SECONDS
"$REMASTER" snapshot --root "$work/root" --iso "$iso" --compress lz4 --quiet --timings 2>&1 | sed 's/^/  | /'
echo "  snapshot --iso: $((SECONDS - start)) s"
check "the ISO is written, no temporaries beside it" test "$(ls -A "$work/out")" = big.iso

# --- stored whole: several extents, back to back, over 4 GiB in all -------------
# report_lba: "File data lba: EXTENT , LBA , BLOCKS , FILE SIZE , 'PATH'" per
# extent, the file's whole size on each line.
xorriso -indev "$iso" -find /remaster -name filesystem.squashfs -exec report_lba -- 2>/dev/null |
    awk -F' *, *' '/^File data lba/ { sub(/.*: */, "", $1); print $1, $2, $3, $4 }' >"$work/extents"
sed 's/^/  extent /' "$work/extents"
read -r _ first _ size <"$work/extents" || { first=0 size=0; }
blocks=$(awk '{ b += $3 } END { printf "%d", b }' "$work/extents")
check "the squashfs is over 4 GiB ($size bytes)" test "$size" -gt $((4 << 30))
check "... in more than one extent (ISO level 3)" test "$(wc -l <"$work/extents")" -gt 1
check "... back to back" awk 'NR > 1 && $2 != next_lba { exit 1 } { next_lba = $2 + $3 }' "$work/extents"
check "... whose blocks hold exactly its size" test $(((size + 2047) / 2048)) -eq "$blocks"

# --- read back identical -----------------------------------------------------------
check "verify --on the ISO: every file matches SHA256SUMS" "$REMASTER" verify --on "$iso" --quiet
dev=$(losetup --find --show --read-only --offset $((first * 2048)) --sizelimit "$size" "$iso")
push_cleanup losetup -d "$dev"
mkdir -p "$work/sqfs"
mount -t squashfs -o ro "$dev" "$work/sqfs"
push_cleanup umount "$work/sqfs"
check "the big file in it is $BIG bytes" test "$(stat -c %s "$work/sqfs/srv/big.bin")" -eq "$BIG"
check "... and reads back identical" test "$(sha256sum <"$work/sqfs/srv/big.bin" | cut -d' ' -f1)" = "$(cat "$work/big.sha256")"

summary
