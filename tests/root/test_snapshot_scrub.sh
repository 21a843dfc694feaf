#!/usr/bin/env bash
# snapshot --squashfs of a small OS-like root: fstab and mtab scrubbed, /tmp
# /run /var/tmp contents not shipped (directories kept), data identical, our
# own output excluded, the source unchanged, no mount or loop device left;
# in --mode clean no shell history and wpa_supplicant.conf without its
# networks, no ssh host keys and, since this root's sshd makes none (as
# Debian's), an enabled unit that makes new ones at boot; bad input refused with a clear message; Ctrl-C undoes everything.
. "$(dirname "$0")/lib.sh"
need_root
need_cmds python3 unsquashfs
REMASTER=$BUILD_DIR/remaster

make_tmpdir work remaster-scrub
# Our own runtime dir, so what other runs on the machine do cannot confuse the checks.
export REMASTER_RUNTIME_DIR=$work/run
root=$work/root
mkdir -p "$root"/{etc,tmp,run/user,var/tmp,proc,sys,dev,data/sub,home/ann,srv}
printf 'UUID=1234 / ext4 defaults 0 1\n/swapfile none swap sw 0 0\n' >"$root/etc/fstab"
printf '/dev/sda1 / ext4 rw 0 0\n' >"$root/etc/mtab"
printf 'ID=debian\n' >"$root/etc/os-release"
echo secret >"$root/home/ann/.bash_history"
mkdir -p "$root/etc/wpa_supplicant"
printf 'ctrl_interface=/run/wpa_supplicant\nnetwork={\n\tssid="home"\n\tpsk="secret"\n}\n' >"$root/etc/wpa_supplicant/wpa_supplicant.conf"
chmod 600 "$root/etc/wpa_supplicant/wpa_supplicant.conf"
# A Debian-like sshd: host keys, the binaries (stand-ins), systemd's unit directory.
mkdir -p "$root/etc/ssh" "$root/etc/systemd/system" "$root/usr/sbin" "$root/usr/bin"
echo host-private >"$root/etc/ssh/ssh_host_ed25519_key"
echo host-public >"$root/etc/ssh/ssh_host_ed25519_key.pub"
chmod 600 "$root/etc/ssh/ssh_host_ed25519_key"
touch "$root/usr/sbin/sshd" "$root/usr/bin/ssh-keygen"
echo scratch >"$root/tmp/scratch"
echo 123 >"$root/run/user/pid"
echo old >"$root/var/tmp/old"
head -c 1000000 /dev/urandom >"$root/data/random"
echo hello >"$root/data/sub/hello"
ln "$root/data/sub/hello" "$root/data/hello-link"
head -c 4096 /dev/zero >"$root/swapfile"
chmod 4755 "$root/data/sub/hello"

# The source's state, ctime included: any write to it would show. /srv
# receives our output (inside the root on purpose) and is left out.
state() { find "$1" -path "$1/srv" -prune -o -printf '%p %y %m %U %G %s %T@ %C@ %l\n' | sort; }
before=$(state "$root")

# Output inside the root: it must be excluded from itself.
out=$root/srv/out.sqfs
"$REMASTER" snapshot --root "$root" --squashfs "$out" --quiet

mnt=$work/mnt
mount_image_ro "$out" "$mnt"

check "fstab is the live one" grep -q "live system written by remaster" "$mnt/etc/fstab"
check "host fstab entries are not active" bash -c "! grep -q '^UUID=1234' '$mnt/etc/fstab'"
check "they are kept commented out" grep -qx '# remaster: commented out for the live system: UUID=1234 / ext4 defaults 0 1' "$mnt/etc/fstab"
check "mtab links to the kernel's list" test "$(readlink "$mnt/etc/mtab")" = ../proc/self/mounts
for d in tmp run var/tmp proc sys dev; do
  check "/$d kept as an empty directory" bash -c "test -d '$mnt/$d' && test -z \"\$(ls -A '$mnt/$d')\""
done
check "swap file from fstab not shipped" test ! -e "$mnt/swapfile"
check "our own output not shipped" test ! -e "$mnt/srv/out.sqfs"
check "backup mode keeps shell history" test -f "$mnt/home/ann/.bash_history"
check "data directories identical (treecmp)" python3 "$TESTS_ROOT_DIR/treecmp.py" "$root/data" "$mnt/data"
check "hard link kept" test "$(stat -c %i "$mnt/data/sub/hello")" = "$(stat -c %i "$mnt/data/hello-link")"
check "setuid bit kept" test "$(stat -c %a "$mnt/data/sub/hello")" = 4755
check "the source is unchanged" test "$before" = "$(state "$root")"

# --mode clean drops secrets.
"$REMASTER" snapshot --root "$root" --squashfs "$work/clean.sqfs" --mode clean --quiet
check "clean mode drops shell history" bash -c "! unsquashfs -l '$work/clean.sqfs' | grep -q bash_history"
wpa=$(unsquashfs -cat "$work/clean.sqfs" etc/wpa_supplicant/wpa_supplicant.conf)
check "clean mode keeps wpa_supplicant.conf's settings" grep -q '^ctrl_interface=' <<<"$wpa"
check "clean mode drops wpa_supplicant's networks and keys" bash -c '! grep -q -e psk -e ssid' <<<"$wpa"
check "clean mode drops the ssh host keys" bash -c "! unsquashfs -l '$work/clean.sqfs' | grep -q ssh_host_"
unit=etc/systemd/system/remaster-ssh-keygen.service
check "clean mode adds the key unit, 0644 root" \
  grep -q "^-rw-r--r-- 0/0 .* squashfs-root/$unit\$" <<<"$(unsquashfs -lln "$work/clean.sqfs" "$unit")"
check "the key unit runs ssh-keygen -A" grep -qx 'ExecStart=/usr/bin/ssh-keygen -A' <<<"$(unsquashfs -cat "$work/clean.sqfs" "$unit")"
check "the key unit is enabled" grep -q "multi-user.target.wants/remaster-ssh-keygen.service -> /$unit\$" \
  <<<"$(unsquashfs -lln "$work/clean.sqfs" etc/systemd/system/multi-user.target.wants)"
check "backup mode keeps the ssh host keys, adds no key unit" \
  bash -c "test -f '$mnt/etc/ssh/ssh_host_ed25519_key' && test ! -e '$mnt/$unit'"
check "backup mode keeps wpa_supplicant's networks" bash -c "grep -q 'psk=\"secret\"' '$mnt/etc/wpa_supplicant/wpa_supplicant.conf'"

# --dry-run lists exclusions and writes nothing.
plan=$("$REMASTER" snapshot --root "$root" --squashfs "$work/dry.sqfs" --dry-run 2>&1)
check "dry run names the scrubs" grep -q "/etc/fstab rewritten" <<<"$plan"
check "dry run lists excluded paths" grep -q "empty   /tmp" <<<"$plan"
check "dry run lists the swap file" grep -q "exclude /swapfile" <<<"$plan"
plan=$("$REMASTER" snapshot --root "$root" --squashfs "$work/dry.sqfs" --mode clean --dry-run 2>&1)
check "clean dry run names the key unit" grep -q "/$unit rewritten: new ssh host keys" <<<"$plan"
check "clean dry run names its wants link" grep -q "remaster-ssh-keygen.service -> /$unit" <<<"$plan"
check "clean dry run lists the host keys" grep -q "exclude /etc/ssh/ssh_host_ed25519_key " <<<"$plan"
check "dry run writes nothing" test ! -e "$work/dry.sqfs"

# Bad input: one clear message, a distinct exit code, nothing written.
expect_fail() {  # args: exit-code message-part command...
  local code=$1 msg=$2 out rc
  shift 2
  out=$("$@" 2>&1) && rc=0 || rc=$?
  [[ $rc -eq $code ]] || { echo "exit $rc, expected $code: $out"; return 1; }
  grep -q -- "$msg" <<<"$out" || { echo "message lacks '$msg': $out"; return 1; }
}
check "missing root refused" expect_fail 3 "does not exist" "$REMASTER" snapshot --root "$work/nope" --squashfs "$work/x.sqfs"
check "root that is a file refused" expect_fail 3 "not a directory" "$REMASTER" snapshot --root "$root/etc/fstab" --squashfs "$work/x.sqfs"
check "output in a missing directory refused" expect_fail 3 "does not exist" "$REMASTER" snapshot --root "$root" --squashfs "$work/no/dir/x.sqfs"
check "bad compressor refused" expect_fail 3 "zstd" "$REMASTER" snapshot --root "$root" --squashfs "$work/x.sqfs" --compress snappy
check "no output named" expect_fail 3 "Say where to write" "$REMASTER" snapshot --root "$root"
check "nothing written by refused runs" test ! -e "$work/x.sqfs"

# No space: a tiny tmpfs as the output directory.
mkdir "$work/small"
mount -t tmpfs -o size=256k remaster-test-small "$work/small"
push_cleanup umount "$work/small"
check "full disk: clear message and exit 6" expect_fail 6 "No space left" "$REMASTER" snapshot --root "$root" --squashfs "$work/small/x.sqfs" --compress zstd:1
check "full disk: no partial file left" test -z "$(ls -A "$work/small")"

# Ctrl-C while squashing a big tree: everything undone, exit 130.
head -c 300000000 /dev/urandom >"$root/data/big"
"$REMASTER" snapshot --root "$root" --squashfs "$work/int.sqfs" --compress xz --quiet &
pid=$!
sleep 2
kill -INT "$pid"
rc=0
wait "$pid" || rc=$?
check "SIGINT exits 130" test "$rc" -eq 130
check "SIGINT leaves no partial output" bash -c "! ls -A '$work' | grep -q 'int.sqfs'"
rm -f "$root/data/big"

check "no mount left behind" bash -c "! grep -qF ' $work/run/' /proc/self/mountinfo"
check "no runtime directory left behind" test -z "$(ls -A "$work/run")"
summary
