#!/usr/bin/env bash
# Commands on an existing stick: verify passes on a good stick and names the
# file after one byte changed; profiles are added, listed, reset, removed and
# appear in the menu; list shows the snapshots; remove frees an older one and
# refuses the only one. Nothing stays mounted or attached.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
need_root
need_cmds losetup partx
# shellcheck source=../vm/lib/stick.sh
. "$REPO_DIR/tests/vm/lib/stick.sh"
REMASTER=$BUILD_DIR/remaster
ROOT=$("$REPO_DIR/tests/vm/lib/debian-root.sh")
make_tmpdir work remaster-stickcmd
stick=$work/stick.img

"$REMASTER" snapshot --root "$ROOT" --to "$stick" --yes --quiet --default-boot persist

menu_has() { with_stick "$stick" "$work/d" grep -q -- "$1" boot/grub/grub.cfg; }
menu_lacks() { ! menu_has "$1"; }
fails() { ! "$@" 2>/dev/null; }
snapshots() { "$REMASTER" list --on "$stick" | awk '/^  2/ {print $1}'; }

check "verify passes on a fresh stick" "$REMASTER" verify --on "$stick" --quiet
check "the menu defaults to the persistent entry" menu_has "set default=persist-default"
for id in live persist-default ram check; do
  check "menu entry '$id' exists" menu_has "--id $id "
done

check "profile add" "$REMASTER" profile add --on "$stick" work
check "profile add refuses a duplicate" fails "$REMASTER" profile add --on "$stick" work
check "profile list shows it" grep -q '^work' <<<"$("$REMASTER" profile list --on "$stick")"
check "its menu entry persists into its own store" menu_has "rd.remaster.persist=work"
check "profile reset" "$REMASTER" profile reset --on "$stick" work
check "profile remove" "$REMASTER" profile remove --on "$stick" work
check "its entry is gone" menu_lacks "persist=work"

check "remove refuses the only snapshot" fails "$REMASTER" remove --on "$stick" "$(snapshots)"
sleep 1
"$REMASTER" snapshot --root "$ROOT" --to "$stick" --full --yes --quiet
check "list shows two snapshots" test "$(snapshots | wc -l)" -eq 2
# list --json: valid JSON with the fields docs/json.md names, matching the text.
json_fields() {
  python3 - "$1" "$(snapshots | head -n 1)" <<'PY'
import json, sys
d = json.loads(sys.argv[1])
assert d["schema"] == 1, d
s = d["snapshots"]
assert len(s) == 2 and s[0]["default"] and not s[1]["default"], s
assert s[0]["id"] == sys.argv[2], (s[0]["id"], sys.argv[2])
for snap in s:
    for k in ("id", "time", "os", "kernel", "other_kernels", "layers", "squashfs_bytes", "own_bytes", "secure_boot", "layer_of"):
        assert k in snap, k
    assert snap["squashfs_bytes"] > 0 and snap["layers"][-1] == snap["id"], snap
assert [p["name"] for p in d["profiles"]] == ["default"], d["profiles"]
assert d["free_bytes"] > 0 and d["unfinished"] == []
PY
}
check "list --json parses and carries the documented fields" json_fields "$("$REMASTER" list --on "$stick" --json)"
plan_fields() {
  python3 - "$1" "$stick" <<'PY'
import json, sys
d = json.loads(sys.argv[1])
assert d["schema"] == 1 and d["squashfs"] is None and d["iso"] is None, d
st = d["stick"]
assert st["target"] == sys.argv[2] and st["image_file"] and st["existing_stick"], st
sy = d["system"]
assert sy["adapter"] == "debian" and sy["kernels"][0]["default"], sy
for k in ("os", "secure_boot", "kernel_args", "adapter_why"):
    assert k in sy, k
assert d["compress"]["compressor"] == "zstd" and d["compress"]["block_size"] == 131072, d["compress"]
assert any(r["pattern"] == "/proc" and r["action"] == "empty" for r in d["exclusion_rules"]), d["exclusion_rules"]
assert any(a["path"] == "/etc/fstab" for a in d["scrub"]), d["scrub"]
for k in ("initramfs_cache", "view_mounts", "excluded"):
    assert k in d, k
PY
}
check "snapshot --dry-run --json parses and carries the documented fields" \
  plan_fields "$("$REMASTER" snapshot --root "$ROOT" --to "$stick" --dry-run --json 2>/dev/null)"
check "remove an older snapshot" "$REMASTER" remove --on "$stick" "$(snapshots | tail -n 1)"
check "one snapshot left" test "$(snapshots | wc -l)" -eq 1

# One byte changed in the image: verify names the file and fails.
dev=$(losetup --find --show "$stick")
# Detached below when all goes well: at exit, only if the name is still ours.
push_cleanup bash -c "losetup -j '$stick' | grep -q '^$dev:' && losetup -d '$dev' || :"
partx -a "$dev" 2>/dev/null || :
mkdir -p "$work/w"
mount "${dev}p3" "$work/w"
push_cleanup bash -c "! mountpoint -q '$work/w' || umount '$work/w'"
sq=$(ls "$work"/w/remaster/*/filesystem.squashfs)
printf '\xff' | dd of="$sq" bs=1 seek=$(($(stat -c %s "$sq") / 2)) conv=notrunc status=none
umount "$work/w"
partx -d "$dev" 2>/dev/null || :
losetup -d "$dev"
out=$("$REMASTER" verify --on "$stick" 2>&1) && rc=0 || rc=$?
check "verify fails after one byte changed" test "$rc" -ne 0
check "verify names the damaged file" grep -q "filesystem.squashfs: checksum mismatch" <<<"$out"
out=$("$REMASTER" verify --on "$stick" --json 2>/dev/null) && rc=0 || rc=$?
check "verify --json fails the same way" test "$rc" -eq 1
damaged_json() {
  python3 - "$1" <<'PY'
import json, sys
d = json.loads(sys.argv[1])
assert d["schema"] == 1 and d["good"] is False and d["damaged"] == 1 and d["checked"] >= 3, d
bad = [f for f in d["files"] if not f["ok"]]
assert len(bad) == 1 and bad[0]["name"] == "filesystem.squashfs" and bad[0]["problem"] == "checksum mismatch", bad
assert all(f["problem"] is None for f in d["files"] if f["ok"]) and d["unfinished"] == []
PY
}
check "... and its JSON names the damaged file" damaged_json "$out"

check "no loop device left on the stick" bash -c "! losetup -a | grep -qF '$stick'"
summary
