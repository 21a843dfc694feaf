# shellcheck shell=bash
# A static HTTP server for the network tests (test_boot_netboot.sh,
# test_boot_update.sh): python3's http.server on 127.0.0.1, which QEMU's
# user networking shows the guest as 10.0.2.2, and a copy of a served file
# with one byte changed. Source this file after lib/vm.sh; call http_stop
# before the work directory is released (the caller's EXIT trap).
#
#   PORT                          a free-looking port, chosen on sourcing
#   http_start DIR PROBE LOG      serves DIR; true once PROBE (a path) is served
#   http_stop                     stops it (again: nothing)
#   changed_copy FROM TO          TO: FROM with the byte 100 from its end changed

PORT=$((20000 + RANDOM % 20000))
HTTP_PID=

http_start() {
	local dir=$1 probe=$2 log=$3
	python3 -m http.server --bind 127.0.0.1 --directory "$dir" "$PORT" >>"$log" 2>&1 &
	HTTP_PID=$!
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		curl -fsS -o /dev/null "http://127.0.0.1:$PORT/$probe" 2>/dev/null && return 0
		sleep 1
	done
	return 1
}

http_stop() {
	[[ -z $HTTP_PID ]] || kill "$HTTP_PID" 2>/dev/null
	[[ -z $HTTP_PID ]] || wait "$HTTP_PID" 2>/dev/null
	HTTP_PID=
}

# One byte near the end of a squashfs is in its tables: the image is still
# one a download could deliver, and only its checksum tells.
changed_copy() {
	local from=$1 to=$2 size byte
	rm -f "$to"
	cp "$from" "$to" || return 1
	size=$(stat -c %s "$to")
	byte=$(dd if="$to" bs=1 skip=$((size - 100)) count=1 status=none | od -An -tu1 | tr -d ' ')
	printf "\\$(printf %03o $(((byte + 1) % 256)))" |
		dd of="$to" bs=1 seek=$((size - 100)) count=1 conv=notrunc status=none
}
