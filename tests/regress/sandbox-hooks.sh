#!/bin/bash
# The confinement tests' hooks exist only in a TEST_HOOKS build: the
# normal binary holds neither the "mcpd-test/violate" method, the
# "/mcpd-test/keyflood" and "keystall" paths (http-key-flood.sh), the
# "/mcpd-test/certagain" path (http-dispatch-once.sh) nor the
# "test_violate" tool, and does not list, serve or recognise any.  The
# test build does list the tool, so the check is not vacuous.
. "$(dirname "$0")/lib.sh"
HOOKED=$TOP/$O/test-hooks/mcpd
[ -x "$HOOKED" ] || fail "no test-hooks build at $HOOKED"
# Each executable: the monitor's and its children's.
for s in mcpd-test/violate test_violate mprotect-exec mcpd-test/keyflood \
    mcpd-test/keystall mcpd-test/certagain; do
	expect_eq "\"$s\" in $MCPD" "$(strings "$MCPD" "$MCPD-net" \
	    "$MCPD-worker" | grep -c -- "$s")" 0
	[ "$(strings "$HOOKED" "$HOOKED-net" "$HOOKED-worker" |
	    grep -c -- "$s")" -gt 0 ] ||
	    fail "\"$s\" not in the test-hooks build: the check proves nothing"
done

setup "Workers 1"
{
	init_msg
	printf '{"jsonrpc":"2.0","id":1,"method":"tools/list"}\n'
	printf '{"jsonrpc":"2.0","id":2,"method":"mcpd-test/violate","params":{"what":"open"}}\n'
	call_msg 3 test_violate '{"what":"open"}'
	printf '{"jsonrpc":"2.0","id":4,"method":"ping"}\n'
} > "$OBJ/in"
KEY=$ADMIN_KEY run_mcpd || fail "exit status $?"
expect_eq "tools/list" "$(answer 1 '[.result.tools[].name] | index("test_violate")')" null
expect_eq "tools/list has the tools" "$(answer 1 '.result.tools | length')" 6
expect_error 2 -32601
grep -q '"survived"' "$OBJ/out" && fail "a hook ran"
expect_eq "unknown tool" "$(answer 3 '.error.code // .result.isError')" -32602
expect_eq "still serving" "$(answer 4 '.result')" '{}'
grep -q 'killed by signal' "$OBJ/err" && fail "a child died"

# And the test build has them, listed for a caller allowed every tool.
MCPD=$HOOKED
{
	init_msg
	printf '{"jsonrpc":"2.0","id":1,"method":"tools/list"}\n'
} > "$OBJ/in"
KEY=$ADMIN_KEY run_mcpd || fail "test build: exit status $?"
expect_eq "test build lists test_violate" \
    "$(answer 1 '[.result.tools[].name] | index("test_violate") != null')" true
exit 0
