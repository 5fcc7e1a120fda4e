#!/bin/bash
# query is read-only three ways: every write attempt through it is a tool
# error, and the database is unchanged afterwards.
. "$(dirname "$0")/lib.sh"
setup
before=$(sqlite3 "$OBJ/demo.db" .dump | sha256sum)
i=0
{
	init_msg
	while IFS= read -r sql; do
		i=$((i + 1))
		call_msg $i query "$(jq -cn --arg s "$sql" '{sql:$s}')"
	done <<'SQL'
DELETE FROM users
SELECT 1; DELETE FROM users
WITH x AS (SELECT 1) DELETE FROM users
ATTACH DATABASE '/tmp/mcpd-regress-attach.db' AS x
PRAGMA writable_schema=1
DROP TABLE users
INSERT INTO users(name, email, role) VALUES ('x', 'x@example.com', 'x')
UPDATE users SET name = 'x'
CREATE TABLE t(x)
SELECT load_extension('/tmp/x')
VACUUM INTO '/tmp/mcpd-regress-vacuum.db'
SQL
	call_msg 99 query '{"sql":"SELECT count(*) FROM users"}'
} > "$OBJ/in"
rm -f /tmp/mcpd-regress-attach.db /tmp/mcpd-regress-vacuum.db
KEY=$ADMIN_KEY run_mcpd || fail "mcpd exited with $?"
for n in $(seq 1 11); do
	expect_eq "statement $n refused" "$(answer $n '.result.isError')" 'true'
	text=$(answer $n '.result.content[0].text')
	case "$text" in
	*sqlite*|*SQLITE*|*/tmp*|*"$OBJ"*) fail "statement $n leaks: $text" ;;
	esac
done
expect_eq "select works" "$(answer 99 '.result.isError')" 'false'
after=$(sqlite3 "$OBJ/demo.db" .dump | sha256sum)
expect_eq "database unchanged" "$after" "$before"
[ -e /tmp/mcpd-regress-attach.db ] && fail "ATTACH created a file"
[ -e /tmp/mcpd-regress-vacuum.db ] && fail "VACUUM INTO created a file"
audit_verify
exit 0
