# bash completion for remaster(8). Self-contained: it needs nothing from the
# bash-completion package, which only decides when to load it.
# tests/unit/completion_test.sh checks that the option lists below are exactly
# those of each command's --help.

_remaster_options() {  # args: command words; prints that command's options
	case "$*" in
	snapshot) echo "--root --to --squashfs --iso --netboot --sign-key --update-url --mode --exclude --compress --block-size --jobs
		--kernel-args --kernel --size --default-boot --secure-boot --dry-run --json -y --yes --replace --full
		--allow-fixed-disk -q --quiet -v --verbose --timings --cache-dir --no-cache -h --help" ;;
	verify) echo "--on --json -q --quiet -h --help" ;;
	remove) echo "--on -q --quiet -h --help" ;;
	update) echo "--on --from --dry-run -y --yes -v --verbose -q --quiet -h --help" ;;
	list) echo "--on --json -q --quiet -h --help" ;;
	"profile add" | "profile remove" | "profile reset" | "profile list") echo "--on -h --help" ;;
	boot-test) echo "--on --firmware --timeout --entry --accel --bus --log --keep-view --kernel-args -q --quiet -h --help" ;;
	install) echo "--from --pristine --mode --snapshot --to --size -y --yes --dry-run -q --quiet -h --help" ;;
	"") echo "-h --help --version" ;;
	esac
}

_remaster_commands() {  # args: command words so far; prints the subcommands
	case "$*" in
	"") echo "snapshot verify profile list remove update boot-test install" ;;
	profile) echo "add remove reset list" ;;
	esac
}

# Whole disks (a stick is written whole, never a partition), then files.
_remaster_disks() {
	lsblk -dpno NAME 2>/dev/null | grep -v '^/dev/\(loop\|sr\|zram\|ram\)'
}

# The value of OPTION earlier on the line, if any.
_remaster_value_of() {
	local i
	for ((i = 1; i < COMP_CWORD; i++)); do
		[[ ${COMP_WORDS[i]} == "$1" ]] && { echo "${COMP_WORDS[i + 1]}"; return; }
	done
}

# Profile names on the stick named by --on or --to: only for root, who can
# read a stick, and only when it is already named.
_remaster_profiles() {
	local stick
	stick=$(_remaster_value_of --on)
	[[ -n $stick ]] || stick=$(_remaster_value_of --to)
	[[ -n $stick && $EUID -eq 0 ]] || return 0
	remaster profile list --on "$stick" 2>/dev/null | cut -f1
}

_remaster_kernels() {
	local root
	root=$(_remaster_value_of --root)
	ls "${root:-}/lib/modules" 2>/dev/null
}

_remaster_values() {  # args: option; prints its values, or returns 1 for a path
	case $1 in
	--mode) echo "backup clean" ;;
	--compress) echo "zstd zstd:1 zstd:3 zstd:9 zstd:19 xz xz:6 xz:9 gzip gzip:9 lz4" ;;
	--block-size) echo "4K 16K 64K 128K 256K 512K 1M" ;;
	--secure-boot) echo "auto require off" ;;
	--default-boot) echo "live persist ram check update $(_remaster_profiles)" ;;
	--kernel) echo "all newest $(_remaster_kernels)" ;;
	--firmware) echo "bios uefi uefi-secure both" ;;
	--accel) echo "kvm tcg" ;;
	--bus) echo "virtio cdrom usb" ;;
	--entry) echo "live persist-default ram ram-fallback check $(_remaster_profiles | sed 's/^/persist-/')" ;;
	--jobs | --timeout | --size | --kernel-args | --exclude) echo "" ;;
	*) return 1 ;;
	esac
}

_remaster() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
	local words=() i w values
	# The command words: those before the cursor that are subcommands.
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		[[ " $(_remaster_commands "${words[@]}") " == *" $w "* ]] && words+=("$w")
	done
	if [[ $prev == -* ]] && values=$(_remaster_values "$prev"); then
		mapfile -t COMPREPLY < <(compgen -W "$values" -- "$cur")
		return
	fi
	# update --from is the server's URL: nothing to offer.
	if [[ ${words[0]:-} == update && $prev == --from ]]; then
		COMPREPLY=()
		return
	fi
	case $prev in
	--to | --on | --from)
		mapfile -t COMPREPLY < <(compgen -W "$(_remaster_disks)" -- "$cur"; compgen -f -- "$cur")
		return ;;
	--root | --cache-dir | --netboot)
		mapfile -t COMPREPLY < <(compgen -d -- "$cur")
		return ;;
	--iso | --squashfs | --log | --keep-view | --sign-key)
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		return ;;
	esac
	local commands
	commands=$(_remaster_commands "${words[@]}")
	if [[ $cur == -* || -z $commands ]]; then
		mapfile -t COMPREPLY < <(compgen -W "$(_remaster_options "${words[@]}")" -- "$cur")
	else
		mapfile -t COMPREPLY < <(compgen -W "$commands" -- "$cur")
	fi
}
complete -F _remaster remaster
