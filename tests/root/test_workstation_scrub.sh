#!/usr/bin/env bash
# A workstation's disks in the source: /etc/crypttab naming a LUKS disk by
# UUID, fstab with a swap partition and /home by UUID, resume settings of
# initramfs-tools and dracut, systemd hibernation. In both modes the image
# has them commented out with remaster's note (not deleted), hibernation off,
# and --dry-run lists each action; the source stays byte for byte the same.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
need_root
need_cmds unsquashfs
REMASTER=$BUILD_DIR/remaster
NOTE='# remaster: commented out for the live system: '

make_tmpdir work remaster-wsscrub
export REMASTER_RUNTIME_DIR=$work/run
root=$work/root
mkdir -p "$root"/etc/{initramfs-tools/conf.d,dracut.conf.d,systemd/sleep.conf.d} "$root"/{home/ann,tmp,proc,sys,dev}
printf 'ID=debian\nPRETTY_NAME="Debian workstation"\n' >"$root/etc/os-release"
cat >"$root/etc/fstab" <<'EOF'
# <file system> <mount point> <type> <options> <dump> <pass>
UUID=0a1b2c3d-0000-4000-8000-000000000001 / ext4 errors=remount-ro 0 1
UUID=0a1b2c3d-0000-4000-8000-000000000002 /boot ext4 defaults 0 2
/dev/mapper/home_crypt /home ext4 defaults 0 2
UUID=0a1b2c3d-0000-4000-8000-000000000003 none swap sw 0 0
EOF
cat >"$root/etc/crypttab" <<'EOF'
# <target name> <source device> <key file> <options>
home_crypt UUID=5e6f7a8b-0000-4000-8000-000000000004 none luks,discard
EOF
chmod 600 "$root/etc/crypttab"
echo 'RESUME=UUID=0a1b2c3d-0000-4000-8000-000000000003' >"$root/etc/initramfs-tools/conf.d/resume"
printf 'add_dracutmodules+=" resume "\nkernel_cmdline="resume=UUID=0a1b2c3d-0000-4000-8000-000000000003"\n' \
  >"$root/etc/dracut.conf.d/10-resume.conf"
printf 'compress="zstd"\n' >"$root/etc/dracut.conf.d/20-compress.conf"
printf '[Sleep]\nHibernateMode=shutdown\n' >"$root/etc/systemd/sleep.conf.d/hibernate.conf"
echo 0123456789abcdef0123456789abcdef >"$root/etc/machine-id"
echo "ann's file" >"$root/home/ann/notes"

# Every entry's metadata and every file's content: any write shows.
state() {
  find "$root" -printf '%p %y %m %U %G %s %T@ %C@ %l\n' | sort
  find "$root" -type f -exec sha256sum {} + | sort
}
state >"$work/before.state"

active() { grep -v '^[[:space:]]*#' "$1" | grep -v '^[[:space:]]*$' || :; }

for mode in backup clean; do
  plan=$("$REMASTER" snapshot --root "$root" --squashfs "$work/$mode-dry.sqfs" --mode "$mode" --dry-run 2>&1)
  check "$mode: dry run lists the fstab with its swap" \
    grep -q "/etc/fstab rewritten: .*the host's 4 lines (1 swap) kept commented out" <<<"$plan"
  check "$mode: dry run lists crypttab" grep -q "/etc/crypttab rewritten: 1 line commented out: .*passphrase" <<<"$plan"
  check "$mode: dry run lists initramfs-tools' resume" \
    grep -q "/etc/initramfs-tools/conf.d/resume rewritten: 1 line commented out" <<<"$plan"
  check "$mode: dry run lists dracut's resume" grep -q "/etc/dracut.conf.d/10-resume.conf rewritten: 2 lines" <<<"$plan"
  check "$mode: dry run leaves other dracut config alone" bash -c "! grep -q 20-compress <<<\"\$1\"" _ "$plan"
  check "$mode: dry run lists hibernation off" \
    grep -q "/etc/systemd/sleep.conf.d/zz-remaster-live.conf rewritten: hibernation off" <<<"$plan"
  check "$mode: dry run writes nothing" test ! -e "$work/$mode-dry.sqfs"

  "$REMASTER" snapshot --root "$root" --squashfs "$work/$mode.sqfs" --mode "$mode" --quiet
  mnt=$work/mnt-$mode
  mount_image_ro "$work/$mode.sqfs" "$mnt"
  check "$mode: crypttab has no active line" test -z "$(active "$mnt/etc/crypttab")"
  check "$mode: its LUKS line is kept behind the note" \
    grep -qxF "${NOTE}home_crypt UUID=5e6f7a8b-0000-4000-8000-000000000004 none luks,discard" "$mnt/etc/crypttab"
  check "$mode: crypttab keeps its mode" test "$(stat -c %a "$mnt/etc/crypttab")" = 600
  check "$mode: fstab has no active line" test -z "$(active "$mnt/etc/fstab")"
  check "$mode: fstab keeps the host's swap behind the note" \
    grep -qxF "${NOTE}UUID=0a1b2c3d-0000-4000-8000-000000000003 none swap sw 0 0" "$mnt/etc/fstab"
  check "$mode: fstab keeps the host's /home behind the note" \
    grep -qxF "${NOTE}/dev/mapper/home_crypt /home ext4 defaults 0 2" "$mnt/etc/fstab"
  check "$mode: no active RESUME for initramfs-tools" test -z "$(active "$mnt/etc/initramfs-tools/conf.d/resume")"
  check "$mode: no active dracut resume" bash -c "! grep -v '^#' '$mnt/etc/dracut.conf.d/10-resume.conf' | grep -q resume"
  check "$mode: other dracut config unchanged" cmp "$root/etc/dracut.conf.d/20-compress.conf" \
    "$mnt/etc/dracut.conf.d/20-compress.conf"
  check "$mode: hibernation off" grep -qx "AllowHibernation=no" "$mnt/etc/systemd/sleep.conf.d/zz-remaster-live.conf"
  check "$mode: the host's sleep config kept" cmp "$root/etc/systemd/sleep.conf.d/hibernate.conf" \
    "$mnt/etc/systemd/sleep.conf.d/hibernate.conf"
done
check "backup keeps the machine-id" cmp "$root/etc/machine-id" "$work/mnt-backup/etc/machine-id"
check "clean empties the machine-id" test ! -s "$work/mnt-clean/etc/machine-id"
check "the source is byte for byte unchanged" diff "$work/before.state" <(state)
summary
