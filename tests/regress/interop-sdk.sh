#!/bin/bash
# Interop with a client we did not write: the official MCP TypeScript SDK
# (@modelcontextprotocol/sdk, pinned in tests/interop/package-lock.json)
# spawns mcpd over stdio with its Client and StdioClientTransport and runs
# tests/interop/stdio-sdk.mjs: initialize, tools/list, allowed and denied
# calls, an invalid-arguments error, ping, a cancelled call, and a wrong
# key.  Then the audit log must verify, name the SDK's client in the DENIED
# record and hold the cancellation.
# Node and npm are required, not optional: CI has them, so their absence
# fails rather than skips.
. "$(dirname "$0")/lib.sh"
INTEROP=$TOP/tests/interop

command -v node >/dev/null 2>&1 || fail "node is not installed"
command -v npm >/dev/null 2>&1 || fail "npm is not installed"
major=$(node -p 'process.versions.node.split(".")[0]') ||
    fail "node does not run"
[ "$major" -ge 18 ] 2>/dev/null || fail "node $major is too old (need >= 18)"

# The query that the client cancels must not end by itself first.
setup "QueryTimeout 60s"

# npm writes node_modules/.package-lock.json on every install; when it is
# missing or older than the committed lockfile, install from the lockfile.
if [ ! -f "$INTEROP/node_modules/.package-lock.json" ] ||
    [ "$INTEROP/package-lock.json" -nt "$INTEROP/node_modules/.package-lock.json" ]; then
	(cd "$INTEROP" && timeout 150 npm ci --no-audit --no-fund) \
	    > "$OBJ/npm.log" 2>&1 ||
	    fail "npm ci in tests/interop failed: $(tail -n 30 "$OBJ/npm.log")"
fi

env MCPD_BIN="$MCPD" MCPD_CONFIG="$OBJ/mcpd.conf" INTEROP_DEV_KEY="$DEV_KEY" \
    timeout 60 node "$INTEROP/stdio-sdk.mjs" > "$OBJ/out" 2> "$OBJ/err"
rc=$?
[ "$rc" -eq 124 ] && fail "stdio-sdk.mjs did not finish within 60s"
[ "$rc" -eq 0 ] || fail "stdio-sdk.mjs exited with $rc"
grep -q '^ok interop: ' "$OBJ/out" || fail "stdio-sdk.mjs printed no ok line"
cat "$OBJ/out"

audit_verify
expect_eq "denied record" \
    "$(audit_select 'select(.decision=="DENIED") | [.user, .tool, .required, .event, .source]')" \
    '["dev@example.com","delete_users","admin","tools/call","stdio"]'
client=$(audit_select 'select(.decision=="DENIED" and .tool=="delete_users") | .client')
case "$client" in
*mcpd-interop-sdk*) ;;
*)	fail "DENIED record's client does not name the SDK client: $client" ;;
esac
# The allowed calls ran; the invalid one never left the net process.
expect_eq "allowed records" \
    "$(audit_select 'select(.event=="tools/call" and .decision=="ALLOWED") | .tool' | tr '\n' ' ')" \
    '"list_tables" "query" "query" "list_tables" '
# The SDK's notifications/cancelled (from an AbortSignal) stopped the query.
expect_eq "cancel audited" \
    "$(audit_select 'select(.event=="tools/result" and .decision=="ERROR") | [.user, .tool, .reason]')" \
    '["dev@example.com","query","cancelled by the client"]'
expect_no_secrets
exit 0
