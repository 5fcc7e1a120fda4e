#!/bin/bash
# Workers are retired and replaced as Postfix retires its processes: after
# WorkerMaxCalls calls, and after WorkerIdleTimeout of idleness.  No call
# fails because of it, and a retirement is not a crash: nothing is audited
# as an error.
. "$(dirname "$0")/lib.sh"
setup "Workers 1" "WorkerMaxCalls 3" "WorkerIdleTimeout 2"
KEY=$DEV_KEY start_mcpd
send "$(init_msg | head -n 1)"
wait_answer 0
w1=$(child_pids worker)
for i in 1 2 3; do
	send "$(call_msg $i list_tables '{}')"
	wait_answer $i
done
sleep 0.3
w2=$(child_pids worker)
[ -n "$w2" ] && [ "$w2" != "$w1" ] || fail "not replaced after 3 calls ($w1 -> $w2)"
kill -0 "$w1" 2>/dev/null && fail "retired worker $w1 still running"
for i in 4 5; do
	send "$(call_msg $i list_tables '{}')"
	wait_answer $i
done
expect_eq "same worker below the limit" "$(child_pids worker)" "$w2"
sleep 3
w3=$(child_pids worker)
[ -n "$w3" ] && [ "$w3" != "$w2" ] || fail "not replaced when idle ($w2 -> $w3)"
send "$(call_msg 6 list_tables '{}')"
wait_answer 6
stop_mcpd || fail "exit status $?"
expect_eq "all calls ok" "$(jq -c 'select(.id > 0) | .result.isError' "$OBJ/out" | sort -u)" false
audit_verify
expect_eq "no process errors" "$(audit_select 'select(.event=="process")')" ''
exit 0
