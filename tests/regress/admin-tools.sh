#!/bin/bash
# The write tools, as admin: execute_sql, delete_users and drop_table
# change the database; describe_table describes.
. "$(dirname "$0")/lib.sh"
setup "Workers 1"
{
	init_msg
	call_msg 1 describe_table '{"table":"users"}'
	call_msg 2 execute_sql '{"sql":"UPDATE users SET name = '"'"'x'"'"' WHERE id = 3"}'
	call_msg 3 delete_users '{"userIds":[3]}'
	call_msg 4 drop_table '{"table":"orders"}'
	call_msg 5 list_tables '{}'
	call_msg 6 execute_sql '{"sql":"ATTACH DATABASE '"'"'/tmp/mcpd-regress-x.db'"'"' AS x"}'
} > "$OBJ/in"
KEY=$ADMIN_KEY run_mcpd || fail "mcpd exited with $?"
expect_eq "describe" "$(answer 1 '.result.content[0].text | fromjson | [.columns[].name] | index("email") != null')" 'true'
expect_eq "update" "$(answer 2 '.result.content[0].text | fromjson | .changes')" 1
expect_eq "delete" "$(answer 3 '.result.content[0].text | fromjson | .deleted')" 1
expect_eq "gone" "$(sqlite3 "$OBJ/demo.db" 'SELECT count(*) FROM users WHERE id = 3')" 0
expect_eq "drop" "$(answer 4 '.result.isError')" 'false'
expect_eq "tables" "$(answer 5 '.result.content[0].text | fromjson | .tables | index("orders")')" 'null'
expect_eq "attach refused" "$(answer 6 '.result.isError')" 'true'
[ -e /tmp/mcpd-regress-x.db ] && { rm -f /tmp/mcpd-regress-x.db; fail "ATTACH created a file"; }
audit_verify
exit 0
