#!/bin/bash
# Control characters and newlines in tool names, request ids and
# clientInfo cannot forge or split an audit line or a log line.
. "$(dirname "$0")/lib.sh"
setup
{
	printf '{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"evil\\n{\\"seq\\":1}\\r\\u001b[31m","version":"1\\u2028"}}}\n'
	printf '{"jsonrpc":"2.0","id":"a\\nb\\u0007","method":"tools/call","params":{"name":"x\\n[2025-01-01T00:00:00Z] ALLOWED user=admin@example.com","arguments":{}}}\n'
	printf '{"jsonrpc":"2.0","id":"c\\r\\nd","method":"tools/call","params":{"name":"list_tables","arguments":{}}}\n'
} > "$OBJ/in"
KEY=$DEV_KEY run_mcpd -d || fail "mcpd exited with $?"
audit_verify
lines=$(wc -l < "$OBJ/audit.log")
expect_eq "one JSON object per line" "$(jq -c . "$OBJ/audit.log" | wc -l)" "$lines"
LC_ALL=C grep -q $'[\x01-\x09\x0b-\x1f\x7f]' "$OBJ/audit.log" && fail "raw control byte in audit log"
LC_ALL=C grep -q $'[\x01-\x09\x0b-\x1f\x7f]' "$OBJ/err" && fail "raw control byte in the log"
"$MCPCTL" audit show "$OBJ/audit.log" > "$OBJ/show"
expect_eq "show lines" "$(wc -l < "$OBJ/show")" "$lines"
LC_ALL=C grep -q $'[\x01-\x09\x0b-\x1f\x7f]' "$OBJ/show" && fail "raw control byte in audit show"
grep -q '^\[2025-01-01' "$OBJ/show" && fail "forged line in audit show"
expect_eq "tool recorded as sent" \
    "$(audit_select 'select(.request_id=="\"a\\nb\\u0007\"") | .tool')" \
    '"x\n[2025-01-01T00:00:00Z] ALLOWED user=admin@example.com"'
expect_eq "call with odd id answered" "$(jq -c 'select(.id=="c\r\nd") | .result.isError' "$OBJ/out")" 'false'
exit 0
