#!/bin/bash
# AuthFailureLimit 2/min: after two failed authentications from a source,
# its requests are refused before any key is checked, even a valid one.
. "$(dirname "$0")/lib.sh"
setup "AuthFailureLimit 2/min"
meta() { printf '{"authorization":"Bearer %s"}' "$1"; }
{
	init_msg
	call_msg 1 list_tables '{}' "$(meta mcpk_aaaaaaaa_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA)"
	call_msg 2 list_tables '{}' "$(meta mcpk_bbbbbbbb_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA)"
	call_msg 3 list_tables '{}'
} > "$OBJ/in"
KEY=$DEV_KEY run_mcpd || fail "mcpd exited with $?"
expect_error 1 -32003
expect_error 2 -32003
expect_eq "valid key refused" "$(answer 3 '.result.isError')" 'true'
case "$(answer 3 '.result.content[0].text')" in
*"RATE LIMITED"*) ;;
*) fail "third call: $(answer 3 .)" ;;
esac
audit_verify
expect_eq "audit" "$(audit_select 'select(.decision=="RATE_LIMITED") | [.reason, .user]')" \
    '["too many failed authentications from source",null]'
exit 0
