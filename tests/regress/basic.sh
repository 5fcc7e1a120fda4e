#!/bin/bash
# A whole session as dev@example.com: initialize, tools/list shows only the
# permitted tools, an allowed call runs in a worker and is audited twice
# (decision, outcome), and the audit log verifies.
. "$(dirname "$0")/lib.sh"
setup
{
	init_msg
	printf '{"jsonrpc":"2.0","id":1,"method":"ping"}\n'
	printf '{"jsonrpc":"2.0","id":2,"method":"tools/list"}\n'
	call_msg 3 list_tables '{}'
	call_msg 4 query '{"sql":"SELECT count(*) AS n FROM users"}'
} > "$OBJ/in"
KEY=$DEV_KEY run_mcpd || fail "mcpd exited with $?"

expect_eq "protocol version" "$(answer 0 '.result.protocolVersion')" '"2025-11-25"'
expect_eq "server name" "$(answer 0 '.result.serverInfo.name')" '"mcpd"'
expect_eq "ping" "$(answer 1 '.result')" '{}'
expect_eq "tools for dev" "$(answer 2 '[.result.tools[].name] | sort')" \
    '["describe_table","execute_sql","list_tables","query"]'
expect_eq "list_tables ok" "$(answer 3 '.result.isError')" 'false'
tables=$(answer 3 '.result.content[0].text | fromjson | .tables | sort')
case "$tables" in
*'"users"'*) ;;
*) fail "list_tables: $tables" ;;
esac
expect_eq "query" "$(answer 4 '.result.content[0].text | fromjson | .rows[0][0] > 0')" 'true'
grep -q '^Server ready on stdio$' "$OBJ/err" || fail "no ready line"
grep -q '^MCP Server starting...$' "$OBJ/err" || fail "no starting line"

audit_verify
expect_eq "allowed records" \
    "$(audit_select 'select(.event=="tools/call" and .decision=="ALLOWED") | .tool' | tr '\n' ' ')" \
    '"list_tables" "query" '
expect_eq "outcome records" \
    "$(audit_select 'select(.event=="tools/result" and .tool=="list_tables") | [.user, .tool, .reason, (.duration_ms|type)]')" \
    '["dev@example.com","list_tables","ok","number"]'
expect_eq "tools/list audited" "$(audit_select 'select(.event=="tools/list") | [.decision, .request_id, .user]')" \
    '["ALLOWED","2","dev@example.com"]'
expect_eq "source" "$(audit_select 'select(.event=="tools/call") | .source' | sort -u)" '"stdio"'
expect_eq "client" "$(audit_select 'select(.event=="tools/call") | .client' | head -n 1)" \
    '"{\"name\":\"regress\",\"version\":\"1\"}"'
expect_no_secrets
exit 0
