#!/bin/bash
# AuditRedact under AuditArguments full (issue 11, item 7): the fields it
# names are logged as their SHA-256, the others as sent; args_sha256 is
# still the digest of the arguments that ran.  Also for arguments that
# fail the schema.  A malformed rule stops mcpd -t, naming file and line.
. "$(dirname "$0")/lib.sh"
setup "AuditArguments full" "AuditRedact query.sql,*.password"
secret="SELECT name FROM users WHERE email = 'pii-$$@example.com'"
{
	init_msg
	call_msg 1 query "$(jq -cn --arg s "$secret" '{sql:$s}')"
	call_msg 2 delete_users '{"userIds":["6"]}'
	call_msg 3 query "$(jq -cn --arg s "$secret" '{sql:$s, password:"hunter2"}')"
	call_msg 4 list_tables '{}'
} > "$OBJ/in"
KEY=$ADMIN_KEY run_mcpd || fail "mcpd exited with $?"
expect_eq "query ran" "$(answer 1 '.result.isError')" false
expect_eq "schema error" "$(answer 3 '.result.content[0].text')" '"invalid arguments: /password: unexpected property"'
audit_verify
h() { printf '%s' "$1" | sha256sum | cut -d' ' -f1; }
args() { audit_select "select(.event==\"tools/call\" and .request_id==\"$1\") | .args" | jq -r .; }
expect_eq "sql hashed" "$(args 1)" "{\"sql\":\"sha256:$(h "$secret")\"}"
expect_eq "userIds kept" "$(args 2)" '{"userIds":["6"]}'
expect_eq "bad arguments hashed too" "$(args 3)" \
    "{\"password\":\"sha256:$(h hunter2)\",\"sql\":\"sha256:$(h "$secret")\"}"
expect_eq "other tools as sent" "$(args 4)" '{}'
expect_eq "args_sha256 of what ran" \
    "$(audit_select 'select(.event=="tools/call" and .request_id=="1") | .args_sha256' | jq -r .)" \
    "$(h "$(jq -cn --arg s "$secret" '{sql:$s}')")"
grep -q "pii-$$" "$OBJ/audit.log" && fail "the redacted SQL is in the audit log"
grep -q hunter2 "$OBJ/audit.log" && fail "the redacted password is in the audit log"
expect_eq "-T" "$("$MCPD" -T -f "$OBJ/mcpd.conf" 2>/dev/null | grep '^auditredact ')" \
    'auditredact query.sql,*.password'
printf 'AuditRedact query\n' > "$OBJ/bad.conf"
cat "$OBJ/mcpd.conf" >> "$OBJ/bad.conf"
"$MCPD" -t -f "$OBJ/bad.conf" 2> "$OBJ/err" && fail "-t accepted AuditRedact query"
expect_eq "error names file and line" "$(sed 's/^mcpd\[[0-9]*\]: //' "$OBJ/err")" \
    "fatal: $OBJ/bad.conf line 1: AuditRedact: invalid tool.field 'query'"
exit 0
