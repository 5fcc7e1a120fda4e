#!/bin/bash
# Malformed input, each answered with its JSON-RPC error while the server
# keeps serving: malformed JSON, JSON that is not JSON-RPC 2.0, a batch, an
# unknown method, bad params, and requests before initialize.
. "$(dirname "$0")/lib.sh"
setup
{
	printf '{"jsonrpc":"2.0","id":1,"method":"tools/list"}\n'
	printf '{"jsonrpc":"2.0","id":2,"method":"ping"}\n'
	init_msg
	printf '{"jsonrpc":"2.0","id":3,"method":\n'
	printf '{"jsonrpc":"1.0","id":4,"method":"ping"}\n'
	printf '{"id":5,"method":"ping"}\n'
	printf '[{"jsonrpc":"2.0","id":6,"method":"ping"}]\n'
	printf '"just a string"\n'
	printf '{"jsonrpc":"2.0","id":7,"method":"no/such/method"}\n'
	printf '{"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"arguments":{}}}\n'
	printf '{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"query","arguments":[1]}}\n'
	printf '{"jsonrpc":"2.0","id":{"a":1},"method":"ping"}\n'
	printf '{"jsonrpc":"2.0","id":10,"method":"initialize","params":{"protocolVersion":"2025-06-18"}}\n'
	printf '{"jsonrpc":"2.0","id":11,"method":"ping"}\n'
} > "$OBJ/in"
KEY=$DEV_KEY run_mcpd || fail "mcpd exited with $?"

expect_eq "before init" "$(answer 1 '.error')" \
    '{"code":-32600,"message":"Server not initialized"}'
expect_eq "ping before init" "$(answer 2 '.result')" '{}'
expect_eq "parse error" "$(jq -c 'select(.error.code == -32700)' "$OBJ/out" | head -n 1)" \
    '{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error"}}'
expect_error 4 -32600
expect_error 5 -32600
n=$(jq -c 'select(.id == null and .error.code == -32600)' "$OBJ/out" | wc -l)
# batch, bare string, object id
expect_eq "invalid requests without id" "$n" 3
expect_error 7 -32601
expect_eq "method not found" "$(answer 7 '.error.message')" '"Method not found"'
expect_error 8 -32602
expect_error 9 -32602
expect_eq "initialize twice" "$(answer 10 '.error.code')" '-32600'
expect_eq "still serving" "$(answer 11 '.result')" '{}'
# Every line is one JSON object.
jq -e . "$OBJ/out" > /dev/null || fail "output is not JSON lines"
audit_verify
exit 0
