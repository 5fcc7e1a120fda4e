#!/bin/bash
# The denial of DESIGN 9: dev@example.com calls delete_users, which needs
# admin.  The client gets the exact ACCESS DENIED text, the database is
# untouched, and the audit log holds the DENIED record that mcpctl shows.
. "$(dirname "$0")/lib.sh"
setup
{
	init_msg
	call_msg 1 delete_users '{"userIds":[1,2]}'
	call_msg 2 query '{"sql":"SELECT count(*) FROM users"}'
} > "$OBJ/in"
KEY=$DEV_KEY run_mcpd || fail "mcpd exited with $?"

expect_eq "isError" "$(answer 1 '.result.isError')" 'true'
expect_eq "denial text" "$(answer 1 '.result.content[0].text')" \
    '"ACCESS DENIED\n--------------\nTool: delete_users\nRequired role: admin\nYour role: developer\nAction: Blocked and logged"'
before=$(sqlite3 "$OBJ/demo.db" 'SELECT count(*) FROM users')
expect_eq "rows still there" \
    "$(answer 2 '.result.content[0].text | fromjson | .rows[0][0]')" "$before"

audit_verify
expect_eq "denied record" \
    "$(audit_select 'select(.decision=="DENIED") | [.user, .tool, .required, .roles[0], .event]')" \
    '["dev@example.com","delete_users","admin","developer","tools/call"]'
line=$("$MCPCTL" audit show "$OBJ/audit.log" | grep ' DENIED ')
case "$line" in
"["[0-9][0-9][0-9][0-9]-*"Z] DENIED user=dev@example.com tool=delete_users role=developer required=admin")
	;;
*)	fail "audit show: $line" ;;
esac
# Nothing ran: no outcome record for the denied call.
expect_eq "no outcome" \
    "$(audit_select 'select(.event=="tools/result" and .tool=="delete_users")')" ''
exit 0
