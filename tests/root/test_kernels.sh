#!/usr/bin/env bash
# Several installed kernels: a root with the test root's real kernel and a
# copy of it under a lower version goes onto a stick with both. The newest
# boots by default from vmlinuz / initrd.img as before; the older one gets
# vmlinuz-KVER / initrd.img-KVER (its own generic initramfs, with its
# modules) and a menu entry kernel-KVER with the same live arguments; both
# are in SHA256SUMS (verify passes) and in `remaster list`; a layer on the
# snapshot reuses both kernels' files. --dry-run lists each kernel and its
# dracut command; --kernel newest leaves the older one out, and a version
# that is not installed is a plan error. (The copy does not boot: its modules
# say they are the newer kernel. Booting a real older kernel is a VM test.)
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
need_root
need_cmds losetup partx grub-script-check lsinitrd
# shellcheck source=../vm/lib/stick.sh
. "$REPO_DIR/tests/vm/lib/stick.sh"
REMASTER=$BUILD_DIR/remaster
CACHED=$("$REPO_DIR/tests/vm/lib/debian-root.sh")
make_tmpdir work remaster-kernels
push_cleanup stick_release_all
stick=$work/stick.img

# The root: an overlay of the cached test root (never written), with the
# second kernel in its upper dir.
NEW=$(basename "$(ls -d "$CACHED"/usr/lib/modules/*)")
OLD=6.1.0-9-amd64
abi=${NEW#6.1.0-}
[[ $NEW == 6.1.0-* ]] && ((${abi%%-*} > 9)) || die "the test root's kernel '$NEW' is not newer than $OLD"
R=$work/root
mkdir -p "$work/upper" "$work/ovl-work" "$R"
mount -t overlay -o "lowerdir=$CACHED,upperdir=$work/upper,workdir=$work/ovl-work" remaster-test-kernels "$R"
push_cleanup umount "$R"
cp "$R/boot/vmlinuz-$NEW" "$R/boot/vmlinuz-$OLD"
cp -a "$R/usr/lib/modules/$NEW" "$R/usr/lib/modules/$OLD"

# --- the plan ---------------------------------------------------------------
plan=$("$REMASTER" snapshot --root "$R" --to "$stick" --dry-run 2>&1)
check "dry run: the newest kernel boots by default" grep -q "kernel:    $NEW (/boot/vmlinuz-$NEW), boots by default" <<<"$plan"
check "dry run: the older kernel gets its own entry" grep -q "kernel:    $OLD (/boot/vmlinuz-$OLD), its own menu entry kernel-$OLD" <<<"$plan"
check "dry run: a dracut command for each kernel" \
  test "$(grep -c "dracut .*--kver $NEW /tmp/initrd.img\|dracut .*--kver $OLD /tmp/initrd.img" <<<"$plan")" -eq 2
check "dry run: the older kernel's boot entry" grep -q "Boot entry kernel-$OLD: linux /remaster/.*/vmlinuz-$OLD root=remaster" <<<"$plan"
newest_plan=$("$REMASTER" snapshot --root "$R" --to "$stick" --dry-run --kernel newest 2>&1)
check "--kernel newest: one dracut command" test "$(grep -c "dracut .*--kver" <<<"$newest_plan")" -eq 1
check "--kernel newest: no older kernel" bash -c "! grep -q 'kernel-$OLD' <<<\"\$1\"" _ "$newest_plan"
rc=0
out=$("$REMASTER" snapshot --root "$R" --to "$stick" --dry-run --kernel 9.9.9-nope 2>&1) || rc=$?
check "--kernel of a version not installed: a plan error (exit 3)" test "$rc" -eq 3
check "... naming the kernels there are" grep -q "The kernel '9.9.9-nope' (--kernel) is not installed in the root; found: $NEW $OLD" <<<"$out"

# --- the stick --------------------------------------------------------------
"$REMASTER" snapshot --root "$R" --to "$stick" --yes --quiet
id=$("$REMASTER" list --on "$stick" | awk '/^  2/ {print $1; exit}')
m=$work/m
stick_mount "$stick" "$m" ro
d=$m/remaster/$id
for f in vmlinuz initrd.img "vmlinuz-$OLD" "initrd.img-$OLD"; do
  check "$f is on the stick" test -s "$d/$f"
  check "$f is in SHA256SUMS" grep -q "^[0-9a-f]\{64\}  $f\$" "$d/SHA256SUMS"
done
check "the older kernel is the root's image" cmp -s "$d/vmlinuz-$OLD" "$R/boot/vmlinuz-$OLD"
check "the older initramfs holds the older kernel's modules" bash -c "lsinitrd '$d/initrd.img-$OLD' | grep -q 'lib/modules/$OLD/'"
check "the older initramfs has our module" bash -c "lsinitrd '$d/initrd.img-$OLD' | grep -q 'remaster-lib.sh'"
check "the default initramfs holds the newest kernel's modules" bash -c "lsinitrd '$d/initrd.img' | grep -q 'lib/modules/$NEW/'"
check "snapshot.info lists the older kernel" grep -qx "other_kernels=$OLD" "$d/snapshot.info"
cp "$m/boot/grub/grub.cfg" "$work/grub.cfg"
stick_umount "$m"

cfg=$work/grub.cfg
check "grub.cfg passes grub-script-check" grub-script-check "$cfg"
check "the default entry is the plain live one" grep -qx "set default=live" "$cfg"
mapfile -t live < <(stick_grub_entry "$cfg" live)
mapfile -t older < <(stick_grub_entry "$cfg" "kernel-$OLD")
check "the default entry boots the newest kernel" test "${live[0]}" = "/remaster/$id/vmlinuz" -a "${live[1]}" = "/remaster/$id/initrd.img"
check "the older kernel's entry boots its files" \
  test "${older[0]:-}" = "/remaster/$id/vmlinuz-$OLD" -a "${older[1]:-}" = "/remaster/$id/initrd.img-$OLD"
check "the older kernel's entry has the live arguments" test -n "${older[2]:-}" -a "${older[2]:-}" = "${live[2]}"
check "its title names the kernel" grep -q "menuentry 'remaster live: .*(kernel $OLD, changes not kept)' --id kernel-$OLD {" "$cfg"
check "it comes right after the default entry" \
  bash -c "grep -o -- '--id [^ ]*' '$cfg' | sed -n 2p | grep -qx -- '--id kernel-$OLD'"
check "verify passes, the older kernel's files included" \
  bash -c "'$REMASTER' verify --on '$stick' | grep -c -e '/vmlinuz-$OLD: OK' -e '/initrd.img-$OLD: OK' | grep -qx 2"
check "list shows both kernels" \
  bash -c "'$REMASTER' list --on '$stick' | grep -q 'kernels $NEW (default), $OLD'"

# --- a layer on it: both kernels unchanged, both reused -----------------------
sleep 1
out=$("$REMASTER" snapshot --root "$R" --to "$stick" --yes 2>&1)
check "the layer reuses the newest kernel" grep -q "Kernel $NEW and its initramfs unchanged since $id: reused" <<<"$out"
check "the layer reuses the older kernel" grep -q "Kernel $OLD and its initramfs unchanged since $id: reused" <<<"$out"
check "no dracut run for the layer" bash -c "! grep -q 'Building the initramfs' <<<\"\$1\"" _ "$out"
id2=$("$REMASTER" list --on "$stick" | awk '/^  2/ {print $1; exit}')
links() { stat -c %h "remaster/$id2/initrd.img-$OLD"; }
check "the older initramfs is shared, not copied" test "$(with_stick "$stick" "$m" links)" -eq 2
with_stick "$stick" "$m" cat boot/grub/grub.cfg >"$cfg"
check "the new menu's kernel entry names the new snapshot" \
  test "$(stick_grub_entry "$cfg" "kernel-$OLD" | head -n 1)" = "/remaster/$id2/vmlinuz-$OLD"
check "verify passes on both snapshots" bash -c "'$REMASTER' verify --on '$stick' --quiet >/dev/null"

check "no loop device left on the stick" bash -c "! losetup -a | grep -qF '$stick'"
summary
