#!/usr/bin/env bash
# The main job on an embedded default: set up this Debian machine, build
# remaster, build (or reuse from cache) a small Debian root, snapshot it onto
# a stick image, boot that stick in QEMU through its own GRUB (SeaBIOS) and
# print the proof line the live system itself writes on its serial console.
#
#   scripts/demo.sh             # with the build tree's build/remaster
#   scripts/demo.sh --package   # builds the Debian package from the tree,
#                               # installs it on this machine with apt and runs
#                               # the same demo with /usr/sbin/remaster (its
#                               # dracut module and GRUB templates from
#                               # /usr/share/remaster, where the package put them)
#
# REMASTER_DEMO_DIR (default /var/tmp/remaster-demo) holds the stick, the
# boot log and, with --package, the package and its build log.
set -euo pipefail
cd "$(dirname "$0")/.."

package=false
case ${1:-} in
"") ;;
--package) package=true ;;
*)
  echo "usage: scripts/demo.sh [--package]" >&2
  exit 2
  ;;
esac

scripts/install-deps.sh
out=${REMASTER_DEMO_DIR:-/var/tmp/remaster-demo}
mkdir -p "$out"

if $package; then
  version=$(sed -n 's/^project(remaster VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
  # Built in a copy of the tracked files (as tests/root/test_package.sh does),
  # so dpkg-buildpackage writes nothing beside the checkout. The copy's path
  # is fixed, so ccache (keyed on it) makes the next build quick.
  pkg=$out/package
  rm -rf "$pkg"
  mkdir -p "$pkg/remaster-$version"
  git ls-files -z --cached --others --exclude-standard | xargs -0 cp -a --parents -t "$pkg/remaster-$version" --
  echo "demo: dpkg-buildpackage -us -uc -b (a few minutes; log in $pkg/build.log)"
  launcher=()
  command -v ccache >/dev/null 2>&1 && launcher=(CMAKE_CXX_COMPILER_LAUNCHER=ccache)
  # nocheck: the package without its unit tests, as test_package.sh builds it.
  if ! (cd "$pkg/remaster-$version" && env "${launcher[@]}" DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" \
    dpkg-buildpackage -us -uc -b) >"$pkg/build.log" 2>&1; then
    echo "demo: the package did not build; the end of its log:" >&2
    tail -n 40 "$pkg/build.log" >&2
    exit 1
  fi
  echo "demo: apt-get install -y $pkg/remaster_${version}_amd64.deb"
  (cd "$pkg" && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "./remaster_${version}_amd64.deb" >"$pkg/install.log")
  remaster=/usr/sbin/remaster
  # Without REMASTER_DATA_DIR the installed program takes its data files from
  # /usr/share/remaster, where the package put them.
  unset REMASTER_DATA_DIR
else
  scripts/build.sh
  remaster=build/remaster
fi

echo "demo: building or reusing the Debian root (about 2 minutes the first time)"
root=$(tests/vm/lib/debian-root.sh)

echo "demo: $remaster snapshot --root $root --to $out/stick.img"
"$remaster" snapshot --root "$root" --to "$out/stick.img" --kernel-args "console=ttyS0,115200" --yes

echo "demo: booting the stick in QEMU (software emulation, about a minute)"
# shellcheck source=../tests/vm/lib/boot.sh
. tests/vm/lib/boot.sh
if ! boot_image "$out/stick.img" bios "$out/boot.log" 600; then
  echo "demo: the stick did not boot; the end of its console:" >&2
  tail -n 40 "$out/boot.log" | tr -d '\r' >&2
  exit 1
fi
echo "demo: the live system says:"
proof_line "$out/boot.log"
