#!/bin/bash
# Issue 12, section 2: every privsep channel is dispatched by one function
# from a table that holds, for each message, the transports and states it
# may come in and whether it may come once only.  A net process that sends
# what the monitor's table refuses (a compromised one: the test build's
# "privsep" hook makes it one) is killed
# and audited, the reason naming the check, and over stdio the session
# ends.  One case per check: the transport (PS_AUTH_REQ and PS_CONN_REQ
# are HTTP only), the state (a second PS_HELLO_REQ over stdio,
# PS_INIT_ANS after start-up), an unknown type (and a key-channel type on
# the net channel).  http-dispatch-once.sh checks the once-only flag.
# The messages before the hook pass.
. "$(dirname "$0")/lib.sh"
MCPD=$TOP/$O/test-hooks/mcpd
[ -x "$MCPD" ] || fail "no test-hooks build at $MCPD (make O=$O/test-hooks TEST_HOOKS=1 all)"

# Payload fields, as privsep/proto.h encodes them.
u32() { printf '%08x' "$1"; }
str() { printf '%08x' "${#1}"; printf '%s' "$1" | od -An -v -tx1 | tr -d ' \n'; }

setup
violation() {	# what type payload-hex reason
	local last rc
	KEY=$ADMIN_KEY start_mcpd
	send "$(init_msg | head -n 1)"
	send "$(init_msg | tail -n 1)"
	send '{"jsonrpc":"2.0","id":1,"method":"tools/list"}'
	wait_answer 1
	expect_eq "$1: served before" \
	    "$(answer 1 '[.result.tools[].name] | index("list_tables")')" 0
	send "$(printf '{"jsonrpc":"2.0","id":2,"method":"mcpd-test/violate","params":{"what":"privsep","type":%s,"payload":"%s"}}' "$2" "$3")"
	stop_mcpd && fail "$1: mcpd exited 0"
	grep -qF "net process protocol violation: $4; killing it" "$OBJ/err" ||
	    fail "$1: violation not logged: $(tail -n 3 "$OBJ/err")"
	last=$(audit_select 'select(.event == "privsep") | [.decision, .reason]' | tail -n 1)
	expect_eq "$1: audited" "$last" \
	    "[\"ERROR\",\"net process protocol violation: $4\"]"
}
violation "PS_AUTH_REQ over stdio" 20 \
    "$(u32 1)$(u32 0)$(str '')$(u32 0)" \
    "net: message type 20 not permitted over stdio"
violation "PS_CONN_REQ over stdio" 14 "$(u32 1)" \
    "net: message type 14 not permitted over stdio"
violation "second PS_HELLO_REQ over stdio" 6 \
    "$(u32 9)$(u32 0)$(str '{}')$(str 2025-11-25)" \
    "net: message type 6 not permitted in state 0x4"
violation "PS_INIT_ANS after start-up" 3 "" \
    "net: message type 3 not permitted in state 0x4"
violation "unknown type" 99 "$(u32 1)" \
    "net: message type 99 not permitted in state 0x4"
violation "key-channel message on the net channel" 22 \
    "$(u32 1)$(u32 672)$(str 0123456789abcdef0123456789abcdef)" \
    "net: message type 22 not permitted in state 0x4"
audit_verify

exit 0
