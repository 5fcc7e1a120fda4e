#!/bin/bash
# Sessions per identity (issue 11, item 4).  MaxSessionsPerUser 3: one
# user opening 40 sessions keeps its 3 newest (the oldest are evicted:
# 404 on use), and the session table, 32 here (MaxConnections 2), never
# fills, so another user's initialize still succeeds.  Before, the 33rd
# initialize of anyone got 503 until SessionTimeout.  And initialize counts
# against RateLimit: at 5/min the sixth is 429 with Retry-After, audited
# RATE_LIMITED, while another identity is unaffected.
. "$(dirname "$0")/lib.sh"
setup_http "MaxSessionsPerUser 3" "MaxConnections 2" "RateLimit 1000/min"
cp "$OBJ/mcpd.conf" "$OBJ/base.conf"
start_http

sid() {	# the Mcp-Session-Id of the last answer
	http_header Mcp-Session-Id
}
ping() {	# SESSION-ID: a ping in that session
	http_post /mcp '{"jsonrpc":"2.0","id":9,"method":"ping"}' \
	    -H "Mcp-Session-Id: $1" -H "MCP-Protocol-Version: 2025-11-25"
}

ids=()
codes=()
for i in $(seq 1 40); do
	AUTH=$DEV_KEY http_post /mcp "$(http_init)"
	codes+=("$STATUS")
	ids+=("$(sid)")
done
expect_eq "40 initializes of one user" "$(printf '%s\n' "${codes[@]}" | sort | uniq -c | tr -s ' ')" " 40 200"
AUTH=$VIEWER_KEY http_post /mcp "$(http_init)"
expect_status "another user's initialize" 200
viewer=$(sid)
[ -n "$viewer" ] || fail "no session id for the other user"
AUTH=$VIEWER_KEY ping "$viewer"
expect_status "the other user's session" 200
for i in 0 1 36; do
	AUTH=$DEV_KEY ping "${ids[$i]}"
	expect_status "evicted session $((i + 1))" 404
done
for i in 37 38 39; do
	AUTH=$DEV_KEY ping "${ids[$i]}"
	expect_status "kept session $((i + 1))" 200
done
stop_http

# --- initialize counts against RateLimit ---
cp "$OBJ/base.conf" "$OBJ/mcpd.conf"
http_conf "RateLimit 5/min"
start_http
for i in 1 2 3 4 5; do
	AUTH=$DEV_KEY http_post /mcp "$(http_init)"
	expect_status "initialize $i of 5" 200
done
AUTH=$DEV_KEY http_post /mcp "$(http_init)"
expect_status "sixth initialize" 429
r=$(http_header Retry-After)
[[ $r =~ ^[0-9]+$ ]] && [ "$r" -ge 1 ] && [ "$r" -le 60 ] ||
    fail "sixth initialize: Retry-After '$r'"
expect_eq "sixth initialize audited" \
    "$(tail -n 1 "$OBJ/audit.log" | jq -c '[.event, .decision, .user, .reason]')" \
    '["initialize","RATE_LIMITED","dev@example.com","rate limit exceeded"]'
AUTH=$VIEWER_KEY http_post /mcp "$(http_init)"
expect_status "another identity's initialize" 200
stop_http
audit_verify
expect_no_secrets
exit 0
