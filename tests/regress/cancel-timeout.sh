#!/bin/bash
# notifications/cancelled stops a running call: no answer is sent for it,
# the worker is killed and replaced, and the audit log records the
# cancellation.  A call that passes ToolTimeout is killed the same way and
# its caller gets a tool error.  The server serves on in both cases.
. "$(dirname "$0")/lib.sh"
setup "ToolTimeout 2" "QueryTimeout 60s" "Workers 1"
FOREVER='{"sql":"WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT count(*) FROM c"}'
KEY=$DEV_KEY start_mcpd
send "$(init_msg | head -n 1)"
wait_answer 0
worker=$(child_pids worker)
[ -n "$worker" ] || fail "no worker"

send "$(call_msg 1 query "$FOREVER")"
sleep 0.5
send '{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":1,"reason":"test"}}'
send '{"jsonrpc":"2.0","id":2,"method":"ping"}'
wait_answer 2
send "$(call_msg 3 list_tables '{}')"
wait_answer 3
expect_eq "serves after cancel" "$(answer 3 '.result.isError')" 'false'
expect_eq "no answer for the cancelled call" "$(answer 1 '.')" ''
kill -0 "$worker" 2>/dev/null && fail "cancelled worker $worker still alive"

send "$(call_msg 4 query "$FOREVER")"
wait_answer 4
expect_eq "timeout is a tool error" "$(answer 4 '.result.isError')" 'true'
send "$(call_msg 5 list_tables '{}')"
wait_answer 5
expect_eq "serves after timeout" "$(answer 5 '.result.isError')" 'false'
stop_mcpd || fail "exit status $?"

audit_verify
expect_eq "cancel audited" "$(audit_select 'select(.event=="tools/result" and .request_id=="1") | [.decision, .reason]')" \
    '["ERROR","cancelled by the client"]'
expect_eq "timeout audited" "$(audit_select 'select(.event=="tools/result" and .request_id=="4") | [.decision, .reason]')" \
    '["ERROR","tool timed out"]'
exit 0
