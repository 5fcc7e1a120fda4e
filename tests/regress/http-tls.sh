#!/bin/bash
# TLS on the HTTP listener (issue 4, items 1 and 3): TLS 1.0 and 1.1
# refused by the server, 1.2 and 1.3 negotiated (1.3 preferred) with AEAD
# ciphers only, a CBC cipher refused, no compression, no renegotiation, no
# session tickets; curl over https with the test CA, by address and by
# name; a plaintext request to the TLS port never answered with 200 nor
# seen by the monitor; both an RSA and an EC server key, with each
# signature scheme a handshake may ask of the monitor (key offloading).
. "$(dirname "$0")/lib.sh"
setup_http
tls_material
cp "$OBJ/mcpd.conf" "$OBJ/base.conf"

# s_client ARGS...: a handshake into $OBJ/sclient; sets SC_RC, SC_PROTO,
# SC_CIPHER.  s_client reads its standard input only once the handshake is
# done, and then ends at its end: SC_WAIT=1 keeps it listening for a second,
# so that a session ticket would arrive; the other calls need no wait.
s_client() {
	(sleep "${SC_WAIT:-0}") | timeout 15 openssl s_client -connect "127.0.0.1:$PORT" \
	    -servername localhost -CAfile "$OBJ/ca.crt" -verify_return_error \
	    "$@" > "$OBJ/sclient" 2>&1
	SC_RC=$?
	SC_PROTO=$(sed -n 's/^New, \([^,]*\), Cipher is \(.*\)$/\1/p' "$OBJ/sclient")
	SC_CIPHER=$(sed -n 's/^New, \([^,]*\), Cipher is \(.*\)$/\2/p' "$OBJ/sclient")
}

expect_refused() {	# what
	[ "$SC_RC" -ne 0 ] || fail "$1: handshake succeeded"
	expect_eq "$1: cipher" "$SC_CIPHER" "(NONE)"
}

# The checks for one server key; $1 is rsa or ec.
tls_checks() {
	local kind=$1 auth

	case "$kind" in
	rsa) auth=RSA ;;
	ec) auth=ECDSA ;;
	esac

	# Old versions: the client offers them at its lowest security
	# level, and the server answers with a protocol_version alert.
	for v in tls1 tls1_1; do
		s_client "-$v" -cipher 'DEFAULT:@SECLEVEL=0'
		expect_refused "$kind -$v"
		grep -q 'alert protocol version' "$OBJ/sclient" ||
		    fail "$kind -$v: no protocol_version alert: $(tail -n 5 "$OBJ/sclient")"
	done

	SC_WAIT=1 s_client -tls1_2
	[ "$SC_RC" -eq 0 ] || fail "$kind -tls1_2: $(tail -n 5 "$OBJ/sclient")"
	expect_eq "$kind -tls1_2 protocol" "$SC_PROTO" TLSv1.2
	[[ $SC_CIPHER =~ ^ECDHE-$auth-(AES128-GCM-SHA256|AES256-GCM-SHA384|CHACHA20-POLY1305)$ ]] ||
	    fail "$kind -tls1_2: cipher $SC_CIPHER is not ECDHE with an AEAD"
	grep -q '^Compression: NONE$' "$OBJ/sclient" ||
	    fail "$kind -tls1_2: compression"
	grep -q 'TLS session ticket' "$OBJ/sclient" &&
	    fail "$kind -tls1_2: a session ticket was issued"
	grep -q '^ *Session-ID: *$' "$OBJ/sclient" ||
	    fail "$kind -tls1_2: a session id was issued (server cache)"

	SC_WAIT=1 s_client -tls1_3
	[ "$SC_RC" -eq 0 ] || fail "$kind -tls1_3: $(tail -n 5 "$OBJ/sclient")"
	expect_eq "$kind -tls1_3 protocol" "$SC_PROTO" TLSv1.3
	[[ $SC_CIPHER =~ ^TLS_(AES_128_GCM_SHA256|AES_256_GCM_SHA384|CHACHA20_POLY1305_SHA256)$ ]] ||
	    fail "$kind -tls1_3: cipher $SC_CIPHER"
	grep -q 'New Session Ticket' "$OBJ/sclient" &&
	    fail "$kind -tls1_3: a session ticket was issued"

	# 1.3 is preferred when the client offers both.
	s_client
	expect_eq "$kind preferred protocol" "$SC_PROTO" TLSv1.3

	# Not AEAD: refused.
	for c in AES128-SHA AES256-SHA256 "ECDHE-$auth-AES128-SHA" \
	    "ECDHE-$auth-AES128-SHA256"; do
		s_client -tls1_2 -cipher "$c"
		expect_refused "$kind -tls1_2 -cipher $c"
	done

	# Every signature the monitor may be asked for in a handshake.
	case "$kind" in
	rsa)	for s in RSA+SHA256 RSA+SHA384 RSA+SHA512 \
		    rsa_pss_rsae_sha256 rsa_pss_rsae_sha384 \
		    rsa_pss_rsae_sha512; do
			s_client -tls1_2 -sigalgs "$s"
			[ "$SC_RC" -eq 0 ] ||
			    fail "$kind -sigalgs $s: $(tail -n 5 "$OBJ/sclient")"
		done ;;
	ec)	for s in ECDSA+SHA256 ECDSA+SHA384; do
			s_client -tls1_2 -sigalgs "$s"
			[ "$SC_RC" -eq 0 ] ||
			    fail "$kind -sigalgs $s: $(tail -n 5 "$OBJ/sclient")"
		done ;;
	esac
	# SHA-1 signatures are below the security level.
	s_client -tls1_2 -sigalgs "$auth+SHA1" -cipher 'DEFAULT:@SECLEVEL=0'
	expect_refused "$kind -sigalgs $auth+SHA1"

	# Renegotiation is refused.
	(sleep 1; printf 'R\n'; sleep 1) | timeout 15 openssl s_client \
	    -connect "127.0.0.1:$PORT" -CAfile "$OBJ/ca.crt" -tls1_2 \
	    > "$OBJ/sclient" 2>&1
	grep -q 'RENEGOTIATING' "$OBJ/sclient" ||
	    fail "$kind: the renegotiation was not attempted"
	grep -q 'no renegotiation' "$OBJ/sclient" ||
	    fail "$kind: renegotiation not refused: $(tail -n 5 "$OBJ/sclient")"

	# curl with the test CA, by address and by name.
	AUTH=$DEV_KEY http_post /mcp "$(http_init)"
	expect_status "$kind https" 200
	expect_eq "$kind https result" "$(http_body '.result.serverInfo.name')" '"mcpd"'
	BASE=https://localhost:$PORT
	AUTH=$DEV_KEY http_modern 1 tools/call '{"name":"list_tables","arguments":{}}' \
	    --resolve "localhost:$PORT:127.0.0.1"
	BASE=https://127.0.0.1:$PORT
	expect_status "$kind https by name" 200
	expect_eq "$kind https tools/call" "$(http_body '.result.isError')" false

	# Without the CA the certificate is not trusted: the chain is ours.
	local tls=("${HTTP_TLS[@]}")
	HTTP_TLS=()
	AUTH=$DEV_KEY http_post /mcp "$(http_init)"
	expect_status "$kind https without the CA" 000
	HTTP_TLS=("${tls[@]}")

	# Plaintext to the TLS port: never a 200, never audited.
	local before
	before=$(wc -l < "$OBJ/audit.log")
	HTTP_TLS=()
	BASE=http://127.0.0.1:$PORT
	AUTH=$DEV_KEY http_post /mcp "$(http_init)"
	[ "$STATUS" != 200 ] || fail "$kind: plaintext request answered 200"
	grep -q '^HTTP/1.1 200' "$OBJ/hdr" &&
	    fail "$kind: plaintext request answered 200"
	python3 - "$PORT" > "$OBJ/plain" <<'EOF' || fail "$kind: raw plaintext"
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
s.sendall(b"GET /.well-known/oauth-protected-resource HTTP/1.1\r\n"
          b"Host: 127.0.0.1\r\n\r\n")
data = b""
try:
    while len(data) < 65536:
        d = s.recv(4096)
        if not d:
            break
        data += d
except OSError:
    pass
sys.stdout.write(data.decode("latin-1"))
EOF
	grep -q 'HTTP/1' "$OBJ/plain" &&
	    fail "$kind: plaintext answered in plaintext: $(head -n 1 "$OBJ/plain")"
	expect_eq "$kind: plaintext requests audited" \
	    "$(wc -l < "$OBJ/audit.log")" "$before"
	HTTP_TLS=("${tls[@]}")
	BASE=https://127.0.0.1:$PORT
	return 0
}

# --- an RSA 2048 server key ---
http_conf "TLSCertificate $OBJ/server.crt" "TLSKey $OBJ/server.key"
start_http
expect_eq "ready line (RSA)" "$(grep '^Server ready on ' "$OBJ/err")" \
    "Server ready on https://127.0.0.1:$PORT/mcp (RSA 2048)"
tls_checks rsa
stop_http

# --- an EC P-256 server key ---
cp "$OBJ/base.conf" "$OBJ/mcpd.conf"
http_conf "TLSCertificate $OBJ/server-ec.crt" "TLSKey $OBJ/server-ec.key"
start_http
expect_eq "ready line (EC)" "$(grep '^Server ready on ' "$OBJ/err")" \
    "Server ready on https://127.0.0.1:$PORT/mcp (EC P-256)"
tls_checks ec
stop_http

# A TLS key that others may read is refused (it is a secret file).
chmod 644 "$OBJ/server-ec.key"
"$MCPD" -t -f "$OBJ/mcpd.conf" > "$OBJ/t.out" 2>&1 &&
    fail "a world-readable TLSKey was accepted"
grep -q "server-ec.key" "$OBJ/t.out" || fail "TLSKey refusal: $(cat "$OBJ/t.out")"
chmod 600 "$OBJ/server-ec.key"

audit_verify
expect_eq "calls" "$(audit_select 'select(.event == "tools/call") | [.decision, .user]' | sort -u)" \
    '["ALLOWED","dev@example.com"]'
expect_no_secrets
exit 0
