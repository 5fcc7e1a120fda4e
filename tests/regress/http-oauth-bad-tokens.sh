#!/bin/bash
# The bad bearer tokens of issue 4, each over HTTP against AuthMode oauth
# with RS256 (kid r1), ES256 (kid e1) and EdDSA (kid d1) keys: each
# answered 401 with error="invalid_token" and audited AUTH_FAILED with its
# precise reason, the credential only as a fingerprint.  Forged with
# node's crypto (jwt-forge.mjs), which also makes good tokens, accepted,
# to show that the forging is sound.  Tokens too long: 100 KB is refused
# by evhttp's header limit before anything is audited, even at the
# largest MaxHeaderSize; 10 KB passes MaxHeaderSize 16K and the monitor
# refuses it for its length.
. "$(dirname "$0")/lib.sh"
setup_http
ISS=https://as.example
AUD=$BASE/mcp
(
	umask 077
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
	    -out "$OBJ/r1.key" 2>/dev/null &&
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
	    -out "$OBJ/e1.key" 2>/dev/null &&
	openssl genpkey -algorithm ED25519 -out "$OBJ/d1.key" 2>/dev/null
) || fail "signing keys"
for k in r1 e1 d1; do
	openssl pkey -in "$OBJ/$k.key" -pubout -out "$OBJ/$k.pub" ||
	    fail "public key $k"
done
"$MCPCTL" jwks --kid r1 --kid e1 --kid d1 "$OBJ/r1.pub" "$OBJ/e1.pub" \
    "$OBJ/d1.pub" > "$OBJ/jwks.json" || fail "jwks"
cp "$OBJ/mcpd.conf" "$OBJ/base.conf"
oauth_conf() {
	cp "$OBJ/base.conf" "$OBJ/mcpd.conf"
	http_conf "$@" "AuthMode oauth" "JWKSFile $OBJ/jwks.json" \
	    "JWTIssuer $ISS" "JWTAudience $AUD" "AuthFailureLimit 100000/min"
}

# The tokens, "NAME TOKEN" a line, in a file the secret scan leaves
# alone (request input); the valid ones are recorded as secrets.
node "$TOP/tests/regress/jwt-forge.mjs" "$OBJ" "$ISS" "$AUD" \
    dev@example.com > "$OBJ/tokens.in" || fail "jwt-forge.mjs"
token() {
	awk -v n="$1" '$1 == n { print $2 }' "$OBJ/tokens.in"
}
for n in good good-es256 good-eddsa typ-media-type typ-jwt typ-missing typ-other; do
	secret_record "$(token "$n")"
done

declare -A reason=(
	[alg-none]='oauth: alg none refused'
	[hs256-pubkey]='oauth: alg HS256 refused'
	[rs256-kid-of-ec-key]='oauth: kid "e1" is an ES256 key, token says RS256'
	[unknown-kid]='oauth: unknown kid "nosuch"'
	[kid-path]='oauth: bad kid'
	[kid-quote]='oauth: bad kid'
	[expired]='oauth: token expired'
	[nbf-future]='oauth: token not yet valid (nbf)'
	[no-exp]='oauth: exp missing'
	[exp-string]='oauth: exp not a number'
	[wrong-iss]='oauth: wrong issuer'
	[no-aud]='oauth: aud missing'
	[other-aud]='oauth: audience mismatch'
	[aud-array-without-ours]='oauth: audience mismatch'
	[bitflip-rs256]='oauth: bad signature'
	[bitflip-es256]='oauth: bad signature'
	[bitflip-eddsa]='oauth: bad signature'
	[payload-swapped]='oauth: bad signature'
	[two-parts]='oauth: malformed token (2 parts)'
	[five-parts]='oauth: malformed token (5 parts: JWE refused)'
	[header-not-base64url]='oauth: header not base64url'
	[header-not-json]='oauth: header not JSON'
	[payload-not-base64url]='oauth: payload not base64url'
	[payload-not-json]='oauth: payload not JSON'
	[duplicate-claims]='oauth: duplicate claim'
	[roles-not-array]='oauth: roles claim not an array of strings'
	[roles-not-strings]='oauth: roles claim not an array of strings'
	[typ-jwt]='oauth: typ "JWT" refused (JWTType at+jwt)'
	[typ-missing]='oauth: typ missing (JWTType at+jwt)'
	[typ-other]='oauth: typ "dpop+jwt" refused (JWTType at+jwt)'
)

fingerprint() {
	printf '%s' "$1" | sha256sum | cut -c1-12
}

oauth_conf
start_http
CHALLENGE="Bearer resource_metadata=\"http://127.0.0.1:$PORT/.well-known/oauth-protected-resource\", error=\"invalid_token\""

# The good ones first: forged right, they are accepted.  typ
# application/at+jwt is at+jwt (RFC 9068 section 4).
for n in good good-es256 good-eddsa typ-media-type; do
	AUTH=$(token "$n") http_modern 1 tools/call '{"name":"list_tables","arguments":{}}'
	expect_status "$n" 200
	expect_eq "$n result" "$(http_body '.result.isError')" false
done
expect_eq "good tokens audited" \
    "$(audit_select 'select(.event == "tools/call") | [.decision, .user, .method]' | sort -u)" \
    '["ALLOWED","dev@example.com","oauth"]'

checked=0
for n in "${!reason[@]}"; do
	t=$(token "$n")
	[ -n "$t" ] || fail "jwt-forge.mjs made no token $n"
	before=$(wc -l < "$OBJ/audit.log")
	# Each from a source of its own: refusals of one source and reason
	# are recorded in full once a minute (http-audit-aggregate.sh), and
	# two of these share a reason.
	src=127.0.0.$((10 + checked))
	AUTH=$t http_modern 2 tools/call '{"name":"list_tables","arguments":{}}' \
	    --interface "$src"
	expect_status "$n" 401
	expect_eq "$n challenge" "$(http_header WWW-Authenticate)" "$CHALLENGE"
	expect_eq "$n body" "$(http_body '[.error.code, .error.message]')" \
	    '[-32003,"Authentication failed"]'
	# Generic for the client: nothing of the reason leaks.
	grep -q 'oauth' "$OBJ/body" && fail "$n: the reason reached the client"
	expect_eq "$n: one record" "$(($(wc -l < "$OBJ/audit.log") - before))" 1
	expect_eq "$n audited" \
	    "$(tail -n 1 "$OBJ/audit.log" | jq -c '[.event, .decision, .user, .credential, .source]')" \
	    "[\"authenticate\",\"AUTH_FAILED\",null,\"$(fingerprint "$t")\",\"$src:$LOCAL_PORT\"]"
	expect_eq "$n reason" "$(tail -n 1 "$OBJ/audit.log" | jq -r .reason)" \
	    "${reason[$n]}"
	checked=$((checked + 1))
done
expect_eq "bad tokens checked" "$checked" 30

# Two Authorization headers: a malformed request, refused as such.
before=$(wc -l < "$OBJ/audit.log")
AUTH=$(token good) http_modern 3 tools/list '{}' \
    -H "Authorization: Bearer $(token alg-none)"
expect_status "two Authorization headers" 400
expect_eq "two Authorization headers error" "$(http_body .error.message)" '"Repeated header"'
expect_eq "two Authorization headers audited" "$(wc -l < "$OBJ/audit.log")" "$before"

# Too long for the default MaxHeaderSize (8192): evhttp refuses it.
for n in long-10k long-100k; do
	AUTH=$(token "$n") http_modern 4 tools/list
	expect_status "$n, MaxHeaderSize 8192" 400
done
expect_eq "long tokens audited" "$(wc -l < "$OBJ/audit.log")" "$before"
stop_http

# 16K: a 10 KB token reaches the monitor, which refuses it for its length
# (JWT cap 8192) before decoding anything; 100 KB is still refused.
oauth_conf "MaxHeaderSize 16K"
start_http
t=$(token long-10k)
[ "${#t}" -gt 10000 ] || fail "long-10k is ${#t} bytes"
AUTH=$t http_modern 5 tools/list
expect_status "10 KB token, MaxHeaderSize 16K" 401
expect_eq "10 KB token audited" \
    "$(tail -n 1 "$OBJ/audit.log" | jq -c '[.event, .decision, .reason, .credential]')" \
    "[\"authenticate\",\"AUTH_FAILED\",\"oauth: token too long\",\"$(fingerprint "$t")\"]"
before=$(wc -l < "$OBJ/audit.log")
AUTH=$(token long-100k) http_modern 6 tools/list
expect_status "100 KB token, MaxHeaderSize 16K" 400
expect_eq "100 KB token audited" "$(wc -l < "$OBJ/audit.log")" "$before"
stop_http

# 64K is the largest MaxHeaderSize: 100 KB never gets through.
oauth_conf "MaxHeaderSize 64K"
start_http
t=$(token long-100k)
[ "${#t}" -gt 100000 ] || fail "long-100k is ${#t} bytes"
before=$(wc -l < "$OBJ/audit.log")
AUTH=$t http_modern 7 tools/list
expect_status "100 KB token, MaxHeaderSize 64K" 400
expect_eq "100 KB token audited" "$(wc -l < "$OBJ/audit.log")" "$before"
# The server is still there.
AUTH=$(token good) http_modern 8 tools/list
expect_status "good token after the long one" 200
stop_http

# JWTType JWT: "JWT" and no typ pass too, anything else does not;
# JWTType any does not look.
for ty in JWT any; do
	oauth_conf "JWTType $ty"
	start_http
	for n in typ-jwt typ-missing typ-other; do
		AUTH=$(token "$n") http_modern 9 tools/call '{"name":"list_tables","arguments":{}}'
		if [ "$n" = typ-other ] && [ "$ty" = JWT ]; then
			expect_status "$n, JWTType $ty" 401
			expect_eq "$n, JWTType $ty: reason" \
			    "$(tail -n 1 "$OBJ/audit.log" | jq -r .reason)" \
			    'oauth: typ "dpop+jwt" refused (JWTType JWT)'
		else
			expect_status "$n, JWTType $ty" 200
		fi
	done
	stop_http
done

audit_verify
expect_eq "nothing allowed but the good tokens" \
    "$(audit_select 'select(.decision == "ALLOWED") | .request_id' | sort | uniq -c | tr -s ' ')" \
    ' 4 "1"
 1 "8"
 5 "9"'
expect_no_secrets
exit 0
