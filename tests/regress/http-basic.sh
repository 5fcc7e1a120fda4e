#!/bin/bash
# Streamable HTTP over plain loopback HTTP with API keys (issue 4, items
# 1, 2, 4 and 8): every request authenticated first (401 with the RFC 9728
# challenge), the media types, the session flow of the 2025 versions
# (initialize, Mcp-Session-Id, 202, 400, 404, DELETE 204, GET 405), the
# stateless 2026-07-28 flow (server/discover, Mcp-Method/Mcp-Name -32020,
# -32601, -32022), the protected resource metadata, Origin, Host (DNS
# rebinding), Transfer-Encoding and tokens in the query string refused, and
# the audit's source as the client's ip:port.
. "$(dirname "$0")/lib.sh"
setup_http "AuthorizationServer https://as.example" \
    "AllowedOrigins https://app.example"
start_http
MD="http://127.0.0.1:$PORT/.well-known/oauth-protected-resource"
CHALLENGE="Bearer resource_metadata=\"$MD\""

expect_eq "ready line" "$(grep '^Server ready on ' "$OBJ/err")" \
    "Server ready on http://127.0.0.1:$PORT/mcp (plain HTTP, loopback)"

# Plain HTTP is for loopback only: another address needs TLSCertificate.
sed "s/^Listen .*/Listen 0.0.0.0:$PORT/" "$OBJ/mcpd.conf" > "$OBJ/nonloop.conf"
"$MCPD" -t -f "$OBJ/nonloop.conf" > "$OBJ/nonloop.out" 2>&1 &&
    fail "plain HTTP on 0.0.0.0 accepted"
grep -q "Listen 0.0.0.0:$PORT: without TLSCertificate only loopback addresses are allowed" \
    "$OBJ/nonloop.out" || fail "non-loopback refusal: $(cat "$OBJ/nonloop.out")"

# The last "authenticate" record, as [decision, reason, source].
last_auth() {
	audit_select 'select(.event == "authenticate") | [.decision, .reason, .source]' |
	    tail -n 1
}

# --- authentication comes first ---
http_post /mcp "$(http_init)"
expect_status "no credential" 401
expect_eq "challenge without credential" "$(http_header WWW-Authenticate)" "$CHALLENGE"
expect_eq "401 body" "$(http_body '[.error.code, .id]')" '[-32003,null]'
expect_eq "no credential audited" "$(last_auth)" \
    "[\"AUTH_FAILED\",\"no credential presented\",\"127.0.0.1:$LOCAL_PORT\"]"

AUTH=mcpk_aaaaaaaa_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA \
    http_post /mcp "$(http_init)"
expect_status "unknown key" 401
expect_eq "challenge with a credential" "$(http_header WWW-Authenticate)" \
    "$CHALLENGE, error=\"invalid_token\""
expect_eq "unknown key audited" "$(last_auth)" \
    "[\"AUTH_FAILED\",\"apikey: unknown key id\",\"127.0.0.1:$LOCAL_PORT\"]"

AUTH=${DEV_KEY:0:14}AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA \
    http_post /mcp "$(http_init)"
expect_status "wrong secret" 401
expect_eq "wrong secret audited" "$(last_auth)" \
    "[\"AUTH_FAILED\",\"apikey: wrong secret\",\"127.0.0.1:$LOCAL_PORT\"]"

# Another scheme is no bearer credential at all (RFC 6750 3.1).
http_post /mcp "$(http_init)" -H "Authorization: Basic ZGV2OmRldg=="
expect_status "Basic scheme" 401
expect_eq "challenge for Basic" "$(http_header WWW-Authenticate)" "$CHALLENGE"

# --- media types ---
AUTH=$DEV_KEY CT=text/plain http_post /mcp "$(http_init)"
expect_status "Content-Type text/plain" 415
AUTH=$DEV_KEY CT='' http_post /mcp "$(http_init)"
expect_status "no Content-Type" 415
AUTH=$DEV_KEY http_post /mcp "$(http_init)" -H "Accept: text/html"
expect_status "Accept text/html" 406

# --- the session flow of the 2025 versions ---
AUTH=$DEV_KEY http_post /mcp "$(http_init)" \
    -H "Accept: application/json, text/event-stream"
expect_status "initialize" 200
expect_eq "initialize result" "$(http_body '[.id, .result.protocolVersion, .result.serverInfo.name]')" \
    '[0,"2025-11-25","mcpd"]'
SID=$(http_header Mcp-Session-Id)
[[ $SID =~ ^[0-9a-f]{64}$ ]] || fail "session id '$SID' is not 64 hex digits"
expect_eq "initialize audited with the client's ip:port" \
    "$(audit_select 'select(.event == "initialize") | .source' | tail -n 1)" \
    "\"127.0.0.1:$LOCAL_PORT\""

AUTH=$DEV_KEY http_post /mcp '{"jsonrpc":"2.0","method":"notifications/initialized"}' \
    -H "Mcp-Session-Id: $SID"
expect_status "notification" 202
expect_eq "notification body" "$(wc -c < "$OBJ/body")" 0

AUTH=$DEV_KEY http_post /mcp '{"jsonrpc":"2.0","id":1,"method":"tools/list"}' \
    -H "Mcp-Session-Id: $SID" -H "MCP-Protocol-Version: 2025-11-25"
expect_status "tools/list" 200
expect_eq "tools for dev" "$(http_body '[.result.tools[].name] | sort')" \
    '["describe_table","execute_sql","list_tables","query"]'

AUTH=$DEV_KEY http_post /mcp "$(call_msg 2 list_tables '{}')" \
    -H "Mcp-Session-Id: $SID" -H "MCP-Protocol-Version: 2025-11-25"
expect_status "tools/call in the session" 200
expect_eq "tools/call result" "$(http_body '[.id, .result.isError]')" '[2,false]'
expect_eq "tools/call audited with the client's ip:port" \
    "$(audit_select 'select(.event == "tools/call" and .request_id == "2") | [.decision, .user, .method, .source]')" \
    "[\"ALLOWED\",\"dev@example.com\",\"apikey\",\"127.0.0.1:$LOCAL_PORT\"]"

AUTH=$DEV_KEY http_post /mcp "$(call_msg 3 list_tables '{}')"
expect_status "tools/call without a session" 400

AUTH=$DEV_KEY http_post /mcp "$(call_msg 4 list_tables '{}')" \
    -H "Mcp-Session-Id: 0000000000000000000000000000000000000000000000000000000000000000"
expect_status "unknown session" 404
AUTH=$DEV_KEY http_post /mcp "$(call_msg 5 list_tables '{}')" \
    -H "Mcp-Session-Id: not-a-session"
expect_status "malformed session id" 404

# A session is bound to its subject: another valid key does not see it.
AUTH=$VIEWER_KEY http_post /mcp "$(call_msg 6 list_tables '{}')" \
    -H "Mcp-Session-Id: $SID"
expect_status "another subject's session" 404
# Nor does a request without a valid credential learn anything of it.
http_post /mcp "$(call_msg 7 list_tables '{}')" -H "Mcp-Session-Id: $SID"
expect_status "a session is not a credential" 401

AUTH=$DEV_KEY http_req GET /mcp ""
expect_status "GET /mcp" 405
expect_eq "Allow" "$(http_header Allow)" "POST, DELETE"

AUTH=$VIEWER_KEY http_req DELETE /mcp "" -H "Mcp-Session-Id: $SID"
expect_status "DELETE of another subject's session" 404
AUTH=$DEV_KEY http_req DELETE /mcp "" -H "Mcp-Session-Id: $SID"
expect_status "DELETE" 204
AUTH=$DEV_KEY http_req DELETE /mcp "" -H "Mcp-Session-Id: $SID"
expect_status "DELETE again" 404
AUTH=$DEV_KEY http_post /mcp "$(call_msg 8 list_tables '{}')" \
    -H "Mcp-Session-Id: $SID"
expect_status "deleted session" 404

# --- 2026-07-28: stateless ---
AUTH=$DEV_KEY http_modern 10 server/discover
expect_status "server/discover" 200
expect_eq "discover result" \
    "$(http_body '.result | [(.supportedVersions | index("2026-07-28") != null), (.capabilities | has("tools")), .resultType, (.ttlMs | type), (.cacheScope | type)]')" \
    '[true,true,"complete","number","string"]'
expect_eq "no session in 2026-07-28" "$(http_header Mcp-Session-Id)" ""

AUTH=$DEV_KEY http_modern 11 tools/call '{"name":"list_tables","arguments":{}}'
expect_status "stateless tools/call" 200
expect_eq "stateless tools/call result" "$(http_body '[.id, .result.isError, .result.resultType]')" \
    '[11,false,"complete"]'
expect_eq "stateless tools/call audited" \
    "$(audit_select 'select(.event == "tools/call" and .request_id == "11") | [.decision, .source]')" \
    "[\"ALLOWED\",\"127.0.0.1:$LOCAL_PORT\"]"

# Nothing to DELETE in 2026-07-28.
AUTH=$DEV_KEY http_req DELETE /mcp "" -H "MCP-Protocol-Version: 2026-07-28"
expect_status "DELETE in 2026-07-28" 405
expect_eq "Allow in 2026-07-28" "$(http_header Allow)" "POST, DELETE"

# A session header is ignored in 2026-07-28.
AUTH=$DEV_KEY http_modern 12 tools/list '{}' -H "Mcp-Session-Id: $SID"
expect_status "session header ignored" 200

CALL='{"name":"list_tables","arguments":{}}'
AUTH=$DEV_KEY http_post /mcp "$(modern_msg 13 tools/call "$CALL")" \
    -H "MCP-Protocol-Version: 2026-07-28" -H "Mcp-Method: tools/call" \
    -H "Mcp-Name: query"
expect_status "Mcp-Name mismatch" 400
expect_eq "Mcp-Name mismatch error" "$(http_body '[.id, .error.code]')" '[13,-32020]'
AUTH=$DEV_KEY http_post /mcp "$(modern_msg 14 tools/call "$CALL")" \
    -H "MCP-Protocol-Version: 2026-07-28" -H "Mcp-Method: tools/list" \
    -H "Mcp-Name: list_tables"
expect_status "Mcp-Method mismatch" 400
expect_eq "Mcp-Method mismatch error" "$(http_body '[.id, .error.code]')" '[14,-32020]'
AUTH=$DEV_KEY http_post /mcp "$(modern_msg 15 tools/call "$CALL")" \
    -H "MCP-Protocol-Version: 2026-07-28" -H "Mcp-Method: tools/call"
expect_status "Mcp-Name missing" 400
expect_eq "Mcp-Name missing error" "$(http_body '.error.code')" -32020
AUTH=$DEV_KEY http_post /mcp "$(modern_msg 16 tools/list)" \
    -H "MCP-Protocol-Version: 2026-07-28"
expect_status "Mcp-Method missing" 400
expect_eq "Mcp-Method missing error" "$(http_body '.error.code')" -32020
expect_eq "no call ran for a mismatch" \
    "$(audit_select 'select(.event == "tools/call" and (.request_id == "13" or .request_id == "14" or .request_id == "15"))' | wc -l)" 0

AUTH=$DEV_KEY http_modern 17 no/such/method
expect_status "unknown method" 404
expect_eq "unknown method error" "$(http_body '[.id, .error.code]')" '[17,-32601]'

BADVER='{"jsonrpc":"2.0","id":18,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2099-01-01","io.modelcontextprotocol/clientCapabilities":{}}}}'
AUTH=$DEV_KEY http_post /mcp "$BADVER" \
    -H "MCP-Protocol-Version: 2099-01-01" -H "Mcp-Method: tools/list"
expect_status "unsupported version" 400
expect_eq "unsupported version error" \
    "$(http_body '[.id, .error.code, (.error.data.supported | index("2026-07-28") != null), .error.data.requested]')" \
    '[18,-32022,true,"2099-01-01"]'
# The header must say what the body says.
AUTH=$DEV_KEY http_post /mcp "$BADVER" \
    -H "MCP-Protocol-Version: 2026-07-28" -H "Mcp-Method: tools/list"
expect_status "MCP-Protocol-Version mismatch" 400
expect_eq "MCP-Protocol-Version mismatch error" "$(http_body '[.id, .error.code]')" '[18,-32020]'

# --- RFC 9728 metadata, without authentication ---
DOC="{\"resource\":\"http://127.0.0.1:$PORT/mcp\",\"authorization_servers\":[\"https://as.example\"],\"scopes_supported\":[],\"bearer_methods_supported\":[\"header\"]}"
for p in /.well-known/oauth-protected-resource \
    /.well-known/oauth-protected-resource/mcp; do
	http_req GET "$p" ""
	expect_status "GET $p" 200
	expect_eq "metadata at $p" "$(http_body .)" "$DOC"
	expect_eq "metadata type" "$(http_header Content-Type)" application/json
done
http_req GET /nowhere ""
expect_status "unknown path" 404

# --- requests refused before anything else ---
AUTH=$DEV_KEY http_post /mcp "$(http_init)" -H "Origin: http://evil.example"
expect_status "Origin not allowed" 403
AUTH=$DEV_KEY http_post /mcp "$(http_init)" -H "Origin: https://app.example"
expect_status "Origin allowed" 200

AUTH=$DEV_KEY http_post /mcp "$(http_init)" -H "Host: evil.example"
expect_status "foreign Host (DNS rebinding)" 403
AUTH=$DEV_KEY http_post /mcp "$(http_init)" -H "Host: evil.example:$PORT"
expect_status "foreign Host with port" 403
AUTH=$DEV_KEY http_post /mcp "$(http_init)" -H "Host: 127.0.0.1.evil.example"
expect_status "Host with a loopback prefix" 403
for h in "localhost:$PORT" localhost "[::1]:$PORT" "127.0.0.1:$PORT"; do
	AUTH=$DEV_KEY http_post /mcp "$(http_init)" -H "Host: $h"
	expect_status "Host $h" 200
done

AUTH=$DEV_KEY http_post /mcp "$(http_init)" -H "Transfer-Encoding: chunked"
expect_status "Transfer-Encoding" 400

n=$(audit_select 'select(.event == "authenticate")' | wc -l)
http_post "/mcp?access_token=$DEV_KEY" "$(http_init)"
expect_status "token in the query string" 400
expect_eq "query token never authenticated" \
    "$(audit_select 'select(.event == "authenticate")' | wc -l)" "$n"

stop_http
audit_verify
expect_eq "refused requests called nothing" \
    "$(audit_select 'select(.event == "tools/call") | [.decision, .request_id]' | tr '\n' ' ')" \
    '["ALLOWED","2"] ["ALLOWED","11"] '
expect_no_secrets
exit 0
