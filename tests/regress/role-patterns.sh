#!/bin/bash
# Role tools= takes fnmatch(3) patterns (mcpd.conf(5), Role): a role of
# patterns sees in tools/list exactly the built-in tools they match, may
# call those, and a call to another tool is denied and audited DENIED;
# the denial names the roles whose patterns match the tool.
. "$(dirname "$0")/lib.sh"
setup "Role lister tools=list_*,describe_?able,*_users" \
    "User lister@example.com roles=lister"
LISTER_KEY=$("$MCPCTL" key new --user lister@example.com --roles lister \
    -f "$OBJ/keys") || fail "key new"
"$MCPD" -T -f "$OBJ/mcpd.conf" > "$OBJ/dump" 2> "$OBJ/err" || fail "-T"
grep -qx 'role lister tools=list_\*,describe_?able,\*_users' "$OBJ/dump" ||
    fail "-T: $(grep '^role lister' "$OBJ/dump")"
{
	init_msg
	printf '{"jsonrpc":"2.0","id":1,"method":"tools/list"}\n'
	call_msg 2 list_tables '{}'
	call_msg 3 describe_table '{"table":"users"}'
	call_msg 4 query '{"sql":"SELECT 1"}'
	call_msg 5 execute_sql '{"sql":"DELETE FROM users"}'
} > "$OBJ/in"
KEY=$LISTER_KEY run_mcpd || fail "mcpd exited with $?"
expect_eq "listed" "$(answer 1 '[.result.tools[].name] | sort')" \
    '["delete_users","describe_table","list_tables"]'
expect_eq "list_tables ran" "$(answer 2 '.result.isError // false')" false
expect_eq "describe_table ran" "$(answer 3 '.result.isError // false')" false
expect_eq "query denied" "$(answer 4 '.result.content[0].text')" \
    '"ACCESS DENIED\n--------------\nTool: query\nRequired role: admin,developer,viewer\nYour role: lister\nAction: Blocked and logged"'
expect_eq "execute_sql denied" "$(answer 5 '.result.isError')" true
before=$(sqlite3 "$OBJ/demo.db" 'SELECT count(*) FROM users')
[ "$before" -gt 0 ] || fail "users emptied"

audit_verify
expect_eq "denied records" \
    "$(audit_select 'select(.decision=="DENIED") | [.user, .tool, .required, .roles[0]]')" \
    '["lister@example.com","query","admin,developer,viewer","lister"]
["lister@example.com","execute_sql","admin,developer","lister"]'
expect_eq "allowed records" \
    "$(audit_select 'select(.decision=="ALLOWED" and .event=="tools/call") | .tool' | sort | tr '\n' ' ')" \
    '"describe_table" "list_tables" '
exit 0
