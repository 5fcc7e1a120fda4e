#!/bin/bash
# Nothing a call leaves in a worker reaches the next call (issue 11, item
# 2): one worker serves a developer's calls and then an admin's, and the
# developer's TEMP trigger, TEMP table and view, and the last call's row
# id reach none of the admin's calls.  PRAGMA, BEGIN and ATTACH are
# refused, and the next call still has the defaults.
. "$(dirname "$0")/lib.sh"
setup "Workers 1"
dev="{\"authorization\":\"Bearer $DEV_KEY\"}"
admin="{\"authorization\":\"Bearer $ADMIN_KEY\"}"
sql() { jq -cn --arg s "$1" '{sql:$s}'; }
KEY=$VIEWER_KEY start_mcpd
send "$(init_msg | head -n 1)"
wait_answer 0
w1=$(child_pids worker)
n=0
call() {	# tool args meta
	n=$((n + 1))
	send "$(call_msg $n "$1" "$2" "$3")"
	wait_answer $n
}
result() { answer "$1" '.result.content[0].text' | jq -r .; }
call execute_sql "$(sql 'CREATE TEMP TRIGGER keep BEFORE DELETE ON main.users BEGIN SELECT RAISE(IGNORE); END')" "$dev"
t_trigger=$n
call delete_users '{"userIds":["6"]}' "$admin"
t_delete=$n
call execute_sql "$(sql 'CREATE TEMP TABLE users(id, name)')" "$dev"
call execute_sql "$(sql "INSERT INTO temp.users VALUES (1, 'shadow')")" "$dev"
call execute_sql "$(sql 'CREATE TEMP VIEW orders AS SELECT 42 AS id')" "$dev"
call execute_sql "$(sql 'SELECT count(*) AS n FROM users')" "$admin"
t_users=$n
call execute_sql "$(sql 'SELECT count(*) AS n FROM orders')" "$admin"
t_orders=$n
call query "$(sql 'SELECT count(*) AS n FROM users')" "$admin"
t_query=$n
call list_tables '{}' "$admin"
t_list=$n
call describe_table '{"table":"users"}' "$admin"
t_describe=$n
call execute_sql "$(sql "INSERT INTO products(sku, name, price_cents) VALUES ('s1', 'secret', 1)")" "$dev"
call execute_sql "$(sql 'SELECT last_insert_rowid() AS r, total_changes() AS c')" "$admin"
t_rowid=$n
first_refused=$((n + 1))
for s in 'PRAGMA case_sensitive_like = 1' 'PRAGMA foreign_keys = 0' \
    'PRAGMA query_only = 1' 'BEGIN' "ATTACH ':memory:' AS x"; do
	call execute_sql "$(sql "$s")" "$dev"
done
last_refused=$n
call execute_sql "$(sql "SELECT 'a' LIKE 'A' AS l")" "$admin"
t_like=$n
call execute_sql "$(sql "UPDATE products SET price_cents = 2 WHERE sku = 's1'")" "$admin"
t_write=$n
w2=$(child_pids worker)
stop_mcpd || fail "exit status $?"

expect_eq "one worker served every call" "$w2" "$w1"
expect_eq "trigger created" "$(answer $t_trigger '.result.isError')" false
expect_eq "admin's delete_users deleted" "$(result $t_delete)" '{"deleted":1}'
expect_eq "user 6 gone" "$(sqlite3 "$OBJ/demo.db" 'SELECT count(*) FROM users WHERE id = 6')" 0
expect_eq "real users table" "$(result $t_users | jq -c .rows)" '[[5]]'
expect_eq "real orders table" "$(result $t_orders | jq -c .rows)" '[[7]]'
expect_eq "query sees the real table" "$(result $t_query | jq -c .rows)" '[[5]]'
expect_eq "list_tables" "$(result $t_list)" '{"tables":["orders","products","projects","users"]}'
expect_eq "describe_table" "$(result $t_describe | jq -c '[.columns[].name]')" '["id","name","email","role","created_at"]'
expect_eq "no row id or change count from another call" "$(result $t_rowid | jq -c .rows)" '[[0,0]]'
for i in $(seq $first_refused $last_refused); do
	expect_eq "statement $i refused" "$(answer "$i" '.result.isError')" true
done
expect_eq "LIKE is case-insensitive" "$(result $t_like | jq -c .rows)" '[[1]]'
expect_eq "not query_only, no transaction left open" "$(result $t_write)" '{"changes":1}'
audit_verify
exit 0
