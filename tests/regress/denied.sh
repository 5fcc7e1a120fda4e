#!/bin/bash
# The denial of mcpd(8), MCP SESSION: dev@example.com calls delete_users,
# which needs admin.  The client gets the exact ACCESS DENIED text, the
# database is untouched, and the audit log holds the DENIED record that mcpctl
# shows.  Authorization comes before argument validation: the same denial,
# whatever the arguments (the seed's, invalid ones, none), tells the caller
# nothing of the tool's schema.
. "$(dirname "$0")/lib.sh"
setup
{
	init_msg
	call_msg 1 delete_users '{"userIds":["1","2"]}'
	call_msg 2 query '{"sql":"SELECT count(*) FROM users"}'
	call_msg 3 delete_users '{"userIds":[1,2]}'
	call_msg 4 delete_users '{"userIds":[]}'
	call_msg 5 delete_users '{"force":true}'
	printf '{"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"delete_users"}}\n'
} > "$OBJ/in"
KEY=$DEV_KEY run_mcpd || fail "mcpd exited with $?"

expect_eq "isError" "$(answer 1 '.result.isError')" 'true'
expect_eq "denial text" "$(answer 1 '.result.content[0].text')" \
    '"ACCESS DENIED\n--------------\nTool: delete_users\nRequired role: admin\nYour role: developer\nAction: Blocked and logged"'
for id in 3 4 5 6; do
	expect_eq "$id: same denial" "$(answer $id '.result')" "$(answer 1 '.result')"
done
before=$(sqlite3 "$OBJ/demo.db" 'SELECT count(*) FROM users')
expect_eq "rows still there" \
    "$(answer 2 '.result.content[0].text | fromjson | .rows[0][0]')" "$before"

audit_verify
rec='["dev@example.com","delete_users","admin","developer","tools/call","no role permits the tool"]'
expect_eq "denied records" \
    "$(audit_select 'select(.decision=="DENIED") | [.user, .tool, .required, .roles[0], .event, .reason]' | sort -u)" "$rec"
expect_eq "five denied records" "$(audit_select 'select(.decision=="DENIED")' | wc -l)" 5
line=$("$MCPCTL" audit show "$OBJ/audit.log" | grep ' DENIED ' | head -n 1)
case "$line" in
"["[0-9][0-9][0-9][0-9]-*"Z] DENIED user=dev@example.com tool=delete_users role=developer required=admin")
	;;
*)	fail "audit show: $line" ;;
esac
# Nothing ran: no outcome record for the denied call.
expect_eq "no outcome" \
    "$(audit_select 'select(.event=="tools/result" and .tool=="delete_users")')" ''
exit 0
