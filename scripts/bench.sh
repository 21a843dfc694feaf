#!/usr/bin/env bash
# Squashes the same root with remaster and with mksquashfs, same compressor,
# level and block size, interleaved, several pairs, and prints median wall
# time, CPU time, peak RSS, output size and the ratios side by side. Then a
# phase breakdown of `snapshot --to IMAGE` (its --timings), then the same
# snapshot again onto that stick (a layer) and once more with --full (a new
# base that copies the old blocks), against the first; and `snapshot --iso`
# against --squashfs and against mksquashfs + xorriso by hand. Last, the
# boot time of a workstation's stick (the host's fstab, crypttab, swap and
# resume, whose disks are not there) against the plain root's (issue 14).
#   scripts/bench.sh [ROOT] [PAIRS]     (default: the cached Debian test root, 3 pairs)
#   ISO=0 leaves out the --iso comparison; LEVELS= PHASES=0 runs only it.
# Environment: LEVELS="3 15" (zstd levels), BLOCK=131072, JOBS=$(nproc),
#   CACHES="cold warm" (cold: page cache dropped before each run; warm: the
#   root read once before the pairs and left in the page cache, as on a
#   running system that was just in use),
#   NICE=-10 (both tools run at this niceness, so that other load on a shared
#   machine disturbs the comparison less; NICE=0 to run as is),
#   PHASES=1 (0 skips the `snapshot --to IMAGE` breakdown),
#   BOOTS=2 (pairs of boots, plain and workstation stick, TCG; 0 skips them),
#   REMASTER=build/remaster (the binary; a copy keeps a rebuild from changing it mid-run).
#
# Fairness: mksquashfs gets the paths remaster leaves out in this root (taken
# from `snapshot --dry-run`), so both compress the same files; remaster fsyncs
# its image before renaming it into place, so mksquashfs's image is fsynced
# too (`sync FILE`) inside its timed run. Cold runs drop the caches first.
set -euo pipefail
cd "$(dirname "$0")/.."
remaster=${REMASTER:-build/remaster}
[[ -x $remaster ]] || scripts/build.sh >/dev/null
root=${1:-$(tests/vm/lib/debian-root.sh)}
pairs=${2:-3}
levels=${LEVELS-3 15}
block=${BLOCK:-131072}
jobs=${JOBS:-$(nproc)}
nice=${NICE:--10}
phases=${PHASES:-1}
caches=${CACHES-cold warm}
boots=${BOOTS:-2} # pairs of boots, plain and workstation; 0 skips them
out=$(mktemp -d /var/tmp/remaster-bench.XXXXXX)
# set -e holds in the trap too: a failed umount (nothing mounted) must not set the exit status.
trap 'umount "$out"/*-root 2>/dev/null || :; rm -rf --one-file-system "$out" || :' EXIT

# What remaster leaves out of this root, as mksquashfs -wildcards patterns:
# "empty /dev (why)" keeps /dev but not what is in it; "exclude /x (why)"
# drops /x. The listing is "  ACTION PATH  (REASON)".
"$remaster" snapshot --dry-run --root "$root" --squashfs "$out/dry.sqfs" |
  sed -n '/^Excluded in this root:/,$p' | sed -nE 's/^  (empty|exclude) +(.*)  \(.*\)$/\1 \2/p' |
  while read -r action path; do
    path=${path#/}
    path=$(printf '%s' "$path" | sed 's/[][*?\\]/\\&/g')
    [[ $action == empty ]] && echo "$path/*" || echo "$path"
  done >"$out/excludes"

# What remaster adds to this root: its own binary and libraries
# (/usr/local/lib/remaster) when the root has no remaster, for `remaster
# install` in the live system. mksquashfs reads the root through an overlay
# with those files on top, as remaster reads its view, so both pack the same.
mk_root=$root
"$remaster" snapshot --root "$root" --quiet --squashfs "$out/probe.sqfs" 2>/dev/null
if unsquashfs -q -d "$out/added" "$out/probe.sqfs" usr/local/lib/remaster >/dev/null 2>&1 &&
  [[ -d $out/added/usr/local/lib/remaster ]]; then
  mkdir "$out/mk-root"
  mount -t overlay -o "lowerdir=$out/added:$root" remaster-bench "$out/mk-root"
  mk_root=$out/mk-root
fi
rm -f "$out/probe.sqfs"

# args: label command... where the word OUT stands for the output file;
# appends "wall cpu rss_kib size" to $out/label
measure() {
  local label=$1 f=$out/img a cmd=()
  shift
  for a in "$@"; do [[ $a == OUT ]] && cmd+=("$f") || cmd+=("$a"); done
  rm -f "$f"
  sync
  [[ $cache == warm ]] || echo 3 >/proc/sys/vm/drop_caches 2>/dev/null || :
  nice -n "$nice" /usr/bin/time -f '%e %U %S %M' -o "$out/time" "${cmd[@]}" >/dev/null 2>"$out/stderr" ||
    { cat "$out/stderr" >&2; exit 1; }
  read -r wall user sys rss <"$out/time"
  echo "$wall $(echo "$user + $sys" | bc) $rss $(stat -c %s "$f")" >>"$out/$label"
}

median() {  # args: file column
  cut -d' ' -f"$2" "$1" | sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'
}

cache=cold # what measure() does; the squash loop below sets it per row
echo "root: $root ($(du -sh "$root" | cut -f1)), block $block, $jobs jobs, $pairs pairs, nice $nice," \
  "page cache: $caches; $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "mksquashfs leaves out what remaster does: $(paste -sd' ' "$out/excludes");" \
  "it reads $([[ $mk_root == "$root" ]] && echo "the root" || echo "the root with remaster's bundle on top")"
printf '%-10s %-5s %-10s %9s %9s %10s %12s\n' level cache tool wall_s cpu_s rss_MiB size_MiB
for level in $levels; do
  for cache in $caches; do
    # Warm: every file read once, so the runs find the root in the page cache.
    [[ $cache == warm ]] && find "$root" "$mk_root/" -xdev -type f -exec cat {} + >/dev/null 2>&1
    for ((i = 0; i < pairs; i++)); do
      measure "remaster-$level-$cache" "$remaster" snapshot --root "$root" --compress "zstd:$level" \
        --block-size "$block" --jobs "$jobs" --quiet --squashfs OUT
      measure "mksquashfs-$level-$cache" sh -c 'mksquashfs "$@" && sync "$2"' mksquashfs "$mk_root" OUT -noappend \
        -no-progress -quiet -comp zstd -Xcompression-level "$level" -b "$block" -processors "$jobs" -wildcards \
        -ef "$out/excludes"
    done
    for tool in remaster mksquashfs; do
      f=$out/$tool-$level-$cache
      printf '%-10s %-5s %-10s %9.2f %9.2f %10.1f %12.1f\n' "zstd:$level" "$cache" "$tool" "$(median "$f" 1)" \
        "$(median "$f" 2)" "$(echo "$(median "$f" 3) / 1024" | bc -l)" "$(echo "$(median "$f" 4) / 1048576" | bc -l)"
    done
    r=$out/remaster-$level-$cache m=$out/mksquashfs-$level-$cache
    printf '%-10s %-5s %-10s %9.2f %9.2f %10.2f %12.3f\n' "zstd:$level" "$cache" "ratio" \
      "$(echo "$(median "$r" 1) / $(median "$m" 1)" | bc -l)" "$(echo "$(median "$r" 2) / $(median "$m" 2)" | bc -l)" \
      "$(echo "$(median "$r" 3) / $(median "$m" 3)" | bc -l)" "$(echo "$(median "$r" 4) / $(median "$m" 4)" | bc -l)"
    echo "  (each run, wall cpu rss_KiB bytes) remaster: $(paste -sd'|' "$r")"
    echo "                                   mksquashfs: $(paste -sd'|' "$m")"
  done
done
cache=cold

# --iso against --squashfs of the same root, and against the same by hand:
# mksquashfs, then xorriso packing that squashfs alone (no kernel, initramfs
# or GRUB). The ISO should cost little more than its squashfs plus dracut.
if [[ ${ISO:-1} == 1 ]]; then
  echo
  echo "snapshot --iso against --squashfs and by hand (one run each, caches dropped, zstd:3):"
  measure iso "$remaster" snapshot --root "$root" --jobs "$jobs" --quiet --timings --iso OUT
  iso_phases=$(sed -n 's/^remaster: timings: //p' "$out/stderr")
  measure sqfs "$remaster" snapshot --root "$root" --jobs "$jobs" --quiet --squashfs OUT
  measure hand-sqfs sh -c 'mksquashfs "$@" && sync "$2"' mksquashfs "$mk_root" OUT -noappend -no-progress \
    -quiet -comp zstd -Xcompression-level 3 -b "$block" -processors "$jobs" -wildcards -ef "$out/excludes"
  mv "$out/img" "$out/hand.sqfs"
  measure hand-iso sh -c 'xorriso -as mkisofs -quiet -iso-level 3 -R -J -o "$1" -graft-points \
    "/remaster/x/filesystem.squashfs=$2" && sync "$1"' xorriso OUT "$out/hand.sqfs"
  rm -f "$out/hand.sqfs"
  # args: label, then the files of $out whose runs add up to it
  iso_row() {
    local label=$1 wall=0 size=0 f
    shift
    for f in "$@"; do
      wall=$(echo "$wall + $(cut -d' ' -f1 "$out/$f")" | bc)
      size=$(cut -d' ' -f4 "$out/$f")
    done
    printf '  %-46s %8.2f s %9.1f MiB\n' "$label" "$wall" "$(echo "$size / 1048576" | bc -l)"
  }
  iso_row "remaster --iso (squash, initramfs, GRUB, ISO)" iso
  iso_row "remaster --squashfs" sqfs
  iso_row "mksquashfs + xorriso (the squashfs only)" hand-sqfs hand-iso
  echo "  --iso phases: $iso_phases"
fi

if [[ $phases == 1 ]]; then
  # Phase breakdown: one `snapshot --timings --to IMAGE` with the default
  # compression, its "remaster: timings: view 0.1 s, scan 0.3 s, ..." line one
  # phase per row.
  # args: log [snapshot options]. One `snapshot --timings --to` the bench's
  # stick image, caches dropped first, its stderr into log.
  stick_run() {
    local log=$1
    shift
    sync
    echo 3 >/proc/sys/vm/drop_caches 2>/dev/null || :
    nice -n "$nice" "$remaster" snapshot --timings --quiet --yes --root "$root" --jobs "$jobs" --to "$out/stick.img" \
      "$@" 2>"$log" || { cat "$log" >&2; exit 1; }
  }
  echo
  echo "snapshot --to IMAGE, phases (one run, caches dropped, default compression, initramfs cache empty):"
  # A cache of the bench's own: the first stick builds its initramfs (cold);
  # the --replace run at the end finds it there (warm).
  stick_run "$out/phases.log" --cache-dir "$out/icache"
  sed -n 's/^remaster: timings: //p' "$out/phases.log" | tr ',' '\n' | sed 's/^ *//' |
    awk '{ printf "  %-10s %7s s\n", $1, $2 }'

  # Incremental: the same snapshot again onto that stick. The root is not ours
  # to change, so this is the fixed cost of a layer (view, scan, comparison with
  # the manifest, a layer of the scrubbed files, menu, sync); the VM test
  # test_boot_incremental.sh times one after a real change.
  echo
  echo "snapshot --to the same IMAGE again (a layer; the root unchanged):"
  stick_run "$out/layer.log" --cache-dir "$out/icache"
  # And --full: a new base, its unchanged files' blocks copied from the old layers.
  stick_run "$out/base.log" --full --cache-dir "$out/icache"
  # And --replace: a new stick of the same system, its initramfs from the cache.
  stick_run "$out/warm.log" --replace --cache-dir "$out/icache"
  total() { sed -n 's/^remaster: timings: .*total \([0-9.]*\) s.*/\1/p' "$1"; }
  squash() { sed -n 's/^remaster: timings: .*squash \([0-9.]*\) s.*/\1/p' "$1"; }
  printf '  %-34s %7.2f s (squash %s s)\n' "first (complete)" "$(total "$out/phases.log")" "$(squash "$out/phases.log")" \
    "second (a layer)" "$(total "$out/layer.log")" "$(squash "$out/layer.log")" \
    "third, --full (blocks copied)" "$(total "$out/base.log")" "$(squash "$out/base.log")" \
    "fourth, --replace (initramfs cached)" "$(total "$out/warm.log")" "$(squash "$out/warm.log")"
  printf '  %-34s %7.3f\n' "ratio second/first" "$(echo "$(total "$out/layer.log") / $(total "$out/phases.log")" | bc -l)" \
    "ratio fourth/first" "$(echo "$(total "$out/warm.log") / $(total "$out/phases.log")" | bc -l)"
  # Each run's phases: the initramfs is built beside the squash ("initramfs N s
  # beside the squash"); the "initramfs" phase is what was left to wait for.
  for run in phases layer base warm; do
    echo "  $run: $(sed -n 's/^remaster: timings: //p' "$out/$run.log")"
  done
  # Against mksquashfs of the same root at the stick's default level (zstd:3),
  # its median from the table above, or one run now.
  m3=$out/mksquashfs-3-cold
  [[ -s $m3 ]] || measure mksquashfs-3-cold sh -c 'mksquashfs "$@" && sync "$2"' mksquashfs "$mk_root" OUT -noappend -no-progress \
    -quiet -comp zstd -Xcompression-level 3 -b "$block" -processors "$jobs" -wildcards -ef "$out/excludes"
  mk=$(median "$m3" 1)
  printf '  %-34s %7.2f s\n' "mksquashfs alone (zstd:3)" "$mk"
  printf '  %-34s %7.2f (goal: at most 3)\n' "ratio first/mksquashfs" "$(echo "$(total "$out/phases.log") / $mk" | bc -l)"
  printf '  %-34s %7.2f (goal: at most 1.3)\n' "ratio fourth/mksquashfs" "$(echo "$(total "$out/warm.log") / $mk" | bc -l)"
fi

# Boot time: a workstation's stick against the plain root's. The host's
# disks in /etc (fstab, crypttab, swap, resume) must cost the live system no
# wait (goal: within 20 %). Both sticks are made from overlays of the root
# (the test root's proof unit, which powers off, masked in both, so that
# boot-test sees the live system up), then booted alternately with
# `remaster boot-test` (TCG, BIOS); boot-test's own "booted in N s".
if ((boots > 0)); then
  # shellcheck source=../tests/vm/lib/workstation-root.sh
  . tests/vm/lib/workstation-root.sh
  echo
  echo "boot time, plain root against a workstation's (fstab, crypttab, swap, resume of absent disks), $boots pairs:"
  for kind in plain ws; do
    mkdir -p "$out/$kind-upper/etc/systemd/system" "$out/$kind-work" "$out/$kind-root"
    ln -s /dev/null "$out/$kind-upper/etc/systemd/system/remaster-proof.service"
    [[ $kind == plain ]] || write_workstation_disks "$out/$kind-upper"
    mount -t overlay -o "lowerdir=$root,upperdir=$out/$kind-upper,workdir=$out/$kind-work" remaster-bench "$out/$kind-root"
    "$remaster" snapshot --quiet --yes --root "$out/$kind-root" --to "$out/$kind.img" --cache-dir "$out/icache" \
      --kernel-args console=ttyS0,115200
    umount "$out/$kind-root"
  done
  for ((i = 0; i < boots; i++)); do
    for kind in plain ws; do
      "$remaster" boot-test --on "$out/$kind.img" --firmware bios --accel tcg --timeout 600 >"$out/boot.out" 2>&1 ||
        { cat "$out/boot.out" >&2; exit 1; }
      grep -oE 'booted in [0-9]+ s' "$out/boot.out" | grep -oE '[0-9]+' >>"$out/boot-$kind"
    done
  done
  # The median; of an even number of runs, the mean of the middle two.
  middle() { sort -n "$1" | awk '{ a[NR] = $1 } END { print (a[int((NR + 1) / 2)] + a[int(NR / 2) + 1]) / 2 }'; }
  p=$(middle "$out/boot-plain")
  w=$(middle "$out/boot-ws")
  printf '  %-34s %7s s (runs: %s)\n' "plain root" "$p" "$(paste -sd' ' "$out/boot-plain")" \
    "workstation root" "$w" "$(paste -sd' ' "$out/boot-ws")"
  printf '  %-34s %7.2f (goal: at most 1.2)\n' "ratio workstation/plain" "$(echo "$w / $p" | bc -l)"
fi
