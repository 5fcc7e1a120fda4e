#!/bin/bash
# RateLimit 3/min: the fourth call within the minute is a tool error that
# says when to retry, audited RATE_LIMITED; another identity is unaffected.
. "$(dirname "$0")/lib.sh"
setup "RateLimit 3/min"
meta() { printf '{"authorization":"Bearer %s"}' "$1"; }
{
	init_msg
	for i in 1 2 3 4; do
		call_msg $i list_tables '{}'
	done
	call_msg 5 list_tables '{}' "$(meta "$VIEWER_KEY")"
} > "$OBJ/in"
KEY=$DEV_KEY run_mcpd || fail "mcpd exited with $?"
for i in 1 2 3; do
	expect_eq "call $i" "$(answer $i '.result.isError')" 'false'
done
expect_eq "limited" "$(answer 4 '.result.isError')" 'true'
text=$(answer 4 '.result.content[0].text' | jq -r .)
case "$text" in
"RATE LIMITED"*"Retry after: "[0-9]*" seconds"*) ;;
*) fail "rate limit text: $text" ;;
esac
expect_eq "other identity" "$(answer 5 '.result.isError')" 'false'
audit_verify
expect_eq "audit" "$(audit_select 'select(.decision=="RATE_LIMITED") | [.user, .tool, .reason]')" \
    '["dev@example.com","list_tables","rate limit exceeded"]'
exit 0
