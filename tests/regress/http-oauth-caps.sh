#!/bin/bash
# Issue 11, item 5: roles and user names are capped where they enter the
# monitor.  A token whose role is 300 bytes, or whose sub is 300 bytes, is
# refused 401 and audited AUTH_FAILED with a reason that names the cap;
# the net process is not restarted and another user's call, running at
# the same time, is answered.  (Before the fix the 300-byte role reached
# the net process in the answer, over its PS_NAME_MAX, and the net process
# exited on every such call, dropping the other calls with it.)  An
# AuthorizedKeysFile line whose user= or role is over the cap is refused
# at load, naming the line and the cap.
. "$(dirname "$0")/lib.sh"
setup_http
ISS=https://as.example
AUD=$BASE/mcp
(umask 077 && openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out "$OBJ/e1.key" 2>/dev/null) || fail "signing key"
openssl pkey -in "$OBJ/e1.key" -pubout -out "$OBJ/e1.pub" || fail "public key"
"$MCPCTL" jwks --kid e1 "$OBJ/e1.pub" > "$OBJ/jwks.json" || fail "jwks"
cp "$OBJ/mcpd.conf" "$OBJ/base.conf"
http_conf "AuthMode oauth apikey" "JWKSFile $OBJ/jwks.json" \
    "JWTIssuer $ISS" "JWTAudience $AUD" "AuthFailureLimit 100000/min"
tok() {	# sub roles
	"$MCPCTL" token --key "$OBJ/e1.key" --kid e1 --iss "$ISS" --aud "$AUD" \
	    --sub "$1" --roles "$2" --ttl 15m || fail "mcpctl token"
}
long() {	# n: n bytes of a's
	head -c "$1" /dev/zero | tr '\0' a
}
call() {	# id
	http_modern "$1" tools/call '{"name":"list_tables","arguments":{}}'
}
net_pid() {
	pgrep -P "$MCPD_PID" -x mcpd-net
}
# The last authentication record (the other user's call writes its own
# records meanwhile).
last_auth() {
	jq -c 'select(.event == "authenticate")' "$OBJ/audit.log" | tail -n 1
}
last_reason() {
	last_auth | jq -r .reason
}
start_http
net=$(net_pid) || fail "no net process"
AUTH=$(tok dev@example.com viewer) call 1
expect_status "good token" 200

# Another user's call, running while the bad tokens come.
SLOW='{"name":"execute_sql","arguments":{"sql":"WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 2000000) SELECT count(*) AS n FROM c"}}'
# The key in a header file, as http_req does: never on a command line.
(umask 077 && printf 'Authorization: Bearer %s\n' "$ADMIN_KEY" \
    > "$OBJ/slow-auth.in") || fail "slow-auth.in"
curl -s --max-time 20 ${HTTP_TLS[@]+"${HTTP_TLS[@]}"} -o "$OBJ/slow.body" \
    -H "@$OBJ/slow-auth.in" -H 'Content-Type: application/json' \
    -H 'MCP-Protocol-Version: 2026-07-28' -H 'Mcp-Method: tools/call' \
    -H 'Mcp-Name: execute_sql' \
    --data-binary "$(modern_msg 9 tools/call "$SLOW")" "$BASE/mcp" &
slow=$!

AUTH=$(tok dev@example.com "$(long 300),viewer") call 2
expect_status "300-byte role" 401
expect_eq "300-byte role: audited" \
    "$(last_auth | jq -c '[.event, .decision, .user]')" \
    '["authenticate","AUTH_FAILED",null]'
expect_eq "300-byte role: reason" "$(last_reason)" \
    'oauth: role longer than 128 bytes in the roles claim'
AUTH=$(tok dev@example.com "$(long 129)") call 3
expect_status "129-byte role" 401
AUTH=$(tok dev@example.com "$(long 128)") call 4
expect_status "128-byte role: authenticated (no Role line: denied)" 200
expect_eq "128-byte role: denied" "$(http_body '.result.isError')" true
AUTH=$(tok "$(long 300)@example.com" viewer) call 5
expect_status "300-byte sub" 401
expect_eq "300-byte sub: reason" "$(last_reason)" \
    'oauth: bad sub (a non-empty string of at most 256 bytes without control characters)'

wait "$slow" || fail "the other user's call failed (curl $?)"
rm -f "$OBJ/slow-auth.in"
expect_eq "the other user's call answered" "$(jq -r '.result.isError' "$OBJ/slow.body")" false
AUTH=$DEV_KEY call 6
expect_status "another user after" 200
expect_eq "net process not restarted" "$(net_pid)" "$net"
grep -q 'killed by signal\|fatal' "$OBJ/err" && fail "a process died: $(cat "$OBJ/err")"
stop_http

# Key files: a user= or a role over the cap is refused at load.
KEYLINE=$(grep -v '^#' "$OBJ/keys" | head -n 1 | sed 's/^.* \([^ ]* sha256:[0-9a-f]*\)$/\1/')
printf 'user="%s" %s\n' "$(long 257)" "$KEYLINE" > "$OBJ/longkeys"
chmod 600 "$OBJ/longkeys"
sed "s|^AuthorizedKeysFile .*|AuthorizedKeysFile $OBJ/longkeys|" "$OBJ/base.conf" > "$OBJ/long.conf"
"$MCPD" -t -f "$OBJ/long.conf" > /dev/null 2> "$OBJ/t.err" && fail "mcpd -t accepted a 257-byte user="
grep -q "longkeys line 1: user: longer than 256 bytes" "$OBJ/t.err" ||
    fail "user= cap not named: $(cat "$OBJ/t.err")"
printf 'roles="viewer,%s" %s\n' "$(long 129)" "$KEYLINE" > "$OBJ/longkeys"
"$MCPD" -t -f "$OBJ/long.conf" > /dev/null 2> "$OBJ/t.err" && fail "mcpd -t accepted a 129-byte role"
grep -q "longkeys line 1: roles: role number 2 longer than 128 bytes" "$OBJ/t.err" ||
    fail "roles= cap not named: $(cat "$OBJ/t.err")"
audit_verify
exit 0
