#!/usr/bin/env bash
# Squashes the same root with remaster and with mksquashfs, same compressor,
# level and block size, interleaved, several pairs, and prints median wall
# time, CPU time, peak RSS, output size and the ratios side by side. Then a
# phase breakdown of `snapshot --to IMAGE`.
#   scripts/bench.sh [ROOT] [PAIRS]     (default: the cached Debian test root, 3 pairs)
# Environment: LEVELS="3 15" (zstd levels), BLOCK=131072, JOBS=$(nproc).
set -euo pipefail
cd "$(dirname "$0")/.."
[[ -x build/remaster ]] || scripts/build.sh >/dev/null
root=${1:-$(tests/vm/lib/debian-root.sh)}
pairs=${2:-3}
levels=${LEVELS:-3 15}
block=${BLOCK:-131072}
jobs=${JOBS:-$(nproc)}
out=$(mktemp -d /var/tmp/remaster-bench.XXXXXX)
trap 'rm -rf "$out"' EXIT

# args: label command... where the word OUT stands for the output file;
# appends "wall cpu rss_kib size" to $out/label
measure() {
  local label=$1 f=$out/img a cmd=()
  shift
  for a in "$@"; do [[ $a == OUT ]] && cmd+=("$f") || cmd+=("$a"); done
  rm -f "$f"
  sync
  echo 3 >/proc/sys/vm/drop_caches 2>/dev/null || :
  /usr/bin/time -f '%e %U %S %M' -o "$out/time" "${cmd[@]}" >/dev/null 2>&1
  read -r wall user sys rss <"$out/time"
  echo "$wall $(echo "$user + $sys" | bc) $rss $(stat -c %s "$f")" >>"$out/$label"
}

median() {  # args: file column
  cut -d' ' -f"$2" "$1" | sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'
}

echo "root: $root ($(du -sh "$root" | cut -f1)), block $block, $jobs jobs, $pairs pairs, caches dropped before each run"
printf '%-10s %-10s %9s %9s %10s %12s\n' level tool wall_s cpu_s rss_MiB size_MiB
for level in $levels; do
  for ((i = 0; i < pairs; i++)); do
    measure "remaster-$level" build/remaster snapshot --root "$root" --compress "zstd:$level" --block-size "$block" \
      --jobs "$jobs" --quiet --squashfs OUT
    measure "mksquashfs-$level" mksquashfs "$root" OUT -noappend -no-progress -quiet -comp zstd \
      -Xcompression-level "$level" -b "$block" -processors "$jobs" -wildcards -e 'proc/*' 'sys/*' 'dev/*' 'run/*' 'tmp/*'
  done
  for tool in remaster mksquashfs; do
    f=$out/$tool-$level
    printf '%-10s %-10s %9.2f %9.2f %10.1f %12.1f\n' "zstd:$level" "$tool" "$(median "$f" 1)" "$(median "$f" 2)" \
      "$(echo "$(median "$f" 3) / 1024" | bc -l)" "$(echo "$(median "$f" 4) / 1048576" | bc -l)"
  done
  r=$out/remaster-$level m=$out/mksquashfs-$level
  printf '%-10s %-10s %9.2f %9.2f %10.2f %12.3f\n' "zstd:$level" "ratio" \
    "$(echo "$(median "$r" 1) / $(median "$m" 1)" | bc -l)" "$(echo "$(median "$r" 2) / $(median "$m" 2)" | bc -l)" \
    "$(echo "$(median "$r" 3) / $(median "$m" 3)" | bc -l)" "$(echo "$(median "$r" 4) / $(median "$m" 4)" | bc -l)"
done
