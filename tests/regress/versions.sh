#!/bin/bash
# Version negotiation: each supported protocol version is echoed; an
# unknown one is answered with the newest supported.
. "$(dirname "$0")/lib.sh"
setup
for v in 2025-03-26 2025-06-18 2025-11-25 1999-01-01; do
	init_msg "$v" > "$OBJ/in"
	KEY=$DEV_KEY run_mcpd || fail "mcpd exited with $?"
	want=$v
	[ "$v" = 1999-01-01 ] && want=2025-11-25
	expect_eq "version $v" "$(answer 0 '.result.protocolVersion')" "\"$want\""
	expect_eq "tools capability" "$(answer 0 '.result.capabilities.tools | type')" '"object"'
done
exit 0
