#!/bin/bash
# regress-timeout: 900
# The official MCP conformance suite (@modelcontextprotocol/conformance,
# pinned in tests/interop/conformance/package-lock.json, run by the Node 22
# it pins) against mcpd over HTTP: every server scenario, at 2025-11-25
# and at 2026-07-28.  The suite sends no Authorization header, so mcpd
# serves a loopback listener with AuthMode none here (the one place that
# mode is allowed).  Scenarios that need fixture tools or features mcpd
# does not have are listed, each with its reason, in
# tests/interop/conformance-expected-failures.txt; any other failure, or
# a listed scenario that passes, fails this test.
. "$(dirname "$0")/lib.sh"
INTEROP=$TOP/tests/interop
CONF=$INTEROP/conformance

command -v npm >/dev/null 2>&1 || fail "npm is not installed"
setup_http "AuthMode none" "Role anon tools=list_tables,describe_table,query" \
    "User anonymous roles=anon" "RateLimit 100000/min"
if [ ! -f "$CONF/node_modules/.package-lock.json" ] ||
    [ "$CONF/package-lock.json" -nt "$CONF/node_modules/.package-lock.json" ]; then
	(cd "$CONF" && timeout 600 npm ci --no-audit --no-fund) \
	    > "$OBJ/npm.log" 2>&1 ||
	    fail "npm ci in tests/interop/conformance failed: $(tail -n 30 "$OBJ/npm.log")"
fi
start_http
CONFORMANCE_OUT=$OBJ/conformance timeout 900 bash "$INTEROP/conformance.sh" \
    "$BASE/mcp" "$INTEROP/conformance-expected-failures.txt" \
    > "$OBJ/conformance.log" 2>&1
rc=$?
grep -E '^(PASS|FAIL|XPASS|conformance:)' "$OBJ/conformance.log"
[ "$rc" -eq 0 ] || fail "conformance suite: exit $rc"
stop_http
audit_verify
exit 0
