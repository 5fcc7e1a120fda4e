#!/bin/bash
# OAuth bearer JWTs over HTTP (issue 4, items 4 and 9; mcpd.conf(5),
# JWKSFile): tokens minted by mcpctl token with RS256, PS256, ES256 and EdDSA
# keys published by mcpctl jwks are accepted; the identity is the token's sub
# and its roles come from the token, else from the User line; JWTScope turns a
# missing scope into 403 insufficient_scope naming the scope, and lists the
# scopes in the metadata; an algorithm JWTAlgorithms leaves out is refused;
# key rotation by SIGHUP: a new kid works once it is published, and a removed
# kid is refused, even for a token verified (and cached) before.
. "$(dirname "$0")/lib.sh"
setup_http
ISS=https://as.example
AUD=$BASE/mcp
(
	umask 077
	for k in r1 p1 r2; do
		openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
		    -out "$OBJ/$k.key" 2>/dev/null || exit 1
	done
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
	    -out "$OBJ/e1.key" 2>/dev/null &&
	openssl genpkey -algorithm ED25519 -out "$OBJ/d1.key" 2>/dev/null
) || fail "signing keys"
for k in r1 p1 r2 e1 d1; do
	openssl pkey -in "$OBJ/$k.key" -pubout -out "$OBJ/$k.pub" ||
	    fail "public key $k"
done
# jwks KID:ALG...: publish those keys as $OBJ/jwks.json, atomically.
jwks() {
	local a kids=() files=()
	for a in "$@"; do
		kids+=(--kid "${a%%:*}" --alg "${a#*:}")
		files+=("$OBJ/${a%%:*}.pub")
	done
	"$MCPCTL" jwks "${kids[@]}" "${files[@]}" > "$OBJ/jwks.json.new" ||
	    fail "mcpctl jwks $*"
	mv "$OBJ/jwks.json.new" "$OBJ/jwks.json" || fail "mv jwks"
}
jwks r1:RS256 p1:PS256 e1:ES256 d1:EdDSA
expect_eq "JWKS" "$(jq -c '[.keys[] | [.kid, .alg, .kty]]' "$OBJ/jwks.json")" \
    '[["r1","RS256","RSA"],["p1","PS256","RSA"],["e1","ES256","EC"],["d1","EdDSA","OKP"]]'
cp "$OBJ/mcpd.conf" "$OBJ/base.conf"
http_conf "AuthMode oauth" "JWKSFile $OBJ/jwks.json" "JWTIssuer $ISS" \
    "JWTAudience $AUD" "JWTAlgorithms RS256,PS256,ES256,EdDSA" \
    "JWTScope mcp:read viewer" "JWTScope mcp:write developer" \
    "JWTScope mcp:admin admin"

# tok KID SUB [mcpctl token options]: a token signed with KID's key.
tok() {
	local kid=$1 sub=$2
	shift 2
	"$MCPCTL" token --key "$OBJ/$kid.key" --kid "$kid" --iss "$ISS" \
	    --aud "$AUD" --sub "$sub" --ttl 15m "$@" || fail "mcpctl token $kid"
}
call() {	# id tool args-json [curl args]
	local id=$1 tool=$2 args=$3
	shift 3
	http_modern "$id" tools/call "{\"name\":\"$tool\",\"arguments\":$args}" "$@"
}
# The audit record of request id $1 and event $2, filtered by jq $3.
rec() {
	audit_select "select(.request_id == \"$1\" and .event == \"$2\") | $3"
}
reloads() {
	grep -c 'configuration reloaded' "$OBJ/err"
}
# SIGHUP and wait (bounded) until the reload is done.
hup() {
	local n
	n=$(reloads)
	kill -HUP "$MCPD_PID" || fail "kill -HUP"
	for _ in $(seq 1 100); do
		[ "$(reloads)" -gt "$n" ] && return 0
		sleep 0.05
	done
	fail "no reload within 5s"
}

start_http
grep -q '^  \[OK\] OAuth token validation enabled (4 keys)$' "$OBJ/err" ||
    fail "no OAuth banner line"

# --- every algorithm ---
id=0
for spec in r1: p1:PS256 e1: d1:; do
	kid=${spec%%:*}
	alg=${spec#*:}
	id=$((id + 1))
	T=$(tok "$kid" viewer@example.com --roles viewer --scope mcp:read \
	    ${alg:+--alg "$alg"})
	AUTH=$T call "$id" list_tables '{}'
	expect_status "token $kid" 200
	expect_eq "token $kid result" "$(http_body '.result.isError')" false
	expect_eq "token $kid audited" \
	    "$(rec "$id" tools/call '[.decision, .user, .roles, .method, .credential]')" \
	    "[\"ALLOWED\",\"viewer@example.com\",[\"viewer\"],\"oauth\",\"$(printf '%s' "$T" | sha256sum | cut -c1-12)\"]"
	# The header says which algorithm signed it.
	expect_eq "token $kid alg" \
	    "$(cut -d. -f1 <<< "$T" | basenc --base64url -d 2>/dev/null | jq -r .alg)" \
	    "$(jq -r --arg k "$kid" '.keys[] | select(.kid == $k) | .alg' "$OBJ/jwks.json")"
done

# --- roles: from the token, else from the User line ---
T=$(tok r1 dev@example.com --roles viewer --scope "mcp:read mcp:write")
AUTH=$T call 10 execute_sql '{"sql":"SELECT 1"}'
expect_status "token roles" 200
expect_eq "token roles win over the User line" "$(http_body '.result.isError')" true
expect_eq "denied by the token's roles" \
    "$(rec 10 tools/call '[.decision, .user, .roles, .reason]')" \
    '["DENIED","dev@example.com",["viewer"],"no role permits the tool"]'
expect_eq "denial text" "$(jq -r '.result.content[0].text' < "$OBJ/body")" \
    "ACCESS DENIED
--------------
Tool: execute_sql
Required role: admin,developer
Your role: viewer
Action: Blocked and logged"

T=$(tok r1 dev@example.com --scope "mcp:read mcp:write")
AUTH=$T call 11 execute_sql '{"sql":"SELECT 1"}'
expect_status "User line roles" 200
expect_eq "User line roles apply" "$(http_body '.result.isError')" false
expect_eq "allowed by the User line" "$(rec 11 tools/call '[.decision, .roles]')" \
    '["ALLOWED",["developer","viewer"]]'

# --- JWTScope ---
T=$(tok r1 dev@example.com --roles developer,viewer --scope mcp:read)
AUTH=$T call 12 execute_sql '{"sql":"SELECT 1"}'
expect_status "missing scope" 403
expect_eq "insufficient_scope challenge" "$(http_header WWW-Authenticate)" \
    "Bearer resource_metadata=\"http://127.0.0.1:$PORT/.well-known/oauth-protected-resource\", error=\"insufficient_scope\", scope=\"mcp:write\""
expect_eq "insufficient_scope body" "$(http_body '.error.code')" -32003
expect_eq "insufficient scope audited" "$(rec 12 tools/call '[.decision, .reason, .tool]')" \
    '["DENIED","insufficient scope","execute_sql"]'
# The scope it has still works.
AUTH=$T call 13 query '{"sql":"SELECT 1"}'
expect_status "scope present" 200
expect_eq "scope present result" "$(http_body '.result.isError')" false
# A token without any scope has no role in effect; either scope that maps
# to one of its roles that may call query would do.
T=$(tok r1 dev@example.com --roles developer,viewer)
AUTH=$T call 14 query '{"sql":"SELECT 1"}'
expect_status "no scope at all" 403
expect_eq "no scope challenge" "$(http_header WWW-Authenticate | sed 's/.*, scope=//')" '"mcp:read mcp:write"'
# A role the token lacks is no scope matter: a plain denial.
T=$(tok r1 dev@example.com --roles developer,viewer --scope "mcp:read mcp:write mcp:admin")
AUTH=$T call 15 drop_table '{"table":"users"}'
expect_status "role missing" 200
expect_eq "role missing result" "$(http_body '.result.isError')" true
expect_eq "role missing audited" "$(rec 15 tools/call '[.decision, .reason]')" \
    '["DENIED","no role permits the tool"]'

http_req GET /.well-known/oauth-protected-resource ""
expect_eq "scopes_supported" "$(http_body '.scopes_supported')" \
    '["mcp:read","mcp:write","mcp:admin"]'

# --- rotation ---
OLD=$(tok r1 viewer@example.com --roles viewer --scope mcp:read)
NEW=$(tok r2 viewer@example.com --roles viewer --scope mcp:read)
AUTH=$OLD call 20 list_tables '{}'
expect_status "r1 before rotation" 200
AUTH=$NEW call 21 list_tables '{}'
expect_status "r2 before it is published" 401
expect_eq "r2 before it is published: reason" \
    "$(tail -n 1 "$OBJ/audit.log" | jq -r .reason)" 'oauth: unknown kid "r2"'

jwks r1:RS256 p1:PS256 e1:ES256 d1:EdDSA r2:RS256
hup
AUTH=$NEW call 22 list_tables '{}'
expect_status "r2 after SIGHUP" 200
AUTH=$OLD call 23 list_tables '{}'
expect_status "r1 while both are published" 200

jwks p1:PS256 e1:ES256 d1:EdDSA r2:RS256
hup
AUTH=$OLD call 24 list_tables '{}'
expect_status "r1 token (verified before) after its key is removed" 401
expect_eq "removed key: reason" "$(tail -n 1 "$OBJ/audit.log" | jq -r .reason)" \
    'oauth: unknown kid "r1"'
AUTH=$(tok r1 viewer@example.com --roles viewer --scope mcp:read) \
    call 25 list_tables '{}'
expect_status "new r1 token after its key is removed" 401
AUTH=$NEW call 26 list_tables '{}'
expect_status "r2 after r1 is removed" 200
expect_eq "reloads audited" "$(audit_select 'select(.event == "reload") | .reason')" \
    '"configuration reloaded"
"configuration reloaded"'
stop_http

# --- JWTAlgorithms without PS256: a PS256 token is refused ---
cp "$OBJ/base.conf" "$OBJ/mcpd.conf"
jwks r1:RS256 p1:PS256 e1:ES256 d1:EdDSA
http_conf "AuthMode oauth" "JWKSFile $OBJ/jwks.json" "JWTIssuer $ISS" \
    "JWTAudience $AUD" "JWTAlgorithms RS256,ES256,EdDSA"
start_http
AUTH=$(tok p1 viewer@example.com --alg PS256 --roles viewer) \
    call 30 list_tables '{}'
expect_status "PS256 not in JWTAlgorithms" 401
expect_eq "PS256 not in JWTAlgorithms: reason" \
    "$(tail -n 1 "$OBJ/audit.log" | jq -r .reason)" 'oauth: alg PS256 not allowed'
AUTH=$(tok r1 viewer@example.com --roles viewer) call 31 list_tables '{}'
expect_status "RS256 still accepted" 200
# An API key is no token.
AUTH=$DEV_KEY call 32 list_tables '{}'
expect_status "API key under AuthMode oauth" 401
expect_eq "API key under AuthMode oauth: reason" \
    "$(tail -n 1 "$OBJ/audit.log" | jq -r .reason)" 'oauth: credential is an API key'
stop_http

audit_verify
expect_no_secrets
exit 0
