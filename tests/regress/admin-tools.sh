#!/bin/bash
# The write tools, as admin: execute_sql, delete_users and drop_table
# change the database; describe_table describes.  A tool error's audit
# record holds the precise reason from the worker (SQLite's message, the
# authorizer's refusal), escaped, while the client sees a generic text.
. "$(dirname "$0")/lib.sh"
setup "Workers 1"
{
	init_msg
	call_msg 1 describe_table '{"table":"users"}'
	call_msg 2 execute_sql '{"sql":"UPDATE users SET name = '"'"'x'"'"' WHERE id = 3"}'
	call_msg 3 delete_users '{"userIds":["3"]}'
	call_msg 4 drop_table '{"table":"orders"}'
	call_msg 5 list_tables '{}'
	call_msg 6 execute_sql '{"sql":"ATTACH DATABASE '"'"'/tmp/mcpd-regress-x.db'"'"' AS x"}'
	call_msg 7 execute_sql '{"sql":"INSERT INTO users(name, email) SELECT name, email FROM users WHERE id = 1"}'
	call_msg 8 query '{"sql":"SELECT * FROM \"no\nsuch\""}'
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
expect_eq "generic text" "$(answer 7 '.result.content[0].text')" '"SQL error: constraint violation"'
expect_eq "generic text" "$(answer 8 '.result.content[0].text')" '"SQL error"'
audit_verify
reason() { audit_select "select(.event==\"tools/result\" and .request_id==\"$1\") | [.decision, .reason]"; }
expect_eq "attach reason" "$(reason 6)" '["ERROR","tool error: authorizer denied action 24 (/tmp/mcpd-regress-x.db, -)"]'
expect_eq "constraint reason" "$(reason 7)" '["ERROR","tool error: execute_sql: UNIQUE constraint failed: users.email (2067)"]'
expect_eq "escaped reason" "$(reason 8)" '["ERROR","tool error: prepare: no such table: no\nsuch (1)"]'
grep -q 'no\\nsuch' "$OBJ/audit.log" || fail "the newline is not escaped in the log"
exit 0
