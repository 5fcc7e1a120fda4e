#!/bin/bash
# Issue 11, item 5: no answer of the monitor exceeds what the net process
# accepts.  The roles that permit a tool, sent with ToolListing all and in
# an ACCESS DENIED answer, come from the configuration and can be longer
# than their field (4096 bytes): 40 roles of 120 bytes permit drop_table
# here.  The monitor cuts the list after the last whole role that fits,
# with ",..." at the end; the net process answers and keeps serving.
# (Before the fix the list went out whole, the net process exited on it,
# and the session ended.)
. "$(dirname "$0")/lib.sh"
setup
long() {	# n: a role name: "r" and n - 1 digits of n
	printf 'r%0*d' "$(($1 - 1))" "$2"
}
for i in $(seq 1 40); do
	sed -i "1i Role $(long 120 "$i") tools=drop_table" "$OBJ/mcpd.conf"
done
sed -i '1i ToolListing all' "$OBJ/mcpd.conf"
{
	init_msg
	printf '{"jsonrpc":"2.0","id":1,"method":"tools/list"}\n'
	call_msg 2 drop_table '{"table":"users"}'
	printf '{"jsonrpc":"2.0","id":3,"method":"ping"}\n'
} > "$OBJ/in"
KEY=$VIEWER_KEY run_mcpd || fail "mcpd exited with $? (net process: $(grep -i fatal "$OBJ/err"))"
req=$(answer 1 '.result.tools[] | select(.name == "drop_table") | ._meta["mcpd/requiredRoles"]')
expect_eq "listed with its roles cut" "$(jq -r '.[-1]' <<< "$req")" '...'
# 33 whole roles of 121 bytes with their commas, and "...": 4097 bytes
# would not fit.
expect_eq "roles listed" "$(jq 'length' <<< "$req")" 34
expect_eq "first role" "$(jq -r '.[0]' <<< "$req")" "$(long 120 40)"
expect_eq "denied" "$(answer 2 '.result.isError')" true
text=$(answer 2 '.result.content[0].text' | jq -r .)
grep -q '^Required role: r0*40,.*,\.\.\.$' <<< "$text" ||
    fail "required roles not cut in ACCESS DENIED: $text"
[ "$(grep '^Required role:' <<< "$text" | wc -c)" -le 4200 ] ||
    fail "required roles over the field"
expect_eq "still serving" "$(answer 3 '.result')" '{}'
grep -qi 'fatal\|killed by signal' "$OBJ/err" && fail "a process died: $(cat "$OBJ/err")"
audit_verify
exit 0
