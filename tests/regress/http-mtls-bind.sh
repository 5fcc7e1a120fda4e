#!/bin/bash
# Issue 11, item 6: a certificate and a token (or a key) presented
# together are bound to each other.  A token with cnf x5t#S256 (RFC 8705)
# is good only with the certificate it names; under AuthMode mtls,oauth,
# MTLSBindToken yes (the default) refuses tokens without cnf, "no" accepts
# them; MTLSMatchIdentity yes makes the certificate's identity equal the
# token's sub or the API key's user.  Each refusal: 401 and an
# AUTH_FAILED record with its precise reason.  (Before the fix, a stolen
# admin token with any employee's certificate gave admin.)
. "$(dirname "$0")/lib.sh"
setup_http
tls_material
tls_issue clientca client2 ec client viewer "email:viewer@example.com"
chmod 644 "$OBJ/client2.crt"
ISS=https://as.example
AUD=https://127.0.0.1:$PORT/mcp
(umask 077 && openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out "$OBJ/e1.key" 2>/dev/null) || fail "signing key"
openssl pkey -in "$OBJ/e1.key" -pubout -out "$OBJ/e1.pub" || fail "public key"
"$MCPCTL" jwks --kid e1 "$OBJ/e1.pub" > "$OBJ/jwks.json" || fail "jwks"
cp "$OBJ/mcpd.conf" "$OBJ/base.conf"
conf() {	# AuthMode [more lines]
	cp "$OBJ/base.conf" "$OBJ/mcpd.conf"
	http_conf "AuthMode $1" "TLSCertificate $OBJ/server.crt" \
	    "TLSKey $OBJ/server.key" "TLSClientCA $OBJ/clientca.crt" \
	    "TLSClientCRL $OBJ/clientca.crl" "MTLSIdentity san-email" \
	    "JWKSFile $OBJ/jwks.json" "JWTIssuer $ISS" "JWTAudience $AUD" \
	    "AuthFailureLimit 100000/min" "${@:2}"
}
tok() {	# sub [certificate it is bound to]
	"$MCPCTL" token --key "$OBJ/e1.key" --kid e1 --iss "$ISS" --aud "$AUD" \
	    --sub "$1" --ttl 15m ${2:+--cnf-cert "$OBJ/$2.crt"} ||
	    fail "mcpctl token"
}
cert() {	# name: curl's arguments to present it
	printf '%s\n' --cert "$OBJ/$1.crt" --key "$OBJ/$1.key"
}
call() {	# id [curl args]: a tools/call of list_tables
	local id=$1
	shift
	http_modern "$id" tools/call '{"name":"list_tables","arguments":{}}' "$@"
}
refused() {	# what reason
	expect_status "$1" 401
	expect_eq "$1: audited" \
	    "$(tail -n 1 "$OBJ/audit.log" | jq -c '[.event, .decision, .user]')" \
	    '["authenticate","AUTH_FAILED",null]'
	expect_eq "$1: reason" \
	    "$(tail -n 1 "$OBJ/audit.log" | jq -r .reason)" "$2"
}
allowed() {	# what user
	expect_status "$1" 200
	expect_eq "$1: result" "$(http_body '.result.isError')" false
	expect_eq "$1: user" \
	    "$(tail -n 1 "$OBJ/audit.log" | jq -r '.user')" "$2"
}
mapfile -t dev < <(cert client)
mapfile -t viewer < <(cert client2)
ADMIN_BOUND_DEV=$(tok admin@example.com client)
ADMIN_UNBOUND=$(tok admin@example.com)

# --- mtls,oauth, MTLSBindToken yes (the default) ---
conf mtls,oauth
"$MCPD" -T -f "$OBJ/mcpd.conf" | grep -qx 'mtlsbindtoken yes' ||
    fail "MTLSBindToken default not yes"
start_http
AUTH=$ADMIN_BOUND_DEV call 1 "${dev[@]}"
allowed "token with the certificate it is bound to" admin@example.com
AUTH=$ADMIN_BOUND_DEV call 2 "${viewer[@]}"
refused "bound token with another certificate" \
    'oauth: token bound to another certificate (cnf x5t#S256 mismatch)'
AUTH=$ADMIN_UNBOUND call 3 "${viewer[@]}"
refused "unbound token, MTLSBindToken yes" \
    'oauth: token not bound to the client certificate (no cnf x5t#S256; MTLSBindToken yes)'
stop_http

# --- MTLSBindToken no: unbound tokens pass, bound ones are still checked ---
conf mtls,oauth "MTLSBindToken no"
start_http
AUTH=$ADMIN_UNBOUND call 10 "${viewer[@]}"
allowed "unbound token, MTLSBindToken no" admin@example.com
AUTH=$ADMIN_BOUND_DEV call 11 "${viewer[@]}"
refused "bound token with another certificate, MTLSBindToken no" \
    'oauth: token bound to another certificate (cnf x5t#S256 mismatch)'
stop_http

# --- AuthMode oauth: a bound token still needs its certificate ---
conf oauth
start_http
AUTH=$ADMIN_BOUND_DEV call 20
refused "bound token without a certificate" \
    'oauth: token bound to a certificate (cnf x5t#S256), but no verified client certificate'
AUTH=$ADMIN_BOUND_DEV call 21 "${dev[@]}"
allowed "bound token with its certificate, AuthMode oauth" admin@example.com
AUTH=$ADMIN_UNBOUND call 22
allowed "unbound token, AuthMode oauth" admin@example.com
stop_http

# --- MTLSMatchIdentity yes: the certificate names the user ---
conf "mtls,oauth mtls,apikey" "MTLSMatchIdentity yes"
start_http
AUTH=$ADMIN_BOUND_DEV call 30 "${dev[@]}"
refused "token's sub is not the certificate's identity" \
    "mtls: certificate identity is not the token's subject (MTLSMatchIdentity yes)"
AUTH=$(tok dev@example.com client) call 31 "${dev[@]}"
allowed "token's sub is the certificate's identity" dev@example.com
AUTH=$VIEWER_KEY call 32 "${dev[@]}"
refused "API key of another user" \
    "mtls: certificate identity is not the API key's user (MTLSMatchIdentity yes)"
AUTH=$DEV_KEY call 33 "${dev[@]}"
allowed "API key of the certificate's user" dev@example.com
stop_http

# --- MTLSMatchIdentity no (the default): mtls,apikey is not bound ---
conf "mtls,apikey"
start_http
AUTH=$VIEWER_KEY call 40 "${dev[@]}"
allowed "API key of another user, MTLSMatchIdentity no" viewer@example.com
stop_http

audit_verify
exit 0
