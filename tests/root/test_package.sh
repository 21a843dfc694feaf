#!/bin/bash
# The Debian package: built from the tree with dpkg-buildpackage (in a copy of
# the tracked files, so nothing is written beside the checkout), clean under
# lintian, holding the program, its dracut module and GRUB templates where the
# program looks for them, the man page and the bash and zsh completions; installed
# with apt into a fresh Debian root (mmdebstrap), which pulls in its declared
# dependencies, and working there: --version, a --squashfs snapshot, and a
# stick image of the Debian test root made with the module the package put
# in /usr/share/remaster (the build tree is not visible in that root).
#   bash tests/root/test_package.sh
. "$(dirname "$0")/lib.sh"
need_root
need_cmds dpkg-buildpackage lintian mmdebstrap unsquashfs
SRC=$REPO_DIR

make_tmpdir WORK remaster-package
version=$(sed -n 's/^project(remaster VERSION \([0-9.]*\).*/\1/p' "$SRC/CMakeLists.txt")
check "debian/changelog carries the program's version ($version)" \
	test "$(dpkg-parsechangelog -l "$SRC/debian/changelog" -S Version)" = "$version"

# --- build ---------------------------------------------------------------------
tree=$WORK/remaster-$version
mkdir -p "$tree"
if [[ -d $SRC/.git ]] || git -C "$SRC" rev-parse --git-dir >/dev/null 2>&1; then
	git -C "$SRC" ls-files -z --cached --others --exclude-standard | (cd "$SRC" && xargs -0 cp -a --parents -t "$tree" --)
else
	tar -C "$SRC" --exclude=./build --exclude=./build-fuzz -cf - . | tar -C "$tree" -xf -
fi
start=$SECONDS
# nocheck: the unit tier runs the tests; parallel: both cores.
if (cd "$tree" && DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" dpkg-buildpackage -us -uc -b) >"$WORK/build.log" 2>&1; then
	echo "built in $((SECONDS - start)) s"
else
	tail -n 40 "$WORK/build.log"
fi
deb=$WORK/remaster_${version}_amd64.deb
check "dpkg-buildpackage -us -uc -b makes $(basename "$deb")" test -s "$deb"
[[ -s $deb ]] || { summary; exit 1; }

lintian_out=$(lintian --fail-on error "$deb" 2>&1)
lintian_rc=$?
[[ -n $lintian_out ]] && echo "$lintian_out" | sed 's/^/  lintian: /'
check "lintian reports no errors" test "$lintian_rc" -eq 0

contents=$(dpkg-deb -c "$deb" | awk '{print $6}')
for f in ./usr/sbin/remaster ./usr/share/remaster/dracut-module/module-setup.sh \
	./usr/share/remaster/grub.d/grub.cfg.in ./usr/share/man/man8/remaster.8.gz \
	./usr/share/bash-completion/completions/remaster ./usr/share/zsh/vendor-completions/_remaster \
	./etc/remaster.conf; do
	check "the package holds ${f#.}" grep -qxF "$f" <<<"$contents"
done
check "/etc/remaster.conf is a conffile" bash -c "dpkg-deb --ctrl-tarfile '$deb' | tar -xOf - ./conffiles | grep -qx /etc/remaster.conf"
depends=$(dpkg-deb -f "$deb" Depends)
for d in dracut grub-pc-bin grub-efi-amd64-bin e2fsprogs mtools dosfstools; do
	check "it depends on $d" grep -qw -- "$d" <<<"$depends"
done

# --- install into a fresh root -------------------------------------------------------
suite=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
chroot=$WORK/chroot
start=$SECONDS
if mmdebstrap --variant=apt --aptopt='APT::Install-Recommends "false"' \
	--customize-hook="cp '$deb' \"\$1/tmp/\"" \
	--customize-hook="chroot \"\$1\" apt-get install -y -q /tmp/$(basename "$deb")" \
	"$suite" "$chroot" >"$WORK/mmdebstrap.log" 2>&1; then
	echo "fresh $suite root with the package in $((SECONDS - start)) s"
else
	tail -n 30 "$WORK/mmdebstrap.log"
fi
check "apt installs the package, with its dependencies, into a fresh $suite root" \
	test -x "$chroot/usr/sbin/remaster" -a -e "$chroot/usr/bin/mcopy"
[[ -x $chroot/usr/sbin/remaster ]] || { summary; exit 1; }

# The chroot needs /proc, /sys and /dev (loop devices) for a real run.
for m in proc sys dev; do
	mount --rbind "/$m" "$chroot/$m"
	mount --make-rslave "$chroot/$m"
	push_cleanup umount -R "$chroot/$m"
done
check "remaster --version there says $version" \
	test "$(chroot "$chroot" remaster --version)" = "$version"
check "man remaster there finds the page" \
	bash -c "chroot '$chroot' sh -c 'test -e /usr/share/man/man8/remaster.8.gz'"
check "a --squashfs snapshot there works" \
	chroot "$chroot" remaster snapshot --root /usr/share/doc --squashfs /tmp/doc.sqfs --quiet
check "... and holds the root's files" \
	bash -c "unsquashfs -l '$chroot/tmp/doc.sqfs' | grep -q 'squashfs-root/remaster/copyright'"

# A stick image of the Debian test root, read-only inside the fresh root.
ROOT=$("$SRC/tests/vm/lib/debian-root.sh")
mkdir -p "$chroot/srv/root"
mount --bind "$ROOT" "$chroot/srv/root"
push_cleanup umount "$chroot/srv/root"
mount -o remount,bind,ro "$chroot/srv/root"
plan=$(chroot "$chroot" remaster snapshot --root /srv/root --to /tmp/stick.img --dry-run 2>&1 || :)
check "its plan takes the dracut module from /usr/share/remaster" \
	grep -q "/usr/share/remaster/dracut-module" <<<"$plan"
start=$SECONDS
if chroot "$chroot" remaster snapshot --root /srv/root --to /tmp/stick.img --yes --quiet >"$WORK/stick.log" 2>&1; then
	echo "stick made there in $((SECONDS - start)) s"
else
	tail -n 20 "$WORK/stick.log"
fi
check "a stick image made there with the packaged module" test -s "$chroot/tmp/stick.img"
check "... verifies" chroot "$chroot" remaster verify --on /tmp/stick.img --quiet
summary
