#!/bin/bash
# Arguments that fail the tool's inputSchema are refused by the net process
# with -32602 before anything reaches the monitor: no audit record, no
# worker.
. "$(dirname "$0")/lib.sh"
setup
{
	init_msg
	call_msg 1 delete_users '{"userIds":["1"]}'
	call_msg 2 delete_users '{"userIds":[]}'
	call_msg 3 describe_table '{}'
	call_msg 4 describe_table '{"table":"users","extra":1}'
	call_msg 5 query '{"sql":42}'
	call_msg 6 query "{\"sql\":\"$(head -c 70000 /dev/zero | tr '\0' 'x')\"}"
	call_msg 7 describe_table '{"table":"users"}'
} > "$OBJ/in"
KEY=$ADMIN_KEY run_mcpd || fail "mcpd exited with $?"
for id in 1 2 3 4 5 6; do
	expect_error "$id" -32602
done
expect_eq "valid call" "$(answer 7 '.result.isError')" 'false'
audit_verify
expect_eq "only the valid call was audited" \
    "$(audit_select 'select(.event=="tools/call") | .request_id')" '"7"'
exit 0
