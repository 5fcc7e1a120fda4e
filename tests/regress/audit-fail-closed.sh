#!/bin/bash
# If an audit record cannot be written, the call is refused (fail closed)
# and the failure is logged loudly; SIGUSR1 reopens the log and calls work
# again.  The failure is made by replacing the log with a directory, then
# reopening.
. "$(dirname "$0")/lib.sh"
setup
KEY=$DEV_KEY start_mcpd
send "$(init_msg | head -n 1)"
wait_answer 0
send "$(call_msg 1 list_tables '{}')"
wait_answer 1
expect_eq "before" "$(answer 1 '.result.isError')" 'false'

mv "$OBJ/audit.log" "$OBJ/audit.log.1"
mkdir "$OBJ/audit.log"
kill -USR1 "$MCPD_PID"
sleep 0.3
send "$(call_msg 2 list_tables '{}')"
wait_answer 2
expect_eq "refused" "$(answer 2 '.error')" '{"code":-32603,"message":"Internal error"}'
grep -q 'AUDIT LOG' "$OBJ/err" || fail "failure not logged"

rmdir "$OBJ/audit.log"
kill -USR1 "$MCPD_PID"
sleep 0.3
send "$(call_msg 3 list_tables '{}')"
wait_answer 3
expect_eq "after" "$(answer 3 '.result.isError')" 'false'
stop_mcpd || fail "mcpd exit status $?"

# The chain runs on across the rotation.
"$MCPCTL" audit verify "$OBJ/audit.log.1" --key-file "$OBJ/audit.key" >/dev/null ||
    fail "first file does not verify"
"$MCPCTL" audit verify "$OBJ/audit.log" --key-file "$OBJ/audit.key" --continued >/dev/null ||
    fail "second file does not verify"
cat "$OBJ/audit.log.1" "$OBJ/audit.log" > "$OBJ/all.log"
"$MCPCTL" audit verify "$OBJ/all.log" --key-file "$OBJ/audit.key" >/dev/null ||
    fail "joined files do not verify"
expect_eq "call 3 audited" "$(jq -c 'select(.request_id=="3" and .event=="tools/call") | .decision' "$OBJ/audit.log")" '"ALLOWED"'
expect_eq "call 2 never ran" "$(jq -c 'select(.request_id=="2")' "$OBJ/all.log")" ''
exit 0
