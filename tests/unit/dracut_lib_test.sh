#!/bin/sh
# The pure parts of dracut-module/remaster-lib.sh under dash, as in the
# initramfs, without booting anything: the command-line parsers
# (rd.remaster.layers, .persist, .timeout, .uuid, .url), the overlay options and
# paths derived from them, and remaster_verify's SHA256SUMS checks, for
# normal and hostile input. dracut-lib.sh is replaced by stubs that read the
# command line from $CMDLINE and record remaster_fail's messages.
#   dash tests/unit/dracut_lib_test.sh   (run by scripts/test.sh, unit tier)
# REMASTER_LIB=path tests another copy of the lib (e.g. an older one).
# Prints one line per check and "N passed, M failed"; status 1 on a failure.
# No set -u: the lib runs without it in the initramfs (unset means empty).
LIB=${REMASTER_LIB:-$(dirname "$0")/../../dracut-module/remaster-lib.sh}

work=$(mktemp -d /tmp/remaster-dracut-lib.XXXXXX) || exit 1
trap 'rm -rf "$work"' EXIT
hookdir=$work/hooks
NEWROOT=$work/sysroot
REMASTER_UNIT=1 # remaster_fail returns 1 instead of starting a shell
CMDLINE=

# --- dracut-lib.sh stubs -----------------------------------------------------

# args: key= or key. Prints the value of the last key=value on $CMDLINE, as
# dracut's getarg; status 1 when the key is absent.
getarg() {
    set -f
    _sfound=1
    _sval=
    for _sw in $CMDLINE; do
        case "$_sw" in
            "$1"*)
                _sval=${_sw#"$1"}
                _sfound=0
                ;;
        esac
    done
    set +f
    [ "$_sfound" -eq 0 ] || return 1
    printf '%s\n' "$_sval"
}

# args: default key. True when key (or key=1/yes/on) is on $CMDLINE.
getargbool() {
    set -f
    _sb=1
    [ "$1" = 0 ] || _sb=0
    for _sw in $CMDLINE; do
        case "$_sw" in
            "$2" | "$2=1" | "$2=yes" | "$2=on" | "$2=true") _sb=0 ;;
            "$2=0" | "$2=no" | "$2=off" | "$2=false") _sb=1 ;;
        esac
    done
    set +f
    return "$_sb"
}

getcmdline() { printf '%s\n' "$CMDLINE"; }
warn() { printf '%s\n' "$*" >> "$work/warnings"; }
info() { :; }
emergency_shell() { echo "emergency_shell must not run with REMASTER_UNIT set" >&2; }
# Mounts are only recorded: one mount point a line in $work/mounts.
ismounted() { grep -qxF "$1" "$work/mounts" 2> /dev/null; }

# A copy of the lib that looks for the stick in $work/by-uuid instead of
# /dev/disk/by-uuid; nothing else differs.
mkdir -p "$work/by-uuid"
sed "s|/dev/disk/by-uuid/|$work/by-uuid/|" "$LIB" > "$work/remaster-lib.sh" || exit 1
# shellcheck source=../../dracut-module/remaster-lib.sh
. "$work/remaster-lib.sh"

# --- checks --------------------------------------------------------------------

passed=0
failed=0
# args: name, then a command that must succeed.
check() {
    _cname=$1
    shift
    if "$@"; then
        echo "PASS: $_cname"
        passed=$((passed + 1))
    else
        echo "FAIL: $_cname"
        failed=$((failed + 1))
    fi
}

# args: expected, actual. Equal strings (the difference on stderr otherwise).
same() {
    [ "$1" = "$2" ] && return 0
    printf '  want: %s\n  got:  %s\n' "$1" "$2" >&2
    return 1
}

# args: command line, expected REMASTER_NLAYERS, expected REMASTER_LAYERS.
# remaster_layers_parse accepts it with that result.
layers_ok() {
    CMDLINE=$1
    remaster_layers_parse && same "$2" "$REMASTER_NLAYERS" && same "$3" "$REMASTER_LAYERS" &&
        same "" "$REMASTER_LAYERS_ERROR"
}

# args: command line, text the error must contain. remaster_layers_parse
# rejects it, clearing the results.
layers_bad() {
    CMDLINE=$1
    REMASTER_LAYERS=stale REMASTER_NLAYERS=7
    if remaster_layers_parse; then
        echo "  accepted: $1 -> $REMASTER_LAYERS" >&2
        return 1
    fi
    same "" "$REMASTER_LAYERS" && same 0 "$REMASTER_NLAYERS" || return 1
    case "$REMASTER_LAYERS_ERROR" in
        *"$2"*) return 0 ;;
    esac
    echo "  error without '$2': $REMASTER_LAYERS_ERROR" >&2
    return 1
}

top="root=remaster rd.remaster.dir=/remaster/20261124-090000"
check "no rd.remaster.layers: no layers" layers_ok "$top" 0 ""
check "empty rd.remaster.layers: no layers" layers_ok "$top rd.remaster.layers=" 0 ""
check "one layer" layers_ok "$top rd.remaster.layers=/remaster/20261120-070000" 1 "/remaster/20261120-070000"
check "three layers keep their order" layers_ok \
    "$top rd.remaster.layers=/remaster/3,/remaster/1-2,/remaster/20261101-000000-2" 3 \
    "/remaster/3 /remaster/1-2 /remaster/20261101-000000-2"
check "the last rd.remaster.layers wins" layers_ok \
    "$top rd.remaster.layers=/remaster/1 rd.remaster.layers=/remaster/2" 1 "/remaster/2"
many=/remaster/1
i=2
while [ "$i" -le 64 ]; do
    many=$many,/remaster/$i
    i=$((i + 1))
done
check "64 layers are accepted" layers_ok "$top rd.remaster.layers=$many" 64 "$(echo "$many" | tr , ' ')"
check "65 layers are refused" layers_bad "$top rd.remaster.layers=$many,/remaster/65" "more than 64 layers"
check "a path outside /remaster is refused" layers_bad "$top rd.remaster.layers=/etc" "layer 1 '/etc' is not a snapshot dir"
check "'..' is refused" layers_bad "$top rd.remaster.layers=/remaster/../etc" "is not a snapshot dir"
check "a trailing '/' is refused" layers_bad "$top rd.remaster.layers=/remaster/1/" "is not a snapshot dir"
check "a bare /remaster/ is refused" layers_bad "$top rd.remaster.layers=/remaster/" "is not a snapshot dir"
check "letters in an id are refused" layers_bad "$top rd.remaster.layers=/remaster/1,/remaster/abc" "layer 2 '/remaster/abc'"
check "a glob is refused" layers_bad "$top rd.remaster.layers=/remaster/*" "is not a snapshot dir"
check "a command substitution is refused" layers_bad "$top rd.remaster.layers=/remaster/1\$(reboot)" "is not a snapshot dir"
check "a ';' is refused" layers_bad "$top rd.remaster.layers=/remaster/1;reboot" "is not a snapshot dir"
check "an empty entry is refused" layers_bad "$top rd.remaster.layers=/remaster/1,,/remaster/2" "layer 2 '' is not a snapshot dir"
check "a trailing comma is refused" layers_bad "$top rd.remaster.layers=/remaster/1," "layer 2 ''"
check "a layer listed twice is refused" layers_bad "$top rd.remaster.layers=/remaster/1,/remaster/2,/remaster/1" "layer 3 '/remaster/1' is listed twice"
check "rd.remaster.dir as a layer is refused" layers_bad "$top rd.remaster.layers=/remaster/20261124-090000" "is rd.remaster.dir itself"
check "rd.remaster.dir with a trailing '/' as a layer is refused" layers_bad \
    "root=remaster rd.remaster.dir=/remaster/5/ rd.remaster.layers=/remaster/5" "is rd.remaster.dir itself"

# args: command line, expected output of remaster_overlay_opts.
opts_are() {
    CMDLINE=$1
    _got=$(remaster_overlay_opts) && same "$2" "$_got"
}
R=$REMASTER_RUN
check "overlay options without layers" opts_are "$top" \
    "lowerdir=$R/lower,upperdir=$R/rw/upper,workdir=$R/rw/work"
check "overlay options with two layers" opts_are "$top rd.remaster.layers=/remaster/2,/remaster/1" \
    "lowerdir=$R/lower:$R/lower.1:$R/lower.2,upperdir=$R/rw/upper,workdir=$R/rw/work"
opts_refused() {
    CMDLINE="$top rd.remaster.layers=/x"
    _got=$(remaster_overlay_opts) && return 1
    same "" "$_got"
}
check "no overlay options for malformed layers" opts_refused
check "lower dir of the top" same "$R/lower" "$(remaster_lower_dir 0)"
check "lower dir of layer 3" same "$R/lower.3" "$(remaster_lower_dir 3)"
check "RAM image of the top" same "$R/ram/filesystem.squashfs" "$(remaster_ram_image 0)"
check "RAM image of layer 2" same "$R/ram/2.squashfs" "$(remaster_ram_image 2)"

# args: command line, expected remaster_timeout.
timeout_is() {
    CMDLINE=$1
    same "$2" "$(remaster_timeout)"
}
check "timeout defaults to 60" timeout_is "$top" 60
check "timeout in seconds" timeout_is "$top rd.remaster.timeout=5" 5
check "an empty timeout is 60" timeout_is "$top rd.remaster.timeout=" 60
check "a negative timeout is 60" timeout_is "$top rd.remaster.timeout=-1" 60
check "a non-number timeout is 60" timeout_is "$top rd.remaster.timeout=1\$(reboot)" 60
uuid_lower() {
    CMDLINE="$top rd.remaster.uuid=ABCDEF01-2345-6789-ABCD-EF0123456789"
    same abcdef01-2345-6789-abcd-ef0123456789 "$(remaster_uuid)"
}
check "the uuid is lower-cased" uuid_lower

# args: command line, expected REMASTER_PERSIST.
persist_ok() {
    CMDLINE=$1
    : > "$work/warnings"
    remaster_get_persist && same "$2" "$REMASTER_PERSIST" && same "" "$(cat "$work/warnings")"
}
# args: command line. remaster_get_persist fails the boot with a message.
persist_bad() {
    CMDLINE=$1
    : > "$work/warnings"
    remaster_get_persist && return 1
    grep -q "is not a profile name" "$work/warnings"
}
check "no rd.remaster.persist: persistence off" persist_ok "$top" ""
check "a profile name" persist_ok "$top rd.remaster.persist=work_2-b" work_2-b
check "rd.remaster.persist without a value fails" persist_bad "$top rd.remaster.persist"
check "an empty profile fails" persist_bad "$top rd.remaster.persist="
check "a profile with '/' fails" persist_bad "$top rd.remaster.persist=../../etc"
check "a profile with '.' fails" persist_bad "$top rd.remaster.persist=.."
check "a profile with a substitution fails" persist_bad "$top rd.remaster.persist=a\$(reboot)"
check "the boot's fail hook names the bad profile" grep -q "rd.remaster.persist='a\$(reboot)'" \
    "$hookdir/emergency/50-remaster.sh"
similar_key() {
    CMDLINE="$top rd.remaster.persistence=1"
    ! remaster_persist_given
}
check "rd.remaster.persistence is not rd.remaster.persist" similar_key

# --- remaster_verify: SHA256SUMS as written by remaster, and hostile ones ---

snap=$work/stick/remaster/1
mkdir -p "$snap"
printf 'image' > "$snap/filesystem.squashfs"
printf 'kernel' > "$snap/vmlinuz"
printf 'secret' > "$work/stick/outside"
sum() { sha256sum < "$1" | cut -d' ' -f1; }
good="$(sum "$snap/filesystem.squashfs")  filesystem.squashfs
$(sum "$snap/vmlinuz") *vmlinuz"

# args: SHA256SUMS content, text the failure must contain ("" = must pass),
# RAM copy or empty.
verify_is() {
    printf '%s\n' "$1" > "$snap/SHA256SUMS"
    : > "$work/warnings"
    if [ -z "$2" ]; then
        remaster_verify /remaster/1 "$snap" "${3:-}" 2> /dev/null && same "" "$(cat "$work/warnings")"
        return
    fi
    remaster_verify /remaster/1 "$snap" "${3:-}" 2> /dev/null && return 1
    grep -q -- "$2" "$work/warnings" || {
        echo "  warnings: $(cat "$work/warnings")" >&2
        return 1
    }
}
check "verify passes a good list (text and binary mode)" verify_is "$good" ""
check "verify passes upper-case hex" verify_is "$(sum "$snap/filesystem.squashfs" | tr a-f A-F)  filesystem.squashfs" ""
check "verify catches a changed file" verify_is "$(sum "$snap/vmlinuz")  filesystem.squashfs" "is corrupted"
check "verify refuses a list without filesystem.squashfs" verify_is "$(sum "$snap/vmlinuz")  vmlinuz" "does not list filesystem.squashfs"
check "verify refuses a name outside the dir" verify_is "$good
$(sum "$work/stick/outside")  ../../outside" "malformed line"
check "verify refuses a name with '/'" verify_is "$good
$(sum "$snap/vmlinuz")  sub/vmlinuz" "malformed line"
check "verify refuses a short sum" verify_is "abc  filesystem.squashfs" "malformed line"
check "verify refuses non-hex" verify_is "$(sum "$snap/vmlinuz" | tr 0-9 g-p)  vmlinuz" "malformed line"
check "verify refuses a listed file that is missing" verify_is "$good
$(sum "$snap/vmlinuz")  initrd.img" "missing on the stick"
check "verify checks the RAM copy instead of the stick's image" verify_is "$good" "is corrupted" "$snap/vmlinuz"
check "a corrupted stick: write the stick again" verify_is "$(sum "$snap/vmlinuz")  filesystem.squashfs" \
    "not booting it. Write the stick again."
iso_says() {
    CMDLINE="root=remaster rd.remaster.uuid=2026-11-24-09-00-00-00"
    verify_is "$1" "$2"
    _rc=$?
    CMDLINE=
    return "$_rc"
}
check "a corrupted ISO: make or download the ISO again, not rewrite a stick" \
    iso_says "$(sum "$snap/vmlinuz")  filesystem.squashfs" "Make or download the ISO again"
check "an ISO's missing file is missing on the ISO" iso_says "$good
$(sum "$snap/vmlinuz")  initrd.img" "missing on the ISO"
no_sums() {
    rm -f "$snap/SHA256SUMS"
    : > "$work/warnings"
    ! remaster_verify /remaster/1 "$snap" "" 2> /dev/null && grep -q "SHA256SUMS not found" "$work/warnings"
}
check "verify refuses a dir without SHA256SUMS" no_sums

# --- remaster_mount_lower's steps, with mount, umount, modprobe and sleep
# recorded instead of run ---------------------------------------------------

mount() {
    printf 'mount %s\n' "$*" >> "$work/calls"
    eval "_mp=\${$#}"
    printf '%s\n' "$_mp" >> "$work/mounts"
}
umount() {
    printf 'umount %s\n' "$*" >> "$work/calls"
    grep -vxF "$1" "$work/mounts" > "$work/mounts.new"
    mv "$work/mounts.new" "$work/mounts"
}
modprobe() { :; }
sleep() { :; }

REMASTER_RUN=$work/run
M=$REMASTER_RUN/medium
uuid=0123abcd-0000-4000-8000-000000000001
# The stick's device node: any block device will do, the mounts are fake.
mknod "$work/by-uuid/$uuid" b 7 0 2> /dev/null ||
    ln -s "$(find /dev -maxdepth 1 -type b | head -n 1)" "$work/by-uuid/$uuid"
boot="root=remaster rd.remaster.uuid=$uuid rd.remaster.dir=/remaster/3 rd.remaster.timeout=1"
for i in 1 2 3; do
    mkdir -p "$M/remaster/$i"
    printf 'image %s' "$i" > "$M/remaster/$i/filesystem.squashfs"
done

# args: command line, then lines already in $work/mounts (an earlier
# attempt). Runs remaster_mount_lower; its status, calls in $work/calls.
lower() {
    CMDLINE=$1
    shift
    rm -rf "$REMASTER_RUN/rw" "$REMASTER_RUN/ram" "$M/remaster/persist"
    : > "$work/calls"
    : > "$work/warnings"
    printf '%s\n' "$@" | grep . > "$work/mounts"
    remaster_mount_lower 2> /dev/null
}
# args: text. A recorded call contains it.
called() { grep -qF -- "$1" "$work/calls"; }
# args: text. No recorded call contains it.
not_called() { ! grep -qF -- "$1" "$work/calls"; }
calls_are() {
    _want=$(printf '%s\n' "$@")
    same "$_want" "$(cat "$work/calls")"
}
R=$REMASTER_RUN
D=$work/by-uuid/$uuid

plain_boot() {
    lower "$boot" && calls_are "mount -t ext4 -o ro,noload $D $M" \
        "mount -t squashfs -o ro,loop $M/remaster/3/filesystem.squashfs $R/lower" \
        "mount -t tmpfs -o mode=0755 remaster-rw $R/rw" && [ -d "$R/rw/upper" ] && [ -d "$R/rw/work" ]
}
check "a plain boot mounts the stick read-only, the image and a tmpfs" plain_boot
layers_boot() {
    lower "$boot rd.remaster.layers=/remaster/2,/remaster/1" && calls_are "mount -t ext4 -o ro,noload $D $M" \
        "mount -t squashfs -o ro,loop $M/remaster/2/filesystem.squashfs $R/lower.1" \
        "mount -t squashfs -o ro,loop $M/remaster/1/filesystem.squashfs $R/lower.2" \
        "mount -t squashfs -o ro,loop $M/remaster/3/filesystem.squashfs $R/lower" \
        "mount -t tmpfs -o mode=0755 remaster-rw $R/rw"
}
check "layers are mounted nearest first, the top last" layers_boot
persist_boot() {
    lower "$boot rd.remaster.persist=p" && calls_are "mount -t ext4 -o rw,noatime $D $M" \
        "mount -t squashfs -o ro,loop $M/remaster/3/filesystem.squashfs $R/lower" \
        "mount --bind $M/remaster/persist/p $R/rw" &&
        same "755 700" "$(stat -c %a "$M/remaster/persist/p/upper") $(stat -c %a "$M/remaster/persist/p/work")"
}
check "persistence mounts the stick read-write and binds the profile on rw" persist_boot
ram_boot() {
    lower "$boot rd.remaster.ram rd.remaster.layers=/remaster/1" && not_called "rw,noatime" &&
        called "mount -t squashfs -o ro,loop $R/ram/1.squashfs $R/lower.1" &&
        called "mount -t squashfs -o ro,loop $R/ram/filesystem.squashfs $R/lower" && called "umount $M" &&
        cmp -s "$R/ram/1.squashfs" "$M/remaster/1/filesystem.squashfs"
}
check "RAM mounts the copies and unmounts the stick" ram_boot
ram_persist_boot() {
    lower "$boot rd.remaster.ram rd.remaster.persist=p" && called "mount -t ext4 -o ro,noload" && not_called "--bind"
}
check "RAM wins over persistence" ram_persist_boot
retry_lower() { lower "$boot" "$R/lower" && calls_are "mount -t tmpfs -o mode=0755 remaster-rw $R/rw"; }
check "a retry with lower mounted mounts only rw" retry_lower
retry_medium() { lower "$boot" "$M" && not_called "-t ext4" && called "$R/lower"; }
check "a retry with the stick mounted does not mount it again" retry_medium
missing_layer() {
    ! lower "$boot rd.remaster.layers=/remaster/9" && not_called squashfs && not_called tmpfs &&
        grep -q "layer 1, /remaster/9/filesystem.squashfs, not found" "$work/warnings"
}
check "a missing layer image fails before anything is mounted from the stick" missing_layer
missing_top() {
    ! lower "root=remaster rd.remaster.uuid=$uuid rd.remaster.dir=/remaster/8" && not_called squashfs &&
        grep -q "/remaster/8/filesystem.squashfs not found" "$work/warnings"
}
check "a missing top image fails" missing_top
no_stick() {
    ! lower "root=remaster rd.remaster.uuid=ffff rd.remaster.dir=/remaster/3 rd.remaster.timeout=1" &&
        not_called mount && grep -q "no filesystem with UUID ffff appeared within 1s" "$work/warnings"
}
check "a stick that does not appear fails after the timeout" no_stick
bad_layers() { ! lower "$boot rd.remaster.layers=/etc" && not_called mount; }
check "a malformed rd.remaster.layers fails before the stick is touched" bad_layers

# An ISO (snapshot --iso): found by its iso9660 UUID, the volume time.
isouuid=2026-12-01-18-55-45-00
ln -s "$(readlink -f "$work/by-uuid/$uuid")" "$work/by-uuid/$isouuid" 2> /dev/null ||
    cp -a "$work/by-uuid/$uuid" "$work/by-uuid/$isouuid"
iso="root=remaster rd.remaster.uuid=$isouuid rd.remaster.dir=/remaster/3 rd.remaster.timeout=1"
I=$work/by-uuid/$isouuid
fstype_is() { CMDLINE="root=remaster rd.remaster.uuid=$1" && same "$2" "$(remaster_medium_fstype)"; }
check "an ISO 9660 UUID is an iso9660 medium" fstype_is "$isouuid" iso9660
check "an ext4 UUID is a stick" fstype_is "$uuid" ext4
check "a UUID of the ISO form but too short is a stick" fstype_is 2026-12-01-18-55-45 ext4
iso_boot() {
    lower "$iso" && calls_are "mount -t iso9660 -o ro $I $M" \
        "mount -t squashfs -o ro,loop $M/remaster/3/filesystem.squashfs $R/lower" \
        "mount -t tmpfs -o mode=0755 remaster-rw $R/rw"
}
check "an ISO is mounted read-only as iso9660" iso_boot
iso_persist() {
    lower "$iso rd.remaster.persist=p" && called "mount -t iso9660 -o ro" && not_called "--bind" &&
        called "remaster-rw $R/rw"
}
check "persistence on an ISO is ignored: changes stay in RAM" iso_persist
iso_ram() { lower "$iso rd.remaster.ram" && called "mount -t iso9660 -o ro" && called "$R/ram/filesystem.squashfs"; }
check "an ISO copied to RAM mounts the copy" iso_ram


# --- the ISO as a file on another disk (rd.remaster.iso, GRUB loopback) ------

# args: command line, expected REMASTER_ISO, expected REMASTER_ISO_FS.
iso_args_ok() {
    CMDLINE=$1
    : > "$work/warnings"
    remaster_get_iso && same "$2" "$REMASTER_ISO" && same "$3" "$REMASTER_ISO_FS" && same "" "$(cat "$work/warnings")"
}
# args: command line, text the failure must contain.
iso_args_bad() {
    CMDLINE=$1
    : > "$work/warnings"
    if remaster_get_iso; then
        echo "  accepted: $1 -> '$REMASTER_ISO'" >&2
        return 1
    fi
    grep -qF -- "$2" "$work/warnings" || {
        echo "  warnings: $(cat "$work/warnings")" >&2
        return 1
    }
}
check "no rd.remaster.iso: the ISO is a device" iso_args_ok "$iso" "" ""
check "rd.remaster.iso and its filesystem's UUID (lower-cased)" iso_args_ok \
    "$iso rd.remaster.iso=/isos/live-1.iso rd.remaster.iso.fsuuid=ABCD-12EF" /isos/live-1.iso abcd-12ef
check "an empty rd.remaster.iso.fsuuid: look everywhere" iso_args_ok \
    "$iso rd.remaster.iso=/live.iso rd.remaster.iso.fsuuid=" /live.iso ""
check "an empty rd.remaster.iso (GRUB had no iso_path) is refused" iso_args_bad "$iso rd.remaster.iso=" "is not the path of an ISO file"
check "rd.remaster.iso without a value is refused" iso_args_bad "$iso rd.remaster.iso" "is not the path of an ISO file"
check "a relative rd.remaster.iso is refused" iso_args_bad "$iso rd.remaster.iso=isos/live.iso" "is not an absolute path"
check "'..' in rd.remaster.iso is refused" iso_args_bad "$iso rd.remaster.iso=/isos/../../etc/x" "without '..'"
check "a trailing '..' in rd.remaster.iso is refused" iso_args_bad "$iso rd.remaster.iso=/isos/.." "without '..'"
check "a bad rd.remaster.iso.fsuuid is refused" iso_args_bad \
    "$iso rd.remaster.iso=/live.iso rd.remaster.iso.fsuuid=a\$(reboot)" "is not a filesystem UUID"
check "rd.remaster.iso with a stick's UUID is refused" iso_args_bad \
    "$boot rd.remaster.iso=/live.iso" "needs rd.remaster.uuid=<the ISO's UUID>"
similar_iso_key() {
    CMDLINE="$iso rd.remaster.isofile=/x"
    ! remaster_iso_given
}
check "rd.remaster.isofile is not rd.remaster.iso" similar_iso_key

# blkid, recorded: a FAT volume for ABCD-12EF, ext4 otherwise; a file's UUID
# is its first line (the test's ISO files hold their UUID as text).
blkid() {
    eval "_bd=\${$#}"
    case "$*" in
        *TYPE*) case "$_bd" in *ABCD-12EF*) echo vfat ;; *) echo ext4 ;; esac ;;
        *UUID*) [ -f "$_bd" ] && head -n 1 "$_bd" ;;
    esac
}
FAT=$work/by-uuid/ABCD-12EF
mknod "$FAT" b 7 0 2> /dev/null || ln -s "$(readlink -f "$D")" "$FAT"
mkdir -p "$R/isodisk/isos"
F=$R/isodisk/isos/live.iso
isofile="$iso rd.remaster.iso=/isos/live.iso"
isofile_fs() {
    echo "$isouuid" > "$F"
    lower "$isofile rd.remaster.iso.fsuuid=abcd-12ef" && calls_are "mount -t vfat -o ro $FAT $R/isodisk" \
        "mount -t iso9660 -o ro,loop $F $M" \
        "mount -t squashfs -o ro,loop $M/remaster/3/filesystem.squashfs $R/lower" \
        "mount -t tmpfs -o mode=0755 remaster-rw $R/rw"
}
check "an ISO file: its filesystem by GRUB's UUID (any case), read-only, then the file loop-mounted" isofile_fs
isofile_search() {
    echo "$isouuid" > "$F"
    lower "$isofile" && calls_are "mount -t ext4 -o ro,noload $D $R/isodisk" \
        "mount -t iso9660 -o ro,loop $F $M" \
        "mount -t squashfs -o ro,loop $M/remaster/3/filesystem.squashfs $R/lower" \
        "mount -t tmpfs -o mode=0755 remaster-rw $R/rw" && not_called "$I"
}
check "an ISO file without fsuuid: every filesystem is searched (ext4 without journal replay), never the ISO's own" isofile_search
isofile_other() {
    echo 2020-01-01-00-00-00-00 > "$F"
    ! lower "$isofile rd.remaster.iso.fsuuid=abcd-12ef" && not_called iso9660 && not_called squashfs &&
        called "umount $R/isodisk" && ! ismounted "$R/isodisk" &&
        grep -q "rd.remaster.iso=/isos/live.iso: no filesystem (UUID abcd-12ef first) holds that file as the ISO with UUID $isouuid within 1s" "$work/warnings"
}
check "a file of that name that is another ISO is not booted: fails after the timeout, nothing left mounted" isofile_other
isofile_missing() {
    rm -f "$F"
    ! lower "$isofile" && not_called iso9660 && grep -q "no filesystem holds that file" "$work/warnings"
}
check "an ISO file on no filesystem fails after the timeout" isofile_missing
isofile_ram() {
    echo "$isouuid" > "$F"
    lower "$isofile rd.remaster.ram" && called "$R/ram/filesystem.squashfs $R/lower" && called "umount $M" &&
        called "umount $R/isodisk" && ! ismounted "$R/isodisk"
}
check "an ISO file copied to RAM releases the file and its disk" isofile_ram
isofile_retry() {
    echo "$isouuid" > "$F"
    lower "$isofile" "$R/isodisk" && not_called "-t ext4" && not_called "-t vfat" && called "mount -t iso9660 -o ro,loop $F $M"
}
check "a retry with the ISO's disk mounted does not mount it again" isofile_retry


# --- remaster-ready-live.sh: the live system's verdict line -----------------

# args: answers... Runs the ready script with a systemctl that gives these
# answers in turn (a word is its stdout; "timeout" an error on stderr, as
# when its call to systemd times out). Prints the line it wrote.
ready_line() {
    mkdir -p "$work/bin"
    printf '%s\n' "$@" > "$work/answers"
    : > "$work/asked"
    cat > "$work/bin/systemctl" << 'FAKE'
#!/bin/sh
n=$(wc -l < "$REMASTER_TEST_DIR/asked")
echo >> "$REMASTER_TEST_DIR/asked"
a=$(sed -n "$((n + 1))p" "$REMASTER_TEST_DIR/answers")
[ "$a" = timeout ] && { echo "Failed to query system state: Connection timed out" >&2; exit 1; }
echo "$a"
[ "$a" = running ]
FAKE
    chmod +x "$work/bin/systemctl"
    : > "$work/tty"
    PATH="$work/bin:$PATH" REMASTER_TEST_DIR=$work REMASTER_READY_TRIES=3 REMASTER_READY_PAUSE=0 \
        REMASTER_READY_TTYS="$work/tty" dash "$(dirname "$LIB")/remaster-ready-live.sh"
    cat "$work/tty"
}
ready_after_timeout() {
    same "remaster: live system up (running)" "$(ready_line timeout running)"
}
check "ready: systemd's answer after a timed-out call counts, not the timeout" ready_after_timeout
ready_degraded() {
    same "remaster: live system up (degraded)" "$(ready_line degraded)"
}
check "ready: degraded is up" ready_degraded
ready_failed() {
    same "remaster: live system did not start (maintenance)" "$(ready_line maintenance)"
}
check "ready: maintenance is a failure" ready_failed
ready_no_answer() {
    same "remaster: live system did not start (no answer from systemd: Failed to query system state: Connection timed out)" \
        "$(ready_line timeout timeout timeout running)"
}
check "ready: no answer after every try is a failure naming systemctl's error" ready_no_answer

# --- rd.remaster.url (network boot) ---------------------------------------------

# args: URL. remaster_url_problem accepts it.
url_ok() {
    _uw=$(remaster_url_problem "$1") && same "" "$_uw"
}
# args: URL, text the reason must contain. remaster_url_problem refuses it.
url_bad() {
    if _uw=$(remaster_url_problem "$1"); then
        echo "  accepted: $1" >&2
        return 1
    fi
    case "$_uw" in
        *"$2"*) return 0 ;;
    esac
    printf '  reason: %s\n' "$_uw" >&2
    return 1
}
check "url: http with a port and a path" url_ok "http://10.0.2.2:8000/nb/"
check "url: https without a trailing /" url_ok "https://boot.example.org/live"
check "url: a bare host" url_ok "http://server"
check "url: ftp is refused" url_bad "ftp://server/live/" "is not an http:// or https:// URL"
check "url: a path alone is refused" url_bad "/live/" "is not an http:// or https:// URL"
check "url: empty is refused" url_bad "" "is not an http:// or https:// URL"
check "url: no host is refused" url_bad "http:///live/" "names no server"
check "url: a port without a host is refused" url_bad "http://:8000/" "names no server"
check "url: a space is refused" url_bad "http://server/a b/" "characters a URL cannot have"
check "url: a quote is refused" url_bad "http://server/a'b/" "characters a URL cannot have"
check "url: a \$ is refused" url_bad 'http://server/$(reboot)/' "characters a URL cannot have"
check "url: a backtick is refused" url_bad 'http://server/`reboot`/' "characters a URL cannot have"
tab=$(printf '\t')
check "url: a tab is refused" url_bad "http://server/a${tab}b/" "characters a URL cannot have"
check "url: the directory URL gets one trailing /" same "http://s/live/" "$(remaster_url_dir http://s/live)"
check "url: a trailing / is kept as it is" same "http://s/live/" "$(remaster_url_dir http://s/live/)"
cr=$(printf '\r')
check "content-length: the last response's, after a redirect, CRLF and any case" same 12345 \
    "$(printf 'HTTP/1.1 301 Moved\r\nContent-Length: 5\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 12345\r\n\r\n' | remaster_content_length)"
check "content-length: none" same "" "$(printf 'HTTP/1.1 200 OK%s\n' "$cr" | remaster_content_length)"
check "content-length: not a number" same "" "$(printf 'Content-Length: 12x\n' | remaster_content_length)"
printf '%s  filesystem.squashfs\n%s  vmlinuz\n' "$(printf 'A%.0s' $(seq 64))" "$(printf 'b%.0s' $(seq 64))" > "$work/sums"
check "sum_of: the squashfs' sum, in lower case" same "$(printf 'a%.0s' $(seq 64))" \
    "$(remaster_sum_of "$work/sums" filesystem.squashfs)"
sum_unlisted() { ! remaster_sum_of "$work/sums" initrd.img > /dev/null; }
check "sum_of: a name not listed fails" sum_unlisted
printf 'abc  filesystem.squashfs\n' > "$work/sums-short"
sum_short() { ! remaster_sum_of "$work/sums-short" filesystem.squashfs > /dev/null; }
check "sum_of: a malformed sum fails" sum_short
opts_url() {
    CMDLINE="root=remaster rd.remaster.url=http://s/ rd.remaster.layers=/remaster/1,/remaster/2"
    same "lowerdir=$REMASTER_RUN/lower,upperdir=$REMASTER_RUN/rw/upper,workdir=$REMASTER_RUN/rw/work" \
        "$(remaster_overlay_opts)"
}
check "url: the overlay has the one downloaded layer, rd.remaster.layers ignored" opts_url
printf 'Iface\tDestination\tGateway\n' > "$work/route"
REMASTER_NET_ROUTE=$work/route
no_route() { ! remaster_has_route; }
check "route: the table's header alone is no route" no_route
printf 'eth0\t0002000A\t00000000\n' >> "$work/route"
check "route: a route without a gateway is one (DHCP done)" remaster_has_route
unset REMASTER_NET_ROUTE

# --- rd.remaster.update (remaster-update.sh): the "newer snapshot" rule -------

# shellcheck source=../../dracut-module/remaster-update.sh
. "$(dirname "$LIB")/remaster-update.sh"
uname() { echo 6.1.0-9-amd64; }
newer() { remaster_id_newer "$1" "$2"; }
not_newer() { ! remaster_id_newer "$1" "$2"; }
check "update: a later second is newer" newer 20261206-003509 20261206-003510
check "update: a later day is newer, whatever the time" newer 20261206-235959 20261207-000000
check "update: the same id is not newer" not_newer 20261206-003509 20261206-003509
check "update: an earlier id is not newer" not_newer 20261206-003509 20261205-003509
check "update: -2 is newer than none (the second snapshot of that second)" newer 20261206-003509 20261206-003509-2
check "update: -10 is newer than -2 (numbers, not text)" newer 20261206-003509-2 20261206-003509-10
check "update: -010 is 10, not octal 8" newer 20261206-003509-9 20261206-003509-010
check "update: -2 is not newer than -10" not_newer 20261206-003509-10 20261206-003509-2
for bad in "" x 2026120-003509 20261206-00350 20261206003509 20261206-003509- 20261206-003509-x \
    20261206-003509-1234567 "20261206-003509 -2" "2026120a-003509" "99999999999999999999-000000" \
    '20261206-003509-$(reboot)' "../20261206-003509"; do
    check "update: the server's id '$bad' is never newer" not_newer 20261206-003509 "$bad"
done
# args: the stick's info text, the server's info text. Prints the rule's
# verdict (the server's id, or why not) and "status=N".
rule() {
    printf '%s' "$1" > "$work/local.info"
    printf '%s' "$2" > "$work/remote.info"
    remaster_update_rule "$work/local.info" "$work/remote.info" 20261206-003509
    echo "status=$?"
}
sys="system=0123456789abcdef"
check "update rule: same system, newer, same kernel: boot it" same "20261206-010000
status=0" "$(rule "$sys
" "id=20261206-010000
$sys
kernel=6.1.0-9-amd64
")"
check "update rule: another system is refused" same "the server has a snapshot of another system (20261206-010000)
status=1" "$(rule "$sys
" "id=20261206-010000
system=fedcba9876543210
kernel=6.1.0-9-amd64
")"
check "update rule: an older snapshot is not booted" same "the server's snapshot 20261205-010000 is not newer than this stick's
status=1" "$(rule "$sys
" "id=20261205-010000
$sys
kernel=6.1.0-9-amd64
")"
kernel_other() {
    case "$(rule "$sys
" "id=20261206-010000
$sys
kernel=6.2.0-1-amd64
")" in
        *"runs kernel '6.2.0-1-amd64', this stick boots 6.1.0-9-amd64"*"status=1") return 0 ;;
    esac
    return 1
}
check "update rule: another kernel is not booted from this stick's initramfs" kernel_other
check "update rule: no id" same "the server's snapshot.info has no valid snapshot id
status=1" "$(rule "$sys
" "$sys
kernel=6.1.0-9-amd64
")"
check "update rule: a system field that only starts the same is another system" same "the server has a snapshot of another system (20261206-010000)
status=1" "$(rule "$sys
" "id=20261206-010000
${sys}00
kernel=6.1.0-9-amd64
")"
check "update rule: the first of two id lines counts, and must be valid" same "the server's snapshot.info has no valid snapshot id
status=1" "$(rule "$sys
" "id=junk
id=20261206-010000
$sys
kernel=6.1.0-9-amd64
")"
check "update rule: a stick snapshot without a system never updates" same "this stick's snapshot 20261206-003509 does not say which system it is
status=1" "$(rule "" "id=20261206-010000
$sys
kernel=6.1.0-9-amd64
")"
binary_info() {
    head -c 4096 /dev/urandom > "$work/remote.info"
    printf '%s\n' "$sys" > "$work/local.info"
    ! remaster_update_rule "$work/local.info" "$work/remote.info" 20261206-003509 > /dev/null
}
check "update rule: random bytes from the server are refused" binary_info
no_final_newline() {
    printf '%s\n' "$sys" > "$work/local.info"
    printf 'id=20261206-010000\n%s\nkernel=6.1.0-9-amd64' "$sys" > "$work/remote.info"
    same 20261206-010000 "$(remaster_update_rule "$work/local.info" "$work/remote.info" 20261206-003509)"
}
check "update rule: the last line without a newline still counts" no_final_newline
check "update: rd.remaster.update.timeout defaults to 20 s" same 20 "$(CMDLINE="root=remaster" remaster_update_timeout)"
check "update: rd.remaster.update.timeout=5" same 5 "$(CMDLINE="root=remaster rd.remaster.update.timeout=5" remaster_update_timeout)"
check "update: a bad rd.remaster.update.timeout is the default" same 20 "$(CMDLINE="root=remaster rd.remaster.update.timeout=5s" remaster_update_timeout)"
# The network is optional for the update entry: dracut's wait for it gives up
# at the update's deadline.
soften() {
    mkdir -p "$hookdir/initqueue/finished"
    echo 'for i in /tmp/net.*.did-setup; do [ -f "$i" ]  && exit 0; done; exit 1' > "$hookdir/initqueue/finished/wait-network.sh"
    echo 'exit 1' > "$hookdir/initqueue/finished/devexists-stick.sh"
    CMDLINE="root=remaster rd.remaster.update=http://s/ rd.remaster.update.timeout=$1"
    remaster_update_network_optional
}
past_deadline() {
    soften 0
    (. "$hookdir/initqueue/finished/wait-network.sh") && ! (. "$hookdir/initqueue/finished/devexists-stick.sh")
}
check "update: past the deadline dracut's network wait is over, the stick's is not" past_deadline
before_deadline() {
    soften 100000
    ! (. "$hookdir/initqueue/finished/wait-network.sh") && grep -q 'did-setup' "$hookdir/initqueue/finished/wait-network.sh"
}
check "update: before it, dracut's own test still decides" before_deadline
check "update: the deadline is recorded for the update's own wait" test -s "$REMASTER_RUN/update/deadline"
mkdir -p "$work/net/lo"
REMASTER_SYS_NET=$work/net
no_nic() { ! remaster_has_nic; }
check "update: lo alone is no network interface" no_nic
wait_capped() {
    echo 0 > "$REMASTER_RUN/update/deadline"
    ! remaster_wait_route 30 || grep -qv '^Iface' /proc/net/route
}
check "update: without a network interface the route wait ends at the recorded deadline" wait_capped
mkdir -p "$work/net/eth0"
check "update: eth0 is a network interface" remaster_has_nic
unset -f uname

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
