#!/usr/bin/env bash
# What reaches grub.cfg is quoted for GRUB (issue 12, items 4 and 5): a root
# whose PRETTY_NAME holds an apostrophe and GRUB syntax makes a stick whose
# grub.cfg passes grub-script-check with the title as written; --kernel-args
# with ; $prefix # and "x } menuentry pwn {" come out of the linux line word
# for word; a lone ' is refused in the plan (exit 3, quickly) with the stick
# byte for byte untouched; a menu that fails its check leaves neither the new
# snapshot nor a new profile behind.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
need_root
need_cmds losetup partx grub-script-check sha256sum xargs
# shellcheck source=../vm/lib/stick.sh
. "$REPO_DIR/tests/vm/lib/stick.sh"
push_cleanup stick_release_all
REMASTER=$BUILD_DIR/remaster
DEBIAN=$("$REPO_DIR/tests/vm/lib/debian-root.sh")
make_tmpdir work remaster-safety-menu
stick=$work/stick.img

# The Debian test root with another os-release, through an overlay of ours
# (the cached root is shared and stays untouched).
mkdir -p "$work/upper/etc" "$work/ow" "$work/root"
cat >"$work/upper/etc/os-release" <<OS
PRETTY_NAME="Bob's \"Linux\" ; \\\$prefix # } { x"
NAME="Debian GNU/Linux"
ID=debian
VERSION_ID="12"
OS
mount -t overlay overlay -o "lowerdir=$DEBIAN,upperdir=$work/upper,workdir=$work/ow" "$work/root"
push_cleanup umount "$work/root"
ROOT=$work/root

# shellcheck disable=SC2016  # literally $prefix: GRUB must not expand it
args='remaster.t1=a;b remaster.t2=$prefix remaster.t3=#x x } menuentry pwn { console=ttyS0'
"$REMASTER" snapshot --root "$ROOT" --to "$stick" --yes --quiet --kernel-args "$args"

cfg=$work/grub.cfg
with_stick "$stick" "$work/d" cat boot/grub/grub.cfg >"$cfg"
check "grub-script-check accepts the stick's grub.cfg" grub-script-check "$cfg"
# In GRUB's single quotes an apostrophe is '\''; the rest is literal.
quoted_title="menuentry 'remaster live: Bob'\\''s \"Linux\" ; \$prefix # } { x, "
check "the live entry's title is the PRETTY_NAME as written" grep -qF -- "$quoted_title" "$cfg"
check "every entry is one menuentry (no injected ones)" test "$(grep -c '^menuentry ' "$cfg")" -eq 4

# The linux line's words, unquoted (its words hold no ' or \, so xargs reads
# GRUB's quoting the same way), after root=, rd.remaster.uuid/dir and the host-disk switches.
linux_line=$(grep -m1 $'^\tlinux ' "$cfg")
mapfile -t words < <(xargs -n1 printf '%s\n' <<<"$linux_line")
# Words 5-9 switch off the host's disks (noresume rd.luks=0 ...); the user's follow.
check "the host's disks are switched off before the user's arguments" \
  test "${words[*]:5:5}" == "noresume rd.luks=0 rd.lvm=0 rd.md=0 rd.dm=0"
# The last word is $remaster_extra_args: empty unless boot-test sets it.
# shellcheck disable=SC2016  # literally: GRUB expands it
check "the linux line ends with \$remaster_extra_args" test "${words[-1]}" == '$remaster_extra_args'
got=$(printf '%s\n' "${words[@]:10:${#words[@]}-11}")
# shellcheck disable=SC2086  # split as the kernel splits its command line
want=$(printf '%s\n' $args)
check "the kernel arguments come out of the linux line word for word" test "$got" == "$want"
check "the linux line starts with the kernel path" grep -qE '^/remaster/[0-9-]+/vmlinuz$' <<<"${words[1]}"

# A lone ' cannot reach the kernel literally: refused in the plan, nothing written.
sum_before=$(sha256sum "$stick" | cut -d' ' -f1)
start=$SECONDS
out=$("$REMASTER" snapshot --root "$ROOT" --to "$stick" --yes --quiet --kernel-args "quiet it's" 2>&1) && rc=0 || rc=$?
took=$((SECONDS - start))
check "a lone ' in --kernel-args exits 3" test "$rc" -eq 3
check "the refusal names the argument" grep -qF "The kernel argument 'it's' cannot reach the kernel literally" <<<"$out"
check "it fails in the plan, within seconds (took ${took}s)" test "$took" -lt 20
check "the stick is byte for byte untouched" test "$(sha256sum "$stick" | cut -d' ' -f1)" == "$sum_before"
out=$("$REMASTER" snapshot --root "$ROOT" --to "$stick" --dry-run --kernel-args 'a="b' 2>&1) && rc=0 || rc=$?
check "an unbalanced \" is refused in --dry-run too" test "$rc" -eq 3

# A grub-script-check that rejects everything: the run fails at the menu, and
# the stick keeps its snapshots, its menu and its profiles.
mkdir -p "$work/bin"
printf '#!/bin/sh\necho "error: syntax error (test)" >&2\nexit 1\n' >"$work/bin/grub-script-check"
chmod +x "$work/bin/grub-script-check"
snapshots() { "$REMASTER" list --on "$stick" | awk '/^  2/ {print $1}'; }
snaps_before=$(snapshots)
rc=0
PATH=$work/bin:$PATH "$REMASTER" snapshot --root "$ROOT" --to "$stick" --yes --quiet 2>"$work/err" || rc=$?
check "a menu failing grub-script-check fails the run" test "$rc" -eq 1
check "the failure names grub-script-check" grep -q "grub-script-check: error: syntax error (test)" "$work/err"
check "the rejected snapshot is not left on the stick" test "$(snapshots)" == "$snaps_before"
with_stick "$stick" "$work/d" cat boot/grub/grub.cfg >"$work/grub.cfg.after"
check "grub.cfg is unchanged" cmp -s "$cfg" "$work/grub.cfg.after"
rc=0
PATH=$work/bin:$PATH "$REMASTER" profile add --on "$stick" work 2>/dev/null || rc=$?
check "profile add fails when its menu fails the check" test "$rc" -eq 1
check "and does not create the profile" bash -c "! '$REMASTER' profile list --on '$stick' | grep -q '^work'"

# With the real check, a second snapshot (a layer) of the same root goes on.
"$REMASTER" snapshot --root "$ROOT" --to "$stick" --yes --quiet --kernel-args "$args"
with_stick "$stick" "$work/d" cat boot/grub/grub.cfg >"$cfg"
check "the next snapshot's grub.cfg passes grub-script-check" grub-script-check "$cfg"
check "the stick holds two snapshots" test "$(snapshots | wc -l)" -eq 2

# Removing under a failing check: the menu without the snapshot or the
# profile is rejected, so nothing is removed and the menu stays.
# (--full: the layer before it is then nobody's base, so remove may take it.)
"$REMASTER" profile add --on "$stick" keep
"$REMASTER" snapshot --root "$ROOT" --to "$stick" --yes --quiet --full --kernel-args "$args"
with_stick "$stick" "$work/d" cat boot/grub/grub.cfg >"$cfg"
snaps_before=$(snapshots)
rc=0
PATH=$work/bin:$PATH "$REMASTER" remove --on "$stick" "$(snapshots | sed -n 2p)" 2>/dev/null || rc=$?
check "remove fails when the menu without the snapshot fails the check" test "$rc" -eq 1
check "and keeps the snapshot" test "$(snapshots)" == "$snaps_before"
rc=0
PATH=$work/bin:$PATH "$REMASTER" profile remove --on "$stick" keep 2>/dev/null || rc=$?
check "profile remove fails when its menu fails the check" test "$rc" -eq 1
check "and keeps the profile" bash -c "'$REMASTER' profile list --on '$stick' | grep -q '^keep'"
with_stick "$stick" "$work/d" cat boot/grub/grub.cfg >"$work/grub.cfg.after"
check "grub.cfg is unchanged after both" cmp -s "$cfg" "$work/grub.cfg.after"
check "nothing is left unfinished" bash -c "! '$REMASTER' list --on '$stick' | grep -q unfinished"
check "verify passes after both" "$REMASTER" verify --on "$stick" --quiet
"$REMASTER" profile remove --on "$stick" keep
check "with the real check, profile remove goes on" bash -c "! '$REMASTER' profile list --on '$stick' | grep -q '^keep'"
check "verify passes" "$REMASTER" verify --on "$stick" --quiet
check "no loop device left on the stick" bash -c "! losetup -a | grep -qF '$stick'"
summary
