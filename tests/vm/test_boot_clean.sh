#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# Boot test of `--mode clean` (issue 14): a stick made in clean mode from a
# root that carries a machine's identity and secrets boots to multi-user, and
# the live system has a machine-id of its own, ssh host keys of its own (made
# at boot: the host's are not in the image), no network secrets and no shell
# history.
#
# The test root is the cached Debian root (lib/debian-root.sh) seen through an
# overlay whose upper layer plants what a used machine has: a known
# /etc/machine-id (and the D-Bus copy, which systemd would fall back to),
# /etc/ssh/ssh_host_*_key (real keys, made by this machine's ssh-keygen), a
# NetworkManager connection and a wpa_supplicant
# config with a psk, root's and a user's .bash_history and the user's
# .zsh_history. The cached root has no openssh-server (and its package list
# stays as it is: changing it rebuilds the root for every test), so the upper
# layer also gets this machine's ssh-keygen (same Debian release; its
# libraries are in the root) and a stand-in /usr/sbin/sshd: remaster then
# sees a Debian sshd that makes no keys and adds remaster-ssh-keygen.service,
# whose real run at boot makes the keys. Its remaster-proof-extra counts the
# plants in the live system:
#   machine-id=  /etc/machine-id (none if empty)
#   hostkeys=    /etc/ssh/ssh_host_* files (6 on the source; 6 made at boot)
#   ed25519=     the fingerprint of /etc/ssh/ssh_host_ed25519_key (none)
#   secrets=     files under /etc/NetworkManager and /etc/wpa_supplicant that
#                hold a psk= line
#   history=     shell history files (.*_history) of root and the users
#   wpa=         kept|gone: wpa_supplicant.conf itself (its settings) stays
#   failed=      the failed units (none): an empty machine-id breaks none
# The same script run on the source first proves that it sees the plants.
# One stick, one BIOS boot. The cached root itself is never written.
#
# Needs root, loop devices, qemu-system-x86_64, build/remaster. About 3 min
# under TCG. REMASTER_VM_TIMEOUT (s, default 300) bounds the boot.

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib/vm.sh
. "$HERE/lib/vm.sh"

KERNEL_ARGS="console=ttyS0,115200"
PLANTED_ID=0123456789abcdef0123456789abcdef

make_work clean

# args: dir. Writes the planted secrets and the counting proof script into
# dir, the upper layer of the test root.
plant() {
	local u=$1 t
	mkdir -p "$u/etc/ssh" "$u/etc/NetworkManager/system-connections" "$u/etc/wpa_supplicant" \
		"$u/var/lib/dbus" "$u/root" "$u/home/ann" "$u/usr/local/sbin"
	echo "$PLANTED_ID" >"$u/etc/machine-id"
	echo "$PLANTED_ID" >"$u/var/lib/dbus/machine-id"
	for t in rsa ecdsa ed25519; do
		ssh-keygen -q -t "$t" -N '' -C root@source -f "$u/etc/ssh/ssh_host_${t}_key" || return 1
	done
	mkdir -p "$u/usr/bin" "$u/usr/sbin"
	cp "$(command -v ssh-keygen)" "$u/usr/bin/ssh-keygen" || return 1
	printf '#!/bin/sh\n# Test-only stand-in (test_boot_clean.sh): the root has no openssh-server.\nexit 1\n' \
		>"$u/usr/sbin/sshd"
	chmod 755 "$u/usr/sbin/sshd"
	printf '[connection]\nid=home\ntype=wifi\n[wifi]\nssid=home\n[wifi-security]\nkey-mgmt=wpa-psk\npsk=planted-secret\n' \
		>"$u/etc/NetworkManager/system-connections/home.nmconnection"
	chmod 600 "$u/etc/NetworkManager/system-connections/home.nmconnection"
	printf 'ctrl_interface=/run/wpa_supplicant\nupdate_config=1\n\nnetwork={\n\tssid="home"\n\tpsk="planted-secret"\n}\n' \
		>"$u/etc/wpa_supplicant/wpa_supplicant.conf"
	chmod 600 "$u/etc/wpa_supplicant/wpa_supplicant.conf"
	echo 'ssh root@server # planted' >"$u/root/.bash_history"
	echo 'cat ~/secret # planted' >"$u/home/ann/.bash_history"
	echo ': 1700000000:0;cat ~/secret # planted' >"$u/home/ann/.zsh_history"
	cat >"$u/usr/local/sbin/remaster-proof-extra" <<'PROOF'
#!/bin/sh
# Test-only (test_boot_clean.sh): what this system holds of its source's
# identity and secrets, for the proof line.
id=$(cat /etc/machine-id 2>/dev/null)
keys=$(find /etc/ssh -maxdepth 1 -name 'ssh_host_*' 2>/dev/null | wc -l)
ed25519=$(ssh-keygen -l -f /etc/ssh/ssh_host_ed25519_key 2>/dev/null | awk '{ print $2 }')
secrets=$(grep -rls 'psk *=' /etc/NetworkManager /etc/wpa_supplicant 2>/dev/null | wc -l)
history=$(find /root /home -maxdepth 2 -name '.*_history' 2>/dev/null | wc -l)
wpa=gone
grep -q '^ctrl_interface=' /etc/wpa_supplicant/wpa_supplicant.conf 2>/dev/null && wpa=kept
failed=$(systemctl list-units --state=failed --no-legend --plain 2>/dev/null | awk '{ print $1 }' | paste -sd, -)
echo "machine-id=${id:-none} hostkeys=$keys ed25519=${ed25519:-none} secrets=$secrets history=$history wpa=$wpa failed=${failed:-none}"
PROOF
	chmod 755 "$u/usr/local/sbin/remaster-proof-extra"
}

# args: name line pattern... Every pattern (a glob) must match a word of the line.
expect_words() {
	local name=$1 line=$2 p
	shift 2
	for p in "$@"; do
		# shellcheck disable=SC2027,SC2053 # $p unquoted: a glob on purpose
		if [[ " $line " != *" "$p" "* ]]; then
			fail "$name: expected '$p' in: $line"
			return 1
		fi
	done
	ok "$name"
}

ROOT=$("$HERE/lib/debian-root.sh") || { fail "building the Debian root"; summary; exit; }
mkdir -p "$WORK/upper" "$WORK/ow" "$WORK/root"
command -v ssh-keygen >/dev/null || { fail "ssh-keygen (openssh-client) is needed to plant host keys"; summary; exit; }
plant "$WORK/upper" || { fail "planting the secrets"; summary; exit; }
mount -t overlay -o "lowerdir=$ROOT,upperdir=$WORK/upper,workdir=$WORK/ow" remaster-test-clean "$WORK/root" ||
	{ fail "overlay of the Debian root"; summary; exit; }
# The counters see the plants on the source; otherwise zeros later prove nothing.
line=$(chroot "$WORK/root" /usr/local/sbin/remaster-proof-extra)
expect_words "source holds the plants ($line)" "$line" "machine-id=$PLANTED_ID" hostkeys=6 'ed25519=SHA256:*' \
	secrets=2 history=3 wpa=kept
SOURCE_KEY=$(sed -n 's/.* ed25519=\([^ ]*\).*/\1/p' <<<"$line")

IMAGE=$WORK/stick.img
start=$SECONDS
if "$REMASTER_BIN" snapshot --root "$WORK/root" --to "$IMAGE" --mode clean --kernel-args "$KERNEL_ARGS" \
	--yes --quiet && [[ -s "$IMAGE" ]]; then
	ok "clean stick made ($((SECONDS - start)) s)"
else
	fail "clean stick made"
	summary
	exit
fi
umount "$WORK/root"

# The image itself: the host's keys left out, the key unit in, enabled.
if stick_mount "$IMAGE" "$WORK/mnt" ro; then
	snapdir=$(grep -o -m 1 'rd.remaster.dir=[^ ]*' "$WORK/mnt/boot/grub/grub.cfg" | cut -d= -f2)
	sq=$WORK/mnt$snapdir/filesystem.squashfs
	unit=etc/systemd/system/remaster-ssh-keygen.service
	listing=$(unsquashfs -lln "$sq" etc/ssh etc/systemd/system)
	expect "image: no ssh host keys" test -z "$(grep ssh_host_ <<<"$listing")"
	expect "image: the key unit, 0644 root" grep -q "^-rw-r--r-- 0/0 .* squashfs-root/$unit\$" <<<"$listing"
	expect "image: the key unit is enabled" \
		grep -q "multi-user.target.wants/remaster-ssh-keygen.service -> /$unit\$" <<<"$listing"
	expect "image: the key unit runs ssh-keygen -A" \
		grep -qx 'ExecStart=/usr/bin/ssh-keygen -A' <<<"$(unsquashfs -cat "$sq" "$unit")"
	stick_umount "$WORK/mnt"
else
	fail "mounting the stick"
fi

log=$WORK/boot-bios.log
start=$SECONDS
if boot_image "$IMAGE" bios "$log" "${REMASTER_VM_TIMEOUT:-300}"; then
	line=$(proof_line "$log")
	echo "bios: $line ($((SECONDS - start)) s)"
	ok "clean stick boots to multi-user"
	expect_words "live system: / is the overlay" "$line" root=overlay
	id=$(sed -n 's/.* machine-id=\([^ ]*\).*/\1/p' <<<"$line")
	if [[ "$id" =~ ^[0-9a-f]{32}$ && "$id" != "$PLANTED_ID" ]]; then
		ok "live system has a machine-id of its own ($id)"
	else
		fail "live system has a machine-id of its own: '$id' (planted $PLANTED_ID)"
	fi
	expect_words "live system has no network secrets or shell history" "$line" secrets=0 history=0
	key=$(sed -n 's/.* ed25519=\([^ ]*\).*/\1/p' <<<"$line")
	if [[ "$key" == SHA256:* && "$key" != "$SOURCE_KEY" ]]; then
		ok "live system made ssh host keys of its own at boot (ed25519 $key, the source's $SOURCE_KEY)"
	else
		fail "live system made ssh host keys of its own: ed25519 '$key' (the source's $SOURCE_KEY)"
	fi
	expect_words "live system: the full key set (rsa, ecdsa, ed25519)" "$line" hostkeys=6
	expect_words "live system: wpa_supplicant.conf kept without its networks" "$line" wpa=kept
	expect_words "live system: no failed units" "$line" failed=none
else
	fail "clean stick boots to multi-user (serial log follows)"
	tail -n 40 "$log" | tr -d '\r' | sed 's/^/  bios| /'
fi

summary
