#!/bin/bash
# Key offloading (issue 4, item 3; doc/privsep.md, section 5): after HTTPS
# handshakes that needed the server's private key, the net process's memory
# holds neither the key (an RSA prime p, an EC private scalar, in the byte
# orders of a file and of an OpenSSL BIGNUM) nor the monitor's other secrets
# (the audit key, the API keys' hashes, the keys no client presented), while
# it does hold the certificate (which shows that the search reads its memory).
# The same search in the monitor finds the key (which shows that it finds
# keys).  Reading another process's memory needs root.
. "$(dirname "$0")/lib.sh"
is_root || skip "reading /proc/PID/mem of mcpd-net needs root"
setup_http
tls_material
cp "$OBJ/mcpd.conf" "$OBJ/base.conf"

# Hex of a BIGNUM field of "openssl pkey -text" ("prime1:", "priv:"),
# big-endian, without the sign byte.
pkey_field() {	# keyfile field
	openssl pkey -in "$1" -noout -text |
	    awk -v f="$2:" '$1 == f { on = 1; next } /^[a-zA-Z]/ { on = 0 }
		on { gsub(/[ :]/, ""); printf "%s", $0 }' |
	    sed 's/^00//'
}

# The same bytes in the opposite order (a BIGNUM's limbs on x86-64 and
# other little-endian machines).
hex_reverse() {
	python3 -c 'import sys; print(bytes.fromhex(sys.argv[1])[::-1].hex())' "$1"
}

# The DER of the certificate's to-be-signed part, which OpenSSL keeps as
# it was parsed.
tbs_der() {
	openssl x509 -in "$1" -outform DER | python3 -c '
import sys
d = sys.stdin.buffer.read()
def body(i):
    n = d[i + 1]
    if n < 0x80:
        return i + 2, n
    k = n & 0x7f
    return i + 2 + k, int.from_bytes(d[i + 2:i + 2 + k], "big")
s, _ = body(0)
t, l = body(s)
print(d[s:t + l].hex())'
}

net_pid() {
	pgrep -P "$MCPD_PID" -x mcpd-net
}

# memgrep PID NAME=HEX...: "NAME found|absent" lines into $OBJ/mem.
memgrep() {
	python3 "$TOP/tests/regress/memgrep.py" "$@" > "$OBJ/mem" ||
	    fail "cannot read the memory of process $1"
}

expect_mem() {	# who name found|absent
	expect_eq "$1: $2" "$(awk -v n="$2" '$1 == n { print $2 }' "$OBJ/mem")" "$3"
}

# Requests that made the monitor sign, then the memory of both processes.
# $1: rsa or ec; $2: the key file; $3: the certificate.
offload_checks() {
	local kind=$1 key=$2 crt=$3 secret secret_le tbs audit np i
	local -a other=() hashes=()

	case "$kind" in
	rsa) secret=$(pkey_field "$key" prime1) ;;
	ec) secret=$(pkey_field "$key" priv) ;;
	esac
	[ "${#secret}" -ge 64 ] || fail "$kind: no private value in $key"
	secret_le=$(hex_reverse "$secret")
	tbs=$(tbs_der "$crt")
	audit=$(basenc --base16 -w 0 < "$OBJ/audit.key")
	# The keys no client presents: only the monitor knows even their
	# hashes, which are all it keeps of them.
	other=("admin=$(secret_hex "${ADMIN_KEY#mcpk_*_}")"
	    "viewer=$(secret_hex "${VIEWER_KEY#mcpk_*_}")")
	i=0
	while read -r h; do
		hashes+=("hash$i=$h")
		i=$((i + 1))
	done < <(sed -n 's/.*sha256:\([0-9a-f]\{64\}\).*/\1/p' "$OBJ/keys")
	[ "${#hashes[@]}" -eq 3 ] || fail "$kind: ${#hashes[@]} key hashes in $OBJ/keys"

	# Handshakes with TLS 1.3 and 1.2, and calls with a key.
	AUTH=$DEV_KEY http_post /mcp "$(http_init)"
	expect_status "$kind initialize" 200
	AUTH=$DEV_KEY http_modern 1 tools/call '{"name":"list_tables","arguments":{}}' \
	    --tls-max 1.2
	expect_status "$kind tools/call over TLS 1.2" 200
	expect_eq "$kind tools/call" "$(http_body '.result.isError')" false

	np=$(net_pid) || fail "$kind: no mcpd-net child of $MCPD_PID"
	memgrep "$np" secret="$secret" secret_le="$secret_le" \
	    audit_key="$audit" tbs="$tbs" "${other[@]}" "${hashes[@]}"
	expect_mem "$kind net" tbs found
	expect_mem "$kind net" secret absent
	expect_mem "$kind net" secret_le absent
	expect_mem "$kind net" audit_key absent
	expect_mem "$kind net" admin absent
	expect_mem "$kind net" viewer absent
	for ((i = 0; i < ${#hashes[@]}; i++)); do
		expect_mem "$kind net" "hash$i" absent
	done
	# The key presented passed through the net process; it should not
	# stay there once the connection is gone (reported, not asserted:
	# see the scenario's report).
	memgrep "$np" dev="$(secret_hex "${DEV_KEY#mcpk_*_}")"
	if grep -q '^dev found$' "$OBJ/mem"; then
		fail "$kind: a presented API key's secret stays in mcpd-net's memory after its connection closed"
	fi

	memgrep "$MCPD_PID" secret="$secret" secret_le="$secret_le" \
	    audit_key="$audit" "${hashes[@]}"
	grep -q '^secret\(_le\)\? found$' "$OBJ/mem" ||
	    fail "$kind: the search does not find the key in the monitor either"
	expect_mem "$kind monitor" audit_key found
	expect_mem "$kind monitor" hash0 found
	return 0
}

http_conf "TLSCertificate $OBJ/server.crt" "TLSKey $OBJ/server.key"
start_http
offload_checks rsa "$OBJ/server.key" "$OBJ/server.crt"
stop_http

cp "$OBJ/base.conf" "$OBJ/mcpd.conf"
http_conf "TLSCertificate $OBJ/server-ec.crt" "TLSKey $OBJ/server-ec.key"
start_http
offload_checks ec "$OBJ/server-ec.key" "$OBJ/server-ec.crt"
stop_http

audit_verify
expect_no_secrets
exit 0
