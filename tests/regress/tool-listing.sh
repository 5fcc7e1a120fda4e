#!/bin/bash
# ToolListing permitted shows a caller only its tools; ToolListing all
# shows every tool with the roles it requires.
. "$(dirname "$0")/lib.sh"
setup
{ init_msg; printf '{"jsonrpc":"2.0","id":1,"method":"tools/list"}\n'; } > "$OBJ/in"
KEY=$VIEWER_KEY run_mcpd || fail "mcpd exited with $?"
expect_eq "viewer tools" "$(answer 1 '[.result.tools[].name] | sort')" \
    '["describe_table","list_tables","query"]'
expect_eq "schema present" "$(answer 1 '.result.tools[] | select(.name=="query") | .inputSchema.required')" '["sql"]'

setup_all() { sed -i '1i ToolListing all' "$OBJ/mcpd.conf"; }
setup_all
KEY=$VIEWER_KEY run_mcpd || fail "mcpd exited with $?"
expect_eq "all tools" "$(answer 1 '.result.tools | length')" 6
expect_eq "required roles" \
    "$(answer 1 '.result.tools[] | select(.name=="delete_users") | ._meta["mcpd/requiredRoles"]')" '["admin"]'
expect_eq "required roles of query" \
    "$(answer 1 '.result.tools[] | select(.name=="query") | ._meta["mcpd/requiredRoles"]')" '["admin","developer","viewer"]'
audit_verify
exit 0
