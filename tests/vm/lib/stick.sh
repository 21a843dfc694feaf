# shellcheck shell=bash
# Look into a stick image and boot what its grub.cfg boots, without GRUB.
# Source this file; it needs root (loop devices).
#
#   stick_mount IMAGE DIR [ro|rw]   p3 of IMAGE on DIR (loop device + partx,
#                                   since this kernel does not scan loop
#                                   partitions itself)
#   stick_umount DIR                undoes stick_mount
#   with_stick IMAGE DIR CMD...     CMD run inside DIR with p3 of IMAGE
#                                   mounted there read-only, unmounted after
#                                   whatever CMD returns; CMD's status
#   stick_release_all               undoes every stick_mount still active;
#                                   call it from the caller's EXIT trap
#   stick_grub_entry CFG [ID]       kernel, initrd and arguments of the
#                                   menuentry ID (default: `set default=`) of
#                                   a grub.cfg, one per line
#   stick_extract IMAGE DIR [ID]    DIR/vmlinuz, DIR/initrd.img, DIR/args,
#                                   DIR/snapdir of that entry of IMAGE's
#                                   grub.cfg, and DIR/grub.cfg itself
#   boot_direct IMAGE DIR LOG ARGS [TIMEOUT]
#                                   QEMU -kernel/-initrd from stick_extract's
#                                   DIR, -append ARGS, IMAGE as the virtio
#                                   disk; true when the REMASTER-PROOF line
#                                   appeared
#
# boot_direct opens IMAGE with -snapshot unless REMASTER_VM_WRITE=1 (then
# the boot writes IMAGE: use a copy). REMASTER_VM_MEM (MiB, default 2048).
# Choosing a GRUB menu entry from QEMU means typing into the menu; booting
# the entry's kernel line directly tests the same initramfs and arguments.

source "$(dirname "${BASH_SOURCE[0]}")/guest.sh"

declare -A STICK_LOOP=()

# args: image dir [ro|rw]
stick_mount() {
	local image=$1 dir=$2 mode=${3:-ro} loop i
	loop=$(losetup --find --show --partscan "$image") || return 1
	STICK_LOOP[$dir]=$loop
	# This VM's kernel may not scan the table, and a loop device can keep
	# stale partitions from its previous user: drop them, add ours (BLKPG),
	# and try again while waiting for the nodes.
	[[ -b ${loop}p3 ]] || partx -d "$loop" 2>/dev/null || :
	for ((i = 0; i < 50; i++)); do
		[[ -b ${loop}p3 ]] && break
		partx -a "$loop" 2>/dev/null || :
		sleep 0.1
	done
	mkdir -p "$dir"
	if ! mount -t ext4 -o "$mode" "${loop}p3" "$dir"; then
		stick_umount "$dir"
		return 1
	fi
}

# args: dir
stick_umount() {
	local dir=$1 loop=${STICK_LOOP[$1]:-}
	if mountpoint -q "$dir"; then
		umount "$dir" || umount -l "$dir" || echo "stick_umount: cannot unmount '$dir'" >&2
	fi
	if [[ -n "$loop" ]]; then
		partx -d "$loop" 2>/dev/null || :
		losetup -d "$loop" || echo "stick_umount: cannot detach '$loop'" >&2
	fi
	unset "STICK_LOOP[$dir]"
}

# args: image dir command...
with_stick() {
	local image=$1 dir=$2 rc=0
	shift 2
	stick_mount "$image" "$dir" ro || return 1
	(cd "$dir" && "$@") || rc=$?
	stick_umount "$dir"
	return "$rc"
}

# args: none
stick_release_all() {
	local dir
	for dir in "${!STICK_LOOP[@]}"; do
		stick_umount "$dir"
	done
}

# args: grub.cfg [id]. Prints kernel, initrd, arguments (three lines).
stick_grub_entry() {
	local cfg=$1 id=${2:-}
	[[ -n "$id" ]] || id=$(sed -n 's/^[[:space:]]*set default=\(.*\)$/\1/p' "$cfg" | head -n 1)
	awk -v id="$id" '
		/^[[:space:]]*menuentry / {
			inside = 0
			for (i = 1; i < NF; i++) if ($i == "--id" && $(i + 1) == id) inside = 1
			next
		}
		inside && $1 == "linux" { kernel = $2; $1 = ""; $2 = ""; sub(/^[[:space:]]+/, ""); args = $0 }
		inside && $1 == "initrd" { initrd = $2 }
		inside && $1 == "}" { inside = 0 }
		END {
			if (kernel == "" || initrd == "") exit 1
			print kernel; print initrd; print args
		}' "$cfg"
}

# args: image dir [id]
stick_extract() {
	local image=$1 dir=$2 id=${3:-} mnt=$2/.mnt entry rc=0
	mkdir -p "$dir"
	stick_mount "$image" "$mnt" ro || return 1
	if entry=$(stick_grub_entry "$mnt/boot/grub/grub.cfg" "$id"); then
		{
			cp "$mnt$(sed -n 1p <<<"$entry")" "$dir/vmlinuz" &&
				cp "$mnt$(sed -n 2p <<<"$entry")" "$dir/initrd.img" &&
				sed -n 3p <<<"$entry" >"$dir/args" &&
				cp "$mnt/boot/grub/grub.cfg" "$dir/grub.cfg" &&
				dirname "$(sed -n 1p <<<"$entry")" >"$dir/snapdir"
		} || rc=1
	else
		echo "stick_extract: no entry '${id:-default}' in the stick's grub.cfg" >&2
		rc=1
	fi
	stick_umount "$mnt"
	rmdir "$mnt" 2>/dev/null
	return $rc
}

# args: image dir log kernel-args [timeout]
boot_direct() {
	local image=$1 dir=$2 log=$3 args=$4 timeout=${5:-300} rc
	local qemu=(qemu-system-x86_64 -accel tcg -machine q35 -m "${REMASTER_VM_MEM:-2048}" -smp 2
		-display none -monitor none -serial "file:$log" -no-reboot
		-kernel "$dir/vmlinuz" -initrd "$dir/initrd.img"
		-append "$args"
		-drive "file=$image,format=raw,if=virtio")
	[[ "${REMASTER_VM_WRITE:-0}" == 1 ]] || qemu+=(-snapshot)
	run_guest "$log" "$timeout" "${qemu[@]}"
	rc=$?
	if [[ $rc -eq 124 || $rc -eq 137 ]]; then
		echo "boot_direct: boot of $image timed out after ${timeout}s" >&2
	fi
	grep -aq 'REMASTER-PROOF ' "$log"
}
