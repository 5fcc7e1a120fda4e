#!/bin/bash
# Client certificates (issue 4, items 5 and 6): AuthMode mtls with
# TLSClientCA and TLSClientCRL: a good certificate is the identity of its
# e-mail SAN (dev@example.com, roles from its User line, the certificate's
# fingerprint as the credential); one from another CA, an expired one, a
# revoked one and none at all are refused 401 and audited with the precise
# reason.  AuthMode mtls,oauth needs both a certificate and a token (the
# token names the user); "mtls,oauth apikey" also lets an API key alone in.
. "$(dirname "$0")/lib.sh"
setup_http
tls_material
ISS=https://as.example
AUD=https://127.0.0.1:$PORT/mcp
(umask 077 && openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out "$OBJ/e1.key" 2>/dev/null) || fail "signing key"
openssl pkey -in "$OBJ/e1.key" -pubout -out "$OBJ/e1.pub" || fail "public key"
"$MCPCTL" jwks --kid e1 "$OBJ/e1.pub" > "$OBJ/jwks.json" || fail "jwks"
cp "$OBJ/mcpd.conf" "$OBJ/base.conf"
conf() {	# AuthMode
	cp "$OBJ/base.conf" "$OBJ/mcpd.conf"
	http_conf "AuthMode $1" "TLSCertificate $OBJ/server.crt" \
	    "TLSKey $OBJ/server.key" "TLSClientCA $OBJ/clientca.crt" \
	    "TLSClientCRL $OBJ/clientca.crl" "MTLSIdentity san-email" \
	    "JWKSFile $OBJ/jwks.json" "JWTIssuer $ISS" "JWTAudience $AUD" \
	    "AuthFailureLimit 100000/min"
}
tok() {	# sub: a token bound to client.crt (MTLSBindToken yes)
	"$MCPCTL" token --key "$OBJ/e1.key" --kid e1 --iss "$ISS" --aud "$AUD" \
	    --sub "$1" --ttl 15m --cnf-cert "$OBJ/client.crt" ||
	    fail "mcpctl token"
}
cert() {	# name: curl's arguments to present it
	printf '%s\n' --cert "$OBJ/$1.crt" --key "$OBJ/$1.key"
}
fp_of() {	# certificate: its fingerprint as the audit shows it
	openssl x509 -in "$1" -outform DER | sha256sum | cut -c1-12
}
call() {	# id [curl args]: a tools/call of list_tables
	local id=$1
	shift
	http_modern "$id" tools/call '{"name":"list_tables","arguments":{}}' "$@"
}
last_reason() {
	tail -n 1 "$OBJ/audit.log" | jq -r 'select(.event == "authenticate") | .reason'
}
CHALLENGE="Bearer resource_metadata=\"https://127.0.0.1:$PORT/.well-known/oauth-protected-resource\""

# --- AuthMode mtls ---
conf mtls
start_http
mapfile -t c < <(cert client)
call 1 "${c[@]}"
expect_status "good certificate" 200
expect_eq "good certificate result" "$(http_body '.result.isError')" false
expect_eq "good certificate audited" \
    "$(audit_select 'select(.event == "tools/call" and .request_id == "1") | [.decision, .user, .roles, .method, .credential, .source]')" \
    "[\"ALLOWED\",\"dev@example.com\",[\"developer\",\"viewer\"],\"mtls\",\"$(fp_of "$OBJ/client.crt")\",\"127.0.0.1:$LOCAL_PORT\"]"
# The User line's roles apply: execute_sql yes, drop_table no.
http_modern 2 tools/call '{"name":"execute_sql","arguments":{"sql":"SELECT 1"}}' "${c[@]}"
expect_status "allowed tool" 200
expect_eq "allowed tool result" "$(http_body '.result.isError')" false
http_modern 3 tools/call '{"name":"drop_table","arguments":{"table":"users"}}' "${c[@]}"
expect_status "denied tool" 200
expect_eq "denied tool result" "$(http_body '.result.isError')" true

declare -A why=(
	[client-other]='mtls: unable to get local issuer certificate'
	[client-expired]='mtls: certificate has expired'
	[client-revoked]='mtls: certificate revoked'
)
id=10
for n in client-other client-expired client-revoked; do
	id=$((id + 1))
	mapfile -t c < <(cert "$n")
	call "$id" "${c[@]}"
	expect_status "$n" 401
	expect_eq "$n challenge" "$(http_header WWW-Authenticate)" "$CHALLENGE"
	expect_eq "$n body" "$(http_body '.error.code')" -32003
	expect_eq "$n audited" \
	    "$(tail -n 1 "$OBJ/audit.log" | jq -c '[.event, .decision, .user, .credential, .source]')" \
	    "[\"authenticate\",\"AUTH_FAILED\",null,\"$(fp_of "$OBJ/$n.crt")\",\"127.0.0.1:$LOCAL_PORT\"]"
	expect_eq "$n reason" "$(last_reason)" "${why[$n]}"
done
call 20
expect_status "no certificate" 401
expect_eq "no certificate reason" "$(last_reason)" 'mtls: no client certificate'
# A bearer credential is no certificate.
AUTH=$DEV_KEY call 21
expect_status "API key under AuthMode mtls" 401
expect_eq "API key under AuthMode mtls: reason" "$(last_reason)" \
    'mtls: no client certificate'
stop_http

# --- AuthMode mtls,oauth: both ---
conf mtls,oauth
start_http
T=$(tok viewer@example.com)
mapfile -t c < <(cert client)
AUTH=$T call 30 "${c[@]}"
expect_status "certificate and token" 200
expect_eq "certificate and token audited" \
    "$(audit_select 'select(.event == "tools/call" and .request_id == "30") | [.decision, .user, .roles, .method]')" \
    '["ALLOWED","viewer@example.com",["viewer"],"oauth,mtls"]'
call 31 "${c[@]}"
expect_status "certificate without token" 401
expect_eq "certificate without token: reason" "$(last_reason)" 'no credential presented'
AUTH=$T call 32
expect_status "token without certificate" 401
expect_eq "token without certificate: reason" "$(last_reason)" \
    'mtls: no client certificate'
expect_eq "token without certificate: challenge" "$(http_header WWW-Authenticate)" \
    "$CHALLENGE, error=\"invalid_token\""
mapfile -t c < <(cert client-revoked)
AUTH=$T call 33 "${c[@]}"
expect_status "revoked certificate and token" 401
expect_eq "revoked certificate and token: reason" "$(last_reason)" \
    'mtls: certificate revoked'
mapfile -t c < <(cert client)
AUTH=$T.x call 34 "${c[@]}"
expect_status "certificate and bad token" 401
expect_eq "certificate and bad token: reason" "$(last_reason)" \
    'oauth: malformed token (4 parts)'
AUTH=$DEV_KEY call 35 "${c[@]}"
expect_status "certificate and API key" 401
stop_http

# --- AuthMode "mtls,oauth apikey": or an API key alone ---
conf "mtls,oauth apikey"
start_http
AUTH=$DEV_KEY call 40
expect_status "API key alone" 200
expect_eq "API key alone audited" \
    "$(audit_select 'select(.event == "tools/call" and .request_id == "40") | [.decision, .user, .method]')" \
    '["ALLOWED","dev@example.com","apikey"]'
AUTH=$(tok viewer@example.com) call 41
expect_status "token alone" 401
mapfile -t c < <(cert client)
AUTH=$(tok viewer@example.com) call 42 "${c[@]}"
expect_status "certificate and token" 200
stop_http

audit_verify
expect_no_secrets
exit 0
