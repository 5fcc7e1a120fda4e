#!/bin/bash
# Rate limits over HTTP (issue 4, item 7; mcpd(8), THE PIPELINE): RateLimit
# 3/min lets an identity make three tools/call requests and answers the fourth
# 429 with Retry-After (another identity unaffected); AuthFailureLimit 3/min:
# after three bad tokens from 127.0.0.1, each on its own connection as a flood
# would come, the source is refused 429 before any signature is checked,
# audited RATE_LIMITED "too many failed authentications from source", and so
# is a valid token from the same address.
. "$(dirname "$0")/lib.sh"
setup_http
ISS=https://as.example
AUD=$BASE/mcp
(umask 077 && openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out "$OBJ/e1.key" 2>/dev/null) || fail "signing key"
openssl pkey -in "$OBJ/e1.key" -pubout -out "$OBJ/e1.pub" || fail "public key"
"$MCPCTL" jwks --kid e1 "$OBJ/e1.pub" > "$OBJ/jwks.json" || fail "jwks"
cp "$OBJ/mcpd.conf" "$OBJ/base.conf"

call() {	# id [curl args]: a 2026-07-28 tools/call of list_tables
	local id=$1
	shift
	http_modern "$id" tools/call '{"name":"list_tables","arguments":{}}' "$@"
}
expect_retry_after() {	# what
	local r
	r=$(http_header Retry-After)
	if ! [[ $r =~ ^[0-9]+$ ]] || [ "$r" -lt 1 ] || [ "$r" -gt 60 ]; then
		fail "$1: Retry-After '$r'"
	fi
}

# --- RateLimit 3/min per identity ---
http_conf "RateLimit 3/min"
start_http
for id in 1 2 3; do
	AUTH=$DEV_KEY call "$id"
	expect_status "call $id of 3" 200
	expect_eq "call $id of 3 result" "$(http_body '.result.isError')" false
done
AUTH=$DEV_KEY call 4
expect_status "fourth call" 429
expect_retry_after "fourth call"
expect_eq "fourth call body" "$(http_body '.error.message')" '"Rate limited"'
expect_eq "fourth call audited" \
    "$(tail -n 1 "$OBJ/audit.log" | jq -c '[.decision, .user, .reason, .source]')" \
    "[\"RATE_LIMITED\",\"dev@example.com\",\"rate limit exceeded\",\"127.0.0.1:$LOCAL_PORT\"]"
expect_eq "calls run" \
    "$(audit_select 'select(.event == "tools/result") | .request_id' | tr '\n' ' ')" \
    '"1" "2" "3" '
# The limit is the identity's: another one still calls.
AUTH=$VIEWER_KEY call 5
expect_status "another identity" 200
stop_http

# --- AuthFailureLimit 3/min per source address ---
cp "$OBJ/base.conf" "$OBJ/mcpd.conf"
http_conf "AuthMode oauth" "JWKSFile $OBJ/jwks.json" "JWTIssuer $ISS" \
    "JWTAudience $AUD" "AuthFailureLimit 3/min"
start_http
GOOD=$("$MCPCTL" token --key "$OBJ/e1.key" --kid e1 --iss "$ISS" \
    --aud "$AUD" --sub dev@example.com --ttl 15m) || fail "mcpctl token"
BAD=$("$MCPCTL" token --key "$OBJ/e1.key" --kid e1 --iss "$ISS" \
    --aud https://elsewhere.example/mcp --sub dev@example.com --ttl 15m) ||
    fail "mcpctl token"
ports=()
for id in 11 12 13; do
	AUTH=$BAD call "$id"
	expect_status "bad token $id" 401
	# Refusals before authentication: the first in full, the rest
	# counted (issue 11, item 4; http-audit-aggregate.sh).
	expect_eq "bad token $id audited once" \
	    "$(audit_select 'select(.decision == "AUTH_FAILED") | [.reason, .count]')" \
	    '["oauth: audience mismatch",null]'
	ports+=("$LOCAL_PORT")
done
# Each came on a connection of its own.
expect_eq "connections" "$(printf '%s\n' "${ports[@]}" | sort -u | wc -l)" 3

AUTH=$BAD call 14
expect_status "fourth bad token" 429
expect_retry_after "fourth bad token"
expect_eq "fourth bad token audited" \
    "$(tail -n 1 "$OBJ/audit.log" | jq -c '[.event, .decision, .user, .reason]')" \
    '["authenticate","RATE_LIMITED",null,"too many failed authentications from source"]'

# A valid token from the same address is refused as well, unverified.
AUTH=$GOOD call 15
expect_status "valid token from the blocked source" 429
expect_retry_after "valid token from the blocked source"
expect_eq "nothing ran for the blocked source" \
    "$(audit_select 'select(.event == "tools/call" and
        (.request_id | tonumber) >= 11)' | wc -l)" 0
stop_http
# At shutdown the refusals counted and not written are summed up.
expect_eq "refusals summed up" \
    "$(audit_select 'select(.count != null) | [.event, .decision, .reason, .source, .count]')" \
'["authenticate","AUTH_FAILED","oauth: audience mismatch","127.0.0.1/32",2]
["authenticate","RATE_LIMITED","too many failed authentications from source","127.0.0.1/32",1]'

audit_verify
expect_no_secrets
exit 0
