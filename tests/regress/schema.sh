#!/bin/bash
# Arguments that fail the tool's inputSchema, from a caller allowed the
# tool: a tool execution error naming the failed constraint (MCP
# 2025-11-25, SEP-1303), not JSON-RPC -32602; audited as ERROR with that
# reason, and never run (no outcome record, the database unchanged).
# delete_users takes the seed's userIds, strings: integers are refused.
. "$(dirname "$0")/lib.sh"
setup
{
	init_msg
	call_msg 1 delete_users '{"userIds":[1]}'
	call_msg 2 delete_users '{"userIds":[]}'
	call_msg 3 describe_table '{}'
	call_msg 4 describe_table '{"table":"users","extra":1}'
	call_msg 5 query '{"sql":42}'
	call_msg 6 query "{\"sql\":\"$(head -c 70000 /dev/zero | tr '\0' 'x')\"}"
	call_msg 7 describe_table '{"table":"users"}'
	call_msg 8 delete_users '{"userIds":["6","no-such-id"]}'
} > "$OBJ/in"
KEY=$ADMIN_KEY run_mcpd || fail "mcpd exited with $?"
want=(
	''
	'invalid arguments: /userIds/0: expected string'
	'invalid arguments: /userIds: fewer than 1 items'
	'invalid arguments: /table: required property missing'
	'invalid arguments: /extra: unexpected property'
	'invalid arguments: /sql: expected string'
	'invalid arguments: /sql: longer than 65536 characters'
)
for id in 1 2 3 4 5 6; do
	expect_eq "$id: tool error" "$(answer $id '.result.isError')" true
	expect_eq "$id: text" "$(answer $id '.result.content[0].text' | jq -r .)" "${want[$id]}"
	expect_eq "$id: audited" "$(audit_select "select(.event==\"tools/call\" and .request_id==\"$id\") | [.decision, .reason]")" \
	    "$(jq -cn --arg r "${want[$id]}" '["ERROR", $r]')"
done
expect_eq "valid call" "$(answer 7 '.result.isError')" 'false'
expect_eq "string ids" "$(answer 8 '.result.content[0].text')" '"{\"deleted\":1}"'
expect_eq "user 1 untouched" "$(sqlite3 "$OBJ/demo.db" 'SELECT count(*) FROM users WHERE id = 1')" 1
audit_verify
expect_eq "only the valid calls ran" \
    "$(audit_select 'select(.event=="tools/result") | .request_id' | tr '\n' ' ')" '"7" "8" '
exit 0
