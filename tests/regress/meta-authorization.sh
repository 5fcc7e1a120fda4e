#!/bin/bash
# A per-request credential in params._meta.authorization overrides the
# process's MCPD_API_KEY for that request alone; the key never reaches any
# child's environment.
. "$(dirname "$0")/lib.sh"
setup
{
	init_msg
	call_msg 1 drop_table '{"table":"orders"}'
	call_msg 2 drop_table '{"table":"no_such_table"}' "{\"authorization\":\"Bearer $ADMIN_KEY\"}"
	call_msg 3 list_tables '{}' "{\"authorization\":\"bearer $DEV_KEY\"}"
	printf '{"jsonrpc":"2.0","id":4,"method":"tools/list","params":{"_meta":{"authorization":"Bearer %s"}}}\n' "$ADMIN_KEY"
} > "$OBJ/in"
KEY=$VIEWER_KEY run_mcpd || fail "mcpd exited with $?"
expect_eq "viewer denied" "$(answer 1 '.result.content[0].text' | jq -r . | sed -n 5p)" "Your role: viewer"
expect_eq "admin allowed (tool error: no such table)" "$(answer 2 '.result.content[0].text')" '"no such table"'
expect_eq "scheme is case-insensitive" "$(answer 3 '.result.isError')" 'false'
expect_eq "admin sees all tools" "$(answer 4 '.result.tools | length')" 6
audit_verify
expect_eq "identities" "$(audit_select 'select(.event=="tools/call") | .user' | tr '\n' ' ')" \
    '"viewer@example.com" "admin@example.com" "dev@example.com" '
exit 0
