#!/usr/bin/env bash
# The on-medium layout is spelled in one place (src/medium.*, src/stick.*):
# outside them no source file in src/ names a /remaster/ path or a file of a
# snapshot directory in its code. Comments may; they explain. Prints each
# offending line and fails.
set -euo pipefail
cd "$(dirname "$0")/.."

# The stick type's files: they own the layout.
owners='^src/(medium|stick)\.(hpp|cpp)$'
# Explicit exceptions, each with why:
#   src/boot_install.hpp  kInitramfsInView: where dracut writes the initramfs
#                         inside the view (/tmp/initrd.img), not a stick path.
#   src/initramfs_cache.hpp  kDefaultInitramfsCache: /var/cache/remaster/... on
#                         the machine running remaster, not a stick path.
exceptions='^src/(boot_install|initramfs_cache)\.hpp$'

pattern='/remaster/|"/remaster"|filesystem\.squashfs|vmlinuz|initrd\.img|SHA256SUMS|snapshot\.info'
status=0
while IFS= read -r file; do
  [[ $file =~ $owners || $file =~ $exceptions ]] && continue
  # Blank out // comments and /* */ comment lines (keeping line numbers) before looking.
  if hits=$(sed -e 's#//.*$##' -e 's#^[[:space:]]*/\?\*.*$##' "$file" | grep -nE "$pattern"); then
    while IFS= read -r hit; do echo "$file:$hit: the on-stick layout belongs to src/medium.* (SnapshotDir, Medium)"; done <<<"$hits"
    status=1
  fi
done < <(find src -name '*.[ch]pp' | sort)
exit "$status"
