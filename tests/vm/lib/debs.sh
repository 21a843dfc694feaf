# shellcheck shell=bash
# Packages a test adds to the cached Debian root, as .debs: downloaded once
# per set of candidate versions into $REMASTER_TEST_CACHE, so a rerun needs
# no network and a new version is fetched anew. Source this file.
#
#   dir=$(cached_debs NAME PACKAGE...)   the directory holding their .debs
#   unpack_debs DEBS UPPER ROOT          their files into UPPER, an overlay's
#                                        upper layer over ROOT

# args: name (of the cache entry), packages. Prints the directory.
cached_debs() {
	local name=$1 cache=${REMASTER_TEST_CACHE:-/var/cache/remaster-tests} key dir tmp
	shift
	key=$(for p in "$@"; do
		echo "$p $(apt-cache policy "$p" | sed -n 's/^ *Candidate: //p')"
	done | sha256sum | cut -c1-16)
	dir=$cache/$name-debs-$key
	if [[ ! -e $dir/.complete ]]; then
		mkdir -p "$cache"
		tmp=$(mktemp -d "$cache/.$name-debs.XXXXXX") || return 1
		chmod 755 "$tmp" # apt's sandbox user writes the files
		if ! (cd "$tmp" && apt-get download -q "$@" >&2) || ! touch "$tmp/.complete"; then
			rm -rf --one-file-system "$tmp"
			return 1
		fi
		rm -rf --one-file-system "$dir"
		mv "$tmp" "$dir" || return 1
	fi
	echo "$dir"
}

# args: debs dir, upper dir, the root it lies over. Unpacks every .deb into
# the upper dir. Over a usr-merged root (/bin -> usr/bin) a .deb's /bin,
# /sbin and /lib files go below /usr, not over the links.
unpack_debs() {
	local debs=$1 upper=$2 root=$3 deb d
	for deb in "$debs"/*.deb; do
		dpkg-deb -x "$deb" "$upper" || return 1
	done
	for d in bin sbin lib; do
		if [[ -d $upper/$d && ! -L $upper/$d && -L $root/$d ]]; then
			mkdir -p "$upper/usr/$d"
			cp -a "$upper/$d/." "$upper/usr/$d/" && rm -rf --one-file-system "${upper:?}/$d" || return 1
		fi
	done
}
