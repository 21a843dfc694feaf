# shellcheck shell=bash
# A static HTTP server for the network tests (test_boot_netboot.sh,
# test_boot_update.sh): python3's http.server on 127.0.0.1, which QEMU's
# user networking shows the guest as 10.0.2.2, and a copy of a served file
# with one byte changed. Source this file after lib/vm.sh; call http_stop
# before the work directory is released (the caller's EXIT trap).
#
#   PORT                          a free-looking port, chosen on sourcing
#   http_start DIR PROBE LOG      serves DIR; true once PROBE (a path) is served
#   https_start DIR PROBE LOG PORT CERT KEY CA
#                                 serves DIR over TLS on PORT with CERT and its
#                                 KEY; true once PROBE is served (CA: the file
#                                 that makes curl trust CERT)
#   http_stop                     stops them all (again: nothing)
#   test_ca DIR IP...             DIR/ca.crt, a CA, and DIR/server.{crt,key},
#                                 a certificate it signed for the IP addresses
#   changed_copy FROM TO          TO: FROM with the byte 100 from its end changed

PORT=$((20000 + RANDOM % 20000))
HTTP_PIDS=()

http_start() {
	local dir=$1 probe=$2 log=$3
	python3 -m http.server --bind 127.0.0.1 --directory "$dir" "$PORT" >>"$log" 2>&1 &
	HTTP_PIDS+=($!)
	_served "http://127.0.0.1:$PORT/$probe"
}

https_start() {
	local dir=$1 probe=$2 log=$3 port=$4 cert=$5 key=$6 ca=$7
	python3 - "$dir" "$port" "$cert" "$key" >>"$log" 2>&1 <<'PY' &
import functools, http.server, ssl, sys
directory, port, cert, key = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=directory)
server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(cert, key)
server.socket = context.wrap_socket(server.socket, server_side=True)
server.serve_forever()
PY
	HTTP_PIDS+=($!)
	_served "https://127.0.0.1:$port/$probe" --cacert "$ca"
}

# args: URL, then curl's options. True once the URL is served (10 s at most).
_served() {
	local url=$1
	shift
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		curl -fsS -o /dev/null "$@" "$url" 2>/dev/null && return 0
		sleep 1
	done
	return 1
}

http_stop() {
	local pid
	for pid in "${HTTP_PIDS[@]}"; do
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	HTTP_PIDS=()
}

test_ca() {
	local dir=$1 san=
	shift
	san=$(printf 'IP:%s,' "$@")
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-subj "/CN=remaster test CA" -keyout "$dir/ca.key" -out "$dir/ca.crt" 2>/dev/null &&
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$1" \
			-keyout "$dir/server.key" -out "$dir/server.csr" 2>/dev/null &&
		openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -days 2 \
			-extfile <(printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' "${san%,}") \
			-out "$dir/server.crt" 2>/dev/null
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
