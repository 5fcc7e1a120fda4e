#!/bin/bash
# Cancellation over HTTP is the caller's alone (issue 11, item 1).
# 2026-07-28 (every client shares the stateless session): a viewer's
# notifications/cancelled naming dev's running call leaves it alone, dev
# gets its answer, and the attempt is audited DENIED with both identities;
# dev's own notification cancels nothing either (that protocol cancels by
# closing the request's stream), and closing the connection does cancel:
# the worker is killed and the record names dev as the canceller (over
# plain HTTP and over TLS).
# 2025-11-25 sessions: the viewer cannot use dev's Mcp-Session-Id (404),
# and its cancellation from its own session is refused and audited, as is
# dev's own from another of its sessions; dev's
# cancellation in its own session stops the call: no JSON-RPC answer is
# sent, the POST ends with 204.
. "$(dirname "$0")/lib.sh"
setup_http "ToolTimeout 30" "QueryTimeout 60s" "Workers 1"
start_http
SLOW='{"name":"query","arguments":{"sql":"WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c LIMIT 6000000) SELECT count(*) AS n FROM c"}}'
FOREVER='{"name":"query","arguments":{"sql":"WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT count(*) FROM c"}}'
MODERN=(-H "MCP-Protocol-Version: 2026-07-28")

# Wait (bounded) until the audit log has a record that jq filter $1 selects.
wait_audit() {
	local i
	for i in $(seq 1 200); do
		[ -n "$(audit_select "$1" 2>/dev/null)" ] && return 0
		sleep 0.05
	done
	fail "no audit record $1 within 10s"
}
# bg_post NAME KEY BODY [curl args...]: a POST in the background; its
# status goes to $OBJ/NAME.status, its body to $OBJ/NAME.body, its pid to
# BG_PID.  The key goes through a file, never on a command line.
bg_post() {
	local name=$1 key=$2 body=$3
	shift 3
	(umask 077 && printf 'Authorization: Bearer %s\n' "$key" \
	    > "$OBJ/$name.auth.in") || fail "auth.in"
	curl -s -o "$OBJ/$name.body" -w '%{http_code}' -H "@$OBJ/$name.auth.in" \
	    -H "Content-Type: application/json" "$@" --data-binary "$body" \
	    "$URL" > "$OBJ/$name.status" 2> "$OBJ/$name.err" &
	BG_PID=$!
}
bg_modern_call() {	# NAME KEY ID PARAMS [curl args...]
	local name=$1 key=$2 id=$3 p=$4
	shift 4
	bg_post "$name" "$key" "$(modern_msg "$id" tools/call "$p")" \
	    "${MODERN[@]}" -H "Mcp-Method: tools/call" -H "Mcp-Name: query" "$@"
}
cancel_body() {	# ID [modern]
	if [ $# -ge 2 ]; then
		jq -cn --argjson id "$1" '{jsonrpc: "2.0",
		    method: "notifications/cancelled", params: {requestId: $id,
		    _meta: {"io.modelcontextprotocol/protocolVersion": "2026-07-28"}}}'
	else
		printf '{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":%s}}' "$1"
	fi
}
worker=$(child_pids worker)
[ -n "$worker" ] || fail "no worker"

# --- 2026-07-28: another identity's notification ---
bg_modern_call a7 "$DEV_KEY" 7 "$SLOW" --max-time 60
A=$BG_PID
wait_audit 'select(.event=="tools/call" and .request_id=="7")'
AUTH=$VIEWER_KEY http_post /mcp "$(cancel_body 7 modern)" "${MODERN[@]}" \
    -H "Mcp-Method: notifications/cancelled"
expect_status "viewer's notification" 202
wait "$A"
expect_eq "dev's call answered" "$(cat "$OBJ/a7.status")" 200
expect_eq "dev's answer" "$(jq -c '[.id, .result.isError, (.result.content[0].text | contains("6000000"))]' "$OBJ/a7.body")" \
    '[7,false,true]'
kill -0 "$worker" 2>/dev/null || fail "worker killed by the viewer's notification"
expect_eq "viewer's attempt audited" \
    "$(audit_select 'select(.event=="notifications/cancelled" and .user=="viewer@example.com") | [.decision, .owner, .request_id, .tool, .reason]')" \
    '["DENIED","dev@example.com","7","query","the call is another identity'"'"'s"]'
expect_eq "dev's result record" \
    "$(audit_select 'select(.event=="tools/result" and .request_id=="7") | [.decision, .user, .cancelled_by]')" \
    '[null,"dev@example.com",null]'

# --- 2026-07-28: dev's own notification does not cancel, closing does ---
bg_modern_call a8 "$DEV_KEY" 8 "$FOREVER" --max-time 60
A=$BG_PID
wait_audit 'select(.event=="tools/call" and .request_id=="8")'
AUTH=$DEV_KEY http_post /mcp "$(cancel_body 8 modern)" "${MODERN[@]}" \
    -H "Mcp-Method: notifications/cancelled"
expect_status "dev's notification" 202
wait_audit 'select(.event=="notifications/cancelled" and .request_id=="8")'
expect_eq "dev's notification audited" \
    "$(audit_select 'select(.event=="notifications/cancelled" and .request_id=="8") | [.decision, .user, .owner, .reason]')" \
    '["DENIED","dev@example.com","dev@example.com","a 2026-07-28 call over HTTP is cancelled by closing its connection"]'
kill -0 "$worker" 2>/dev/null || fail "worker killed by a notification"
kill "$A" 2>/dev/null
wait "$A" 2>/dev/null
wait_audit 'select(.event=="tools/result" and .request_id=="8")'
expect_eq "closing cancelled dev's call" \
    "$(audit_select 'select(.event=="tools/result" and .request_id=="8") | [.decision, .user, .reason, .cancelled_by]')" \
    '["ERROR","dev@example.com","cancelled by the client: connection closed","dev@example.com"]'
kill -0 "$worker" 2>/dev/null && fail "worker $worker still alive after the close"

# --- 2025-11-25 sessions ---
wait_workers
worker=$(child_pids worker)
init_session() {	# key -> SID
	AUTH=$1 http_post /mcp "$(http_init)"
	expect_status "initialize" 200
	SID=$(http_header Mcp-Session-Id)
	[ -n "$SID" ] || fail "no session id"
	AUTH=$1 http_post /mcp '{"jsonrpc":"2.0","method":"notifications/initialized"}' \
	    -H "Mcp-Session-Id: $SID" -H "MCP-Protocol-Version: 2025-11-25"
	expect_status "initialized" 202
}
init_session "$DEV_KEY"
SA=$SID
init_session "$VIEWER_KEY"
SB=$SID
init_session "$DEV_KEY"
SA2=$SID
OLD=(-H "MCP-Protocol-Version: 2025-11-25")

bg_post s3 "$DEV_KEY" "$(jq -cn --argjson p "$SLOW" '{jsonrpc: "2.0", id: 3, method: "tools/call", params: $p}')" \
    "${OLD[@]}" -H "Mcp-Session-Id: $SA" --max-time 60
A=$BG_PID
wait_audit 'select(.event=="tools/call" and .request_id=="3")'
AUTH=$VIEWER_KEY http_post /mcp "$(cancel_body 3)" "${OLD[@]}" -H "Mcp-Session-Id: $SA"
expect_status "viewer in dev's session" 404
AUTH=$VIEWER_KEY http_post /mcp "$(cancel_body 3)" "${OLD[@]}" -H "Mcp-Session-Id: $SB"
expect_status "viewer in its own session" 202
# dev itself, but from another of its sessions.
AUTH=$DEV_KEY http_post /mcp "$(cancel_body 3)" "${OLD[@]}" -H "Mcp-Session-Id: $SA2"
expect_status "dev in another session" 202
wait "$A"
expect_eq "dev's session call answered" "$(cat "$OBJ/s3.status")" 200
expect_eq "dev's session answer" "$(jq -c '[.id, .result.isError]' "$OBJ/s3.body")" '[3,false]'
expect_eq "viewer's session attempt audited" \
    "$(audit_select 'select(.event=="notifications/cancelled" and .request_id=="3") | [.decision, .user, .owner, .reason]')" \
    '["DENIED","viewer@example.com","dev@example.com","the call is another identity'"'"'s"]
["DENIED","dev@example.com","dev@example.com","the call is another session'"'"'s"]'

bg_post s4 "$DEV_KEY" "$(jq -cn --argjson p "$FOREVER" '{jsonrpc: "2.0", id: 4, method: "tools/call", params: $p}')" \
    "${OLD[@]}" -H "Mcp-Session-Id: $SA" --max-time 5
A=$BG_PID
wait_audit 'select(.event=="tools/call" and .request_id=="4")'
AUTH=$DEV_KEY http_post /mcp "$(cancel_body 4)" "${OLD[@]}" -H "Mcp-Session-Id: $SA"
expect_status "dev's cancellation" 202
wait_audit 'select(.event=="tools/result" and .request_id=="4")'
expect_eq "dev's session call cancelled" \
    "$(audit_select 'select(.event=="tools/result" and .request_id=="4") | [.decision, .user, .reason, .cancelled_by]')" \
    '["ERROR","dev@example.com","cancelled by the client","dev@example.com"]'
kill -0 "$worker" 2>/dev/null && fail "worker $worker still alive after the cancellation"
wait "$A"
# No JSON-RPC answer; the POST itself ends, with 204 and no body.
expect_eq "no answer for the cancelled call" \
    "$(cat "$OBJ/s4.status") $(wc -c < "$OBJ/s4.body")" "204 0"
stop_http

# --- 2026-07-28 over TLS: closing the connection cancels as well ---
tls_material
http_conf "TLSCertificate $OBJ/server-ec.crt" "TLSKey $OBJ/server-ec.key"
start_http
worker=$(child_pids worker)
bg_modern_call t9 "$DEV_KEY" 9 "$FOREVER" --max-time 60 "${HTTP_TLS[@]}"
A=$BG_PID
wait_audit 'select(.event=="tools/call" and .request_id=="9")'
kill "$A" 2>/dev/null
wait "$A" 2>/dev/null
wait_audit 'select(.event=="tools/result" and .request_id=="9")'
expect_eq "closing cancelled dev's call over TLS" \
    "$(audit_select 'select(.event=="tools/result" and .request_id=="9") | [.decision, .reason, .cancelled_by]')" \
    '["ERROR","cancelled by the client: connection closed","dev@example.com"]'
kill -0 "$worker" 2>/dev/null && fail "worker $worker still alive after the TLS close"
stop_http
audit_verify
expect_no_secrets
exit 0
