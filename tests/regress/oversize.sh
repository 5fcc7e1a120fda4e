#!/bin/bash
# A message longer than MaxMessageSize is refused with -32600 and skipped
# without being buffered; the session goes on.
. "$(dirname "$0")/lib.sh"
setup "MaxMessageSize 4096"
{
	init_msg
	printf '{"jsonrpc":"2.0","id":1,"method":"ping","params":{"pad":"%s"}}\n' \
	    "$(head -c 200000 /dev/zero | tr '\0' 'a')"
	printf '{"jsonrpc":"2.0","id":2,"method":"ping"}\n'
} > "$OBJ/in"
KEY=$DEV_KEY run_mcpd || fail "mcpd exited with $?"
expect_eq "too large" "$(jq -c 'select(.id == null)' "$OBJ/out")" \
    '{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Request too large"}}'
expect_eq "no answer for the skipped line" "$(answer 1 '.')" ''
expect_eq "still serving" "$(answer 2 '.result')" '{}'
audit_verify
exit 0
