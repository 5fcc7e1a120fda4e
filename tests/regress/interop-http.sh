#!/bin/bash
# Interop over HTTPS with a client we did not write: the official MCP
# TypeScript SDK (Client + StreamableHTTPClientTransport, pinned in
# tests/interop/package-lock.json) runs tests/interop/http-sdk.mjs three
# times against mcpd: with a bearer JWT (list tools, an allowed and a
# denied call), with a client certificate and no token, and with no
# credential at all (the 401 challenge and the RFC 9728 metadata at both
# well-known paths).  The audit log then verifies and names the SDK's
# client in the DENIED record.
. "$(dirname "$0")/lib.sh"
INTEROP=$TOP/tests/interop

command -v node >/dev/null 2>&1 || fail "node is not installed"
command -v npm >/dev/null 2>&1 || fail "npm is not installed"

setup_http
tls_material
ISS=https://as.example
AUD=https://127.0.0.1:$PORT/mcp
(umask 077 && openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out "$OBJ/e1.key" 2>/dev/null) || fail "signing key"
openssl pkey -in "$OBJ/e1.key" -pubout -out "$OBJ/e1.pub" || fail "public key"
"$MCPCTL" jwks --kid e1 "$OBJ/e1.pub" > "$OBJ/jwks.json" || fail "jwks"
http_conf "AuthMode oauth mtls" "TLSCertificate $OBJ/server.crt" \
    "TLSKey $OBJ/server.key" "TLSClientCA $OBJ/clientca.crt" \
    "TLSClientCRL $OBJ/clientca.crl" "MTLSIdentity san-email" \
    "JWKSFile $OBJ/jwks.json" "JWTIssuer $ISS" "JWTAudience $AUD" \
    "AuthorizationServer $ISS" "AuthFailureLimit 100000/min" "ToolListing all"

if [ ! -f "$INTEROP/node_modules/.package-lock.json" ] ||
    [ "$INTEROP/package-lock.json" -nt "$INTEROP/node_modules/.package-lock.json" ]; then
	(cd "$INTEROP" && timeout 150 npm ci --no-audit --no-fund) \
	    > "$OBJ/npm.log" 2>&1 ||
	    fail "npm ci in tests/interop failed: $(tail -n 30 "$OBJ/npm.log")"
fi
start_http

TOKEN=$("$MCPCTL" token --key "$OBJ/e1.key" --kid e1 --iss "$ISS" \
    --aud "$AUD" --sub dev@example.com --roles developer,viewer --ttl 15m) ||
    fail "mcpctl token"
secret_record "$TOKEN"
sdk() {	# mode: run http-sdk.mjs, bounded
	local rc
	env MCPD_URL="$AUD" INTEROP_CA="$OBJ/ca.crt" \
	    INTEROP_TOKEN="$TOKEN" INTEROP_RESOURCE="$AUD" \
	    INTEROP_AUTH_SERVERS="$ISS" \
	    INTEROP_CLIENT_CERT="$OBJ/client.crt" \
	    INTEROP_CLIENT_KEY="$OBJ/client.key" \
	    timeout 60 node "$INTEROP/http-sdk.mjs" "$1" \
	    > "$OBJ/sdk-$1.out" 2> "$OBJ/sdk-$1.err"
	rc=$?
	[ "$rc" -eq 124 ] && fail "http-sdk.mjs $1 did not finish within 60s"
	[ "$rc" -eq 0 ] || fail "http-sdk.mjs $1 exited with $rc: $(tail -n 20 "$OBJ/sdk-$1.err")"
	grep -q '^ok interop-http: ' "$OBJ/sdk-$1.out" ||
	    fail "http-sdk.mjs $1 printed no ok line"
	cat "$OBJ/sdk-$1.out"
}
sdk bearer
sdk mtls
sdk challenge
stop_http

audit_verify
denied=$(audit_select 'select(.decision == "DENIED" and .tool == "delete_users")')
[ "$(printf '%s\n' "$denied" | grep -c .)" -eq 2 ] ||
    fail "expected two DENIED delete_users records (bearer, mtls): $denied"
expect_eq "denied via bearer" \
    "$(printf '%s\n' "$denied" | jq -c 'select(.method == "oauth") | [.user, .required]')" \
    '["dev@example.com","admin"]'
expect_eq "denied via certificate" \
    "$(printf '%s\n' "$denied" | jq -c 'select(.method == "mtls") | [.user, .required]')" \
    '["dev@example.com","admin"]'
case "$(printf '%s\n' "$denied" | jq -r '.client' | head -n 1)" in
*mcpd-interop*) ;;
*)	fail "DENIED record's client does not name the SDK client" ;;
esac
expect_no_secrets
exit 0
