#!/bin/bash
# Notifications are bounded per identity (issue 11, item 1): each
# notifications/cancelled costs the monitor a message, so it counts
# against a bucket of the identity's own, as large as RateLimit (2/min
# here: a token comes back every 30 s, longer than the flood takes).  A
# flood of 200 from dev over one keep-alive connection: the first 2 are
# looked at (and audited: they name no call), the other 198 are dropped,
# with one RATE_LIMITED record for the first drop and one counting the
# rest, not one each.  Another identity's notification is still looked at,
# dev's tool calls are not refused for it, and the monitor and the net
# process stay up.
. "$(dirname "$0")/lib.sh"
setup_http "RateLimit 2/min"
start_http
(umask 077 && printf '%s' "$DEV_KEY" > "$OBJ/dev.in") || fail "dev.in"
net=$(child_pids net)
[ -n "$net" ] || fail "no net process"

python3 - "$PORT" "$OBJ/dev.in" > "$OBJ/flood.out" 2>&1 <<'PY' || fail "flood: $(cat "$OBJ/flood.out")"
import http.client, json, sys
port, keyfile = int(sys.argv[1]), sys.argv[2]
key = open(keyfile).read()
c = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
statuses = {}
for i in range(200):
    body = json.dumps({"jsonrpc": "2.0", "method": "notifications/cancelled",
        "params": {"requestId": 1000 + i, "_meta": {
            "io.modelcontextprotocol/protocolVersion": "2026-07-28"}}})
    c.request("POST", "/mcp", body, {"Authorization": "Bearer " + key,
        "Content-Type": "application/json",
        "Accept": "application/json, text/event-stream",
        "MCP-Protocol-Version": "2026-07-28",
        "Mcp-Method": "notifications/cancelled"})
    r = c.getresponse()
    r.read()
    statuses[r.status] = statuses.get(r.status, 0) + 1
print(statuses)
PY
expect_eq "every notification accepted" "$(cat "$OBJ/flood.out")" "{202: 200}"

# Another identity has a bucket of its own.
AUTH=$VIEWER_KEY http_post /mcp \
    '{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":7,"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}}' \
    -H "MCP-Protocol-Version: 2026-07-28" -H "Mcp-Method: notifications/cancelled"
expect_status "viewer's notification" 202
# dev's tool calls count against RateLimit, not against the notifications.
AUTH=$DEV_KEY http_modern 1 tools/call '{"name":"list_tables","arguments":{}}'
expect_status "dev's call after the flood" 200
expect_eq "dev's call answered" "$(http_body '.result.isError')" false
kill -0 "$MCPD_PID" || fail "monitor gone"
expect_eq "same net process" "$(child_pids net)" "$net"
stop_http

audit_verify
expect_eq "dev's notifications looked at" \
    "$(audit_select 'select(.event=="notifications/cancelled" and .decision=="DENIED" and .user=="dev@example.com")' | wc -l)" 2
expect_eq "viewer's notification looked at" \
    "$(audit_select 'select(.event=="notifications/cancelled" and .user=="viewer@example.com") | [.decision, .reason]')" \
    '["DENIED","no call of this id in flight"]'
expect_eq "drops audited in two records" \
    "$(audit_select 'select(.event=="notifications/cancelled" and .decision=="RATE_LIMITED") | [.user, .request_id, .reason, .count]')" \
    '["dev@example.com","1002","notification limit exceeded: dropped",null]
[null,null,"notification limit exceeded: dropped",197]'
expect_no_secrets
exit 0
