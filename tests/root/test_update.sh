#!/usr/bin/env bash
# remaster update --on STICK: a stick made with snapshot --to --update-url
# --sign-key from the netboot test root (tests/vm/lib/netboot-root.sh) takes
# the newer snapshot of the same root from the signed netboot directory
# served on 127.0.0.1, beside the one it
# had: both listed, verify passes, the menu's default entry boots the new
# one, snapshot.info keeps the stick's update_url and update_key. A second
# update is up to date and writes nothing. Refused with a clear message and
# the stick unchanged: a squashfs changed by one byte after signing, a
# directory signed by another key, a server answering garbage, a huge
# snapshot.info, a redirect loop, no directory at the URL, nothing listening,
# a stick that pins no key, a signed snapshot of another system or with a
# malformed id, a download cut off or longer than announced; --dry-run
# writes nothing; Ctrl-C in the middle of the download leaves the stick
# exactly as it was. No address but 127.0.0.1 is used (proxies are unset).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=../vm/lib/netboot-root.sh
. "$REPO_DIR/tests/vm/lib/netboot-root.sh"
# shellcheck source=../vm/lib/stick.sh
. "$REPO_DIR/tests/vm/lib/stick.sh"
need_root
need_cmds openssl python3 sha256sum
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy
REMASTER=$BUILD_DIR/remaster
BASE=$("$REPO_DIR/tests/vm/lib/debian-root.sh")
DEBS=$(netboot_debs)
make_tmpdir work remaster-update
push_cleanup stick_release_all
make_netboot_root "$BASE" "$DEBS" "$work/troot"
push_cleanup umount "$work/troot/root"
ROOT=$work/troot/root
stick=$work/A.img
srv=$work/srv
mkdir -p "$srv"
openssl genpkey -algorithm ed25519 -out "$work/key.pem" 2>/dev/null
openssl genpkey -algorithm ed25519 -out "$work/other.pem" 2>/dev/null
# update_key=: the public key's PEM body on one line.
pubkey=$(openssl pkey -in "$work/key.pem" -pubout | grep -v -- ----- | tr -d '\n')

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# args: port, then the server's command. Started in the background, killed
# at exit; returns once the port answers.
serve() {
    local port=$1 i
    shift
    "$@" >/dev/null 2>&1 &
    push_cleanup kill "$!"
    for ((i = 0; i < 100; i++)); do
        (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
        sleep 0.1
    done
    die "the server on port $port did not start: $*"
}

# The menu and every file on the stick with its hash (as test_incremental.sh).
stick_listing() {
    with_stick "$stick" "$work/l" sh -c 'cat boot/grub/grub.cfg; find remaster -type f -exec sha256sum {} + | sort'
}
# The same with sizes only: cheap, for the runs refused before any download.
stick_names() {
    with_stick "$stick" "$work/l" sh -c 'cat boot/grub/grub.cfg; find remaster -printf "%p %s\n" | sort'
}

# args: name, exit code, message pattern, listing function, update arguments.
# The update must fail with that code and message and leave the stick as it
# was. Its output stays in $msg.
msg=
refused() {
    local name=$1 code=$2 pattern=$3 listing=$4 rc=0 before
    shift 4
    before=$($listing)
    msg=$("$REMASTER" update --on "$stick" --yes "$@" 2>&1) || rc=$?
    check "$name: exit $code" test "$rc" -eq "$code"
    check "$name: says so" grep -q -- "$pattern" <<<"$msg"
    grep -q -- "$pattern" <<<"$msg" && test "$rc" -eq "$code" || sed 's/^/  | /' <<<"exit $rc: $msg"
    check "$name: the stick is unchanged" test "$before" = "$($listing)"
}

# args: snapshot.info line to add, or a key to drop with -KEY. Edits the
# stick's newest snapshot.info in place (the stick mounted read-write): a
# stick made without --update-url or without a key.
edit_newest_info() {
    local m=$work/rw id
    stick_mount "$stick" "$m" rw || return 1
    id=$(find "$m/remaster" -maxdepth 1 -name '2*' -printf '%f\n' | sort | tail -n 1)
    if [[ $1 == -* ]]; then
        sed -i "/^${1#-}=/d" "$m/remaster/$id/snapshot.info"
    else
        echo "$1" >>"$m/remaster/$id/snapshot.info"
    fi
    stick_umount "$m"
}

# --- stick A and netboot directory B of the same root, B newer ----------------
port=$(free_port)
url=http://127.0.0.1:$port/live/
start=$SECONDS
"$REMASTER" snapshot --root "$ROOT" --to "$stick" --update-url "$url" --sign-key "$work/key.pem" --yes --size 3G \
    --compress lz4 -q
id_a=$("$REMASTER" list --on "$stick" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["snapshots"][0]["id"])')
echo "stick A ($id_a): $((SECONDS - start)) s"
with_stick "$stick" "$work/l" cat "remaster/$id_a/snapshot.info" >"$work/a.info"
check "snapshot --update-url records update_url and update_key (the public key's PEM body)" \
    bash -c 'grep -qxF "update_url=$2" "$1" && grep -qxF "update_key=$3" "$1"' _ "$work/a.info" "$url" "$pubkey"
echo "changed for B" >"$ROOT/etc/remaster-update-test"
start=$SECONDS
"$REMASTER" snapshot --root "$ROOT" --netboot "$srv/live" --sign-key "$work/key.pem" --compress lz4 -q
id_b=$(sed -n 's/^id=//p' "$srv/live/snapshot.info")
echo "netboot dir B ($id_b): $((SECONDS - start)) s"
serve "$port" python3 -m http.server --bind 127.0.0.1 --directory "$srv" "$port"

# C: B as a later snapshot, re-signed (what the next snapshot --netboot would
# serve); cbad: its squashfs changed by one byte after signing; cother:
# signed by another key.
# args: dir, key
make_c() {
    local d=$1
    mkdir -p "$d"
    ln "$srv/live/vmlinuz" "$srv/live/initrd.img" "$d/"
    sed "s/^id=.*/id=$id_b-2/; s/^layers=.*/layers=$id_b-2/" "$srv/live/snapshot.info" >"$d/snapshot.info"
    cp "$srv/live/filesystem.squashfs" "$d/"
    (cd "$d" && sha256sum filesystem.squashfs initrd.img snapshot.info vmlinuz >SHA256SUMS)
    openssl pkeyutl -sign -inkey "$2" -rawin -in "$d/SHA256SUMS" -out "$d/SHA256SUMS.sig"
}
make_c "$srv/c" "$work/key.pem"
make_c "$srv/cbad" "$work/key.pem"
python3 -c 'import sys; f=open(sys.argv[1], "r+b"); f.seek(100000); b=f.read(1); f.seek(100000); f.write(bytes([b[0] ^ 1]))' \
    "$srv/cbad/filesystem.squashfs"
make_c "$srv/cother" "$work/other.pem"
# args: dir, sed expression for snapshot.info: B as a later snapshot with
# that change, signed with the stick's key (its big files linked).
make_signed_variant() {
    local d=$1
    mkdir -p "$d"
    ln "$srv/live/vmlinuz" "$srv/live/initrd.img" "$srv/live/filesystem.squashfs" "$d/"
    sed "s/^id=.*/id=$id_b-2/; $2" "$srv/live/snapshot.info" >"$d/snapshot.info"
    (cd "$d" && sha256sum filesystem.squashfs initrd.img snapshot.info vmlinuz >SHA256SUMS)
    openssl pkeyutl -sign -inkey "$work/key.pem" -rawin -in "$d/SHA256SUMS" -out "$d/SHA256SUMS.sig"
}
make_signed_variant "$srv/csys" "s/^system=.*/system=fedcba9876543210/"
make_signed_variant "$srv/cid" "s/^id=.*/id=tomorrow/"
make_signed_variant "$srv/cdup" "s/^kernel=.*/kernel=a\\nkernel=b/"

# --- what the stick records: the URL and the key ---------------------------------
# A stick made without them: the fields removed by hand, and put back.
edit_newest_info -update_url
refused "no URL recorded, none given" 2 "records no URL to update from" stick_names
check "... and says to pass --from or remake the stick" grep -q "Pass --from URL, or make the stick again with .*--update-url" <<<"$msg"
edit_newest_info "update_url=$url"
edit_newest_info -update_key
refused "no key pinned" 3 "This stick pins no key (its newest snapshot $id_a has no update_key): a download could not be checked" stick_names
edit_newest_info "update_key=$pubkey"
refused "a URL that is not http(s)" 3 "--from: 'ftp://127.0.0.1/live/' is not an http:// or https:// URL" stick_names \
    --from ftp://127.0.0.1/live/
refused "a URL with a quote" 3 "has a character a boot entry cannot carry" stick_names --from "http://127.0.0.1:$port/li\"ve/"

# --- hostile and absent servers --------------------------------------------------
refused "no directory at the URL" 1 "The server has no netboot directory at http://127.0.0.1:$port/nothing/" stick_names \
    --from "http://127.0.0.1:$port/nothing/"
closed=$(free_port)
refused "nothing listening" 1 "Cannot connect to the server of http://127.0.0.1:$closed/live/snapshot.info" stick_names \
    --from "http://127.0.0.1:$closed/live/"
for mode in garbage huge loop; do
    p=$(free_port)
    serve "$p" python3 "$TESTS_ROOT_DIR/update_server.py" "$p" "$mode"
    eval "port_$mode=$p"
done
# shellcheck disable=SC2154 # set by the eval above
{
    refused "a server answering garbage" 3 "does not verify with the key the stick pins" stick_names \
        --from "http://127.0.0.1:$port_garbage/live/"
    refused "a huge snapshot.info" 3 "The server's snapshot.info (http://127.0.0.1:$port_huge/live/snapshot.info) is bigger than 64" \
        stick_names --from "http://127.0.0.1:$port_huge/live/"
    refused "a redirect loop" 1 "redirects more than 5 times (a redirect loop?)" stick_names \
        --from "http://127.0.0.1:$port_loop/live/"
}
refused "signed by another key" 3 "does not verify with the key the stick pins" stick_names --from "${url%live/}cother/"
refused "signed, but another system's" 3 "is of another system (fedcba9876543210) than the stick's newest snapshot $id_a" \
    stick_names --from "${url%live/}csys/"
refused "signed, but a malformed id" 3 "the server's snapshot id 'tomorrow' is not a snapshot id" stick_names --from "${url%live/}cid/"
refused "signed, but a field twice" 3 "The server's snapshot.info sets 'kernel' twice" stick_names --from "${url%live/}cdup/"

# --- the update ----------------------------------------------------------------------
before=$(stick_listing)
plan=$("$REMASTER" update --on "$stick" --dry-run 2>&1)
check "dry run: names both snapshots" grep -q "The stick boots $id_a; the server has $id_b" <<<"$plan"
check "dry run: the files and sizes" grep -q "^  filesystem.squashfs  [0-9.]* [KMG]iB$" <<<"$plan"
check "dry run: where" grep -q "^Would write /remaster/$id_b/:" <<<"$plan"
check "dry run: nothing written" test "$before" = "$(stick_listing)"
log=$("$REMASTER" update --on "$stick" 2>&1)
check "update: says so in one line" grep -qx "remaster: Updated the stick to $id_b from $url (was $id_a)" <<<"$log"
listed=$("$REMASTER" list --on "$stick")
check "list shows both snapshots, B first" \
    bash -c 'grep -n "^  2" <<<"$1" | head -n 2 | cut -d" " -f3 | tr "\n" " " | grep -qx "$2 $3 "' _ "$listed" "$id_b" "$id_a"
check "B is a full snapshot" bash -c 'grep -A1 "^  $2 " <<<"$1" | grep -q "full snapshot"' _ "$listed" "$id_b"
check "verify passes" bash -c '"$1" verify --on "$2" -q >/dev/null' _ "$REMASTER" "$stick"
stick_mount "$stick" "$work/m" ro
entry=$(stick_grub_entry "$work/m/boot/grub/grub.cfg")
info=$(cat "$work/m/remaster/$id_b/snapshot.info")
check "B's squashfs is the server's" cmp -s "$work/m/remaster/$id_b/filesystem.squashfs" "$srv/live/filesystem.squashfs"
stick_umount "$work/m"
check "the menu's default entry boots B" test "$(sed -n 1p <<<"$entry")" = "/remaster/$id_b/vmlinuz"
check "... with B's directory" grep -q "rd.remaster.dir=/remaster/$id_b\( \|$\)" <<<"$(sed -n 3p <<<"$entry")"
check "B's snapshot.info: a base of its own, the server's system" \
    bash -c 'grep -qx "layers=$2" <<<"$1" && grep -qx "system=$3" <<<"$1" && ! grep -q "^parent=" <<<"$1"' _ \
    "$info" "$id_b" "$(sed -n 's/^system=//p' "$srv/live/snapshot.info")"
check "B's snapshot.info: no medium, signed or id" bash -c '! grep -qE "^(medium|signed|id)=" <<<"$1"' _ "$info"
check "B's snapshot.info: the stick's update_url and update_key" \
    bash -c 'grep -qxF "update_url=$2" <<<"$1" && grep -qxF "update_key=$3" <<<"$1"' _ "$info" "$url" "$pubkey"

before=$(stick_listing)
log=$("$REMASTER" update --on "$stick" 2>&1)
check "a second update: up to date" grep -q "The stick is up to date: the stick already holds the server's snapshot $id_b" <<<"$log"
check "... and writes nothing" test "$before" = "$(stick_listing)"

# --- a newer snapshot whose download does not check ---------------------------------
refused "a squashfs changed by one byte after signing" 3 \
    "The downloaded filesystem.squashfs does not match its SHA-256 in the signed SHA256SUMS" stick_listing --from "${url%live/}cbad/"

# A server that cuts the squashfs off, and one that sends more than it announced.
for mode in cut liar; do
    p=$(free_port)
    serve "$p" python3 "$TESTS_ROOT_DIR/update_server.py" "$p" "$mode" "$srv/c"
    eval "port_$mode=$p"
done
# shellcheck disable=SC2154 # set by the eval above
{
    refused "a download cut off" 1 "The download of http://127.0.0.1:$port_cut/c/filesystem.squashfs was cut off" \
        stick_listing --from "http://127.0.0.1:$port_cut/c/"
    refused "more bytes than announced" 3 "The server's filesystem.squashfs (http://127.0.0.1:$port_liar/c/filesystem.squashfs) is bigger than" \
        stick_listing --from "http://127.0.0.1:$port_liar/c/"
}

# --- Ctrl-C in the middle of the download ---------------------------------------------
slow=$(free_port)
serve "$slow" python3 "$TESTS_ROOT_DIR/update_server.py" "$slow" slow "$srv/c"
before=$(stick_listing)
"$REMASTER" update --on "$stick" --from "http://127.0.0.1:$slow/c/" -v >"$work/int.log" 2>&1 &
pid=$!
for _ in $(seq 600); do grep -q "Downloading" "$work/int.log" && break; sleep 0.05; done
sleep 2
kill -INT "$pid"
rc=0
wait "$pid" || rc=$?
check "an interrupted update exits 130" test "$rc" -eq 130 || tail -n 5 "$work/int.log"
check "... and leaves the stick exactly as it was" test "$before" = "$(stick_listing)"

# --- and the next one, complete, stacks nothing: a third full snapshot -------------------
log=$("$REMASTER" update --on "$stick" --from "${url%live/}c/" 2>&1)
check "a later update from another URL" grep -qx "remaster: Updated the stick to $id_b-2 from ${url%live/}c/ (was $id_b)" <<<"$log"
check "verify passes with three snapshots" bash -c '"$1" verify --on "$2" -q >/dev/null' _ "$REMASTER" "$stick"
summary
