#!/bin/bash
# An unknown tool: answered -32602 "Unknown tool" only after the caller
# authenticated, and audited as DENIED with the reason; without a valid
# key the same call is an authentication failure, so tool names cannot be
# probed.
. "$(dirname "$0")/lib.sh"
setup
{
	init_msg
	call_msg 1 no_such_tool '{"x":1}'
	call_msg 2 no_such_tool '{}' '{"authorization":"Bearer mcpk_zzzzzzzz_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}'
} > "$OBJ/in"
KEY=$ADMIN_KEY run_mcpd || fail "mcpd exited with $?"
expect_eq "unknown tool" "$(answer 1 '.error')" '{"code":-32602,"message":"Unknown tool"}'
expect_eq "unauthenticated" "$(answer 2 '.error')" '{"code":-32003,"message":"Authentication failed"}'
audit_verify
expect_eq "audit" "$(audit_select 'select(.tool=="no_such_tool") | [.decision, .reason]' | head -n 1)" \
    '["DENIED","unknown tool"]'
exit 0
