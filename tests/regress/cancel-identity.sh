#!/bin/bash
# notifications/cancelled over stdio with per-request credentials (issue
# 11, item 1): a cancellation presenting another identity's key does not
# touch dev's running call, which completes with its answer, and the
# attempt is audited DENIED naming both the canceller and the call's
# owner; dev's own cancellation stops its call (no answer, worker killed)
# and the call's record names who cancelled it.
. "$(dirname "$0")/lib.sh"
setup "ToolTimeout 30" "QueryTimeout 60s" "Workers 1"
SLOW='{"sql":"WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c LIMIT 6000000) SELECT count(*) AS n FROM c"}'
FOREVER='{"sql":"WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT count(*) FROM c"}'
meta() {	# key
	printf '{"authorization":"Bearer %s"}' "$1"
}
cancel_msg() {	# id key
	printf '{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":%s,"_meta":%s}}' "$1" "$(meta "$2")"
}
# Wait (bounded) until the audit log has a record that jq filter $1 selects.
wait_audit() {
	local i
	for i in $(seq 1 200); do
		[ -n "$(audit_select "$1" 2>/dev/null)" ] && return 0
		sleep 0.05
	done
	fail "no audit record $1 within 10s"
}

start_mcpd
send "$(init_msg | head -n 1)"
wait_answer 0
worker=$(child_pids worker)
[ -n "$worker" ] || fail "no worker"

# The viewer names dev's call: nothing happens to it.
send "$(call_msg 1 query "$SLOW" "$(meta "$DEV_KEY")")"
wait_audit 'select(.event=="tools/call" and .request_id=="1")'
send "$(cancel_msg 1 "$VIEWER_KEY")"
wait_answer 1
expect_eq "dev's call answered" "$(answer 1 '[.result.isError, (.result.content[0].text | contains("6000000"))]')" \
    '[false,true]'
kill -0 "$worker" 2>/dev/null || fail "worker $worker killed by another's cancel"
expect_eq "foreign cancel audited" \
    "$(audit_select 'select(.event=="notifications/cancelled") | [.decision, .user, .owner, .request_id, .tool, .reason]')" \
    '["DENIED","viewer@example.com","dev@example.com","1","query","the call is another identity'"'"'s"]'

# dev cancels its own call.
send "$(call_msg 2 query "$FOREVER" "$(meta "$DEV_KEY")")"
wait_audit 'select(.event=="tools/call" and .request_id=="2")'
send "$(cancel_msg 2 "$DEV_KEY")"
wait_audit 'select(.event=="tools/result" and .request_id=="2")'
send '{"jsonrpc":"2.0","id":3,"method":"ping"}'
wait_answer 3
expect_eq "no answer for the cancelled call" "$(answer 2 '.')" ''
kill -0 "$worker" 2>/dev/null && fail "cancelled worker $worker still alive"
stop_mcpd || fail "exit status $?"

audit_verify
expect_eq "completed call's record" \
    "$(audit_select 'select(.event=="tools/result" and .request_id=="1") | [.decision, .user, .cancelled_by]')" \
    '[null,"dev@example.com",null]'
expect_eq "cancelled call's record" \
    "$(audit_select 'select(.event=="tools/result" and .request_id=="2") | [.decision, .user, .reason, .cancelled_by]')" \
    '["ERROR","dev@example.com","cancelled by the client","dev@example.com"]'
expect_eq "one refused cancellation" \
    "$(audit_select 'select(.event=="notifications/cancelled")' | wc -l)" 1
expect_no_secrets
exit 0
