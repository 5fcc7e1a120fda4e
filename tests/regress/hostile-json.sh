#!/bin/bash
# Nesting 10,000 deep, invalid UTF-8, a raw NUL byte and an escaped NUL:
# each -32700, and the server keeps serving.
. "$(dirname "$0")/lib.sh"
setup
{
	init_msg
	printf '{"jsonrpc":"2.0","id":1,"method":"ping","params":{"a":'
	head -c 10000 /dev/zero | tr '\0' '['
	head -c 10000 /dev/zero | tr '\0' ']'
	printf '}}\n'
	printf '{"jsonrpc":"2.0","id":2,"method":"ping","params":{"a":"\xc3\x28"}}\n'
	printf '{"jsonrpc":"2.0","id":3,"method":"ping","params":{"a":"x\0y"}}\n'
	printf '{"jsonrpc":"2.0","id":4,"method":"ping","params":{"a":"x\\u0000y"}}\n'
	printf '{"jsonrpc":"2.0","id":5,"method":"ping"}\n'
} > "$OBJ/in"
KEY=$DEV_KEY run_mcpd || fail "mcpd exited with $?"
expect_eq "four parse errors" \
    "$(jq -c 'select(.error.code == -32700) | .id' "$OBJ/out" | tr '\n' ' ')" \
    'null null null null '
expect_eq "still serving" "$(answer 5 '.result')" '{}'
audit_verify
exit 0
