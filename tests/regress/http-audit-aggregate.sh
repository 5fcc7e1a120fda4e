#!/bin/bash
# Refusals before authentication are aggregated (issue 11, item 4): one
# keep-alive connection sending 300 requests without a credential, then
# with a wrong API key, used to make the monitor write (and fsync) a record
# for each.  Now each source block, event and reason gets one record in
# full per window, and one record with the count of the rest when the
# window closes (here: at shutdown).  Another source is grouped apart, and
# the chain still verifies.
. "$(dirname "$0")/lib.sh"
setup_http
start_http

py() {
	MCPD_TEST_PORT=$PORT python3 -
}
py > "$OBJ/flood" <<'EOF' || fail "python: $(cat "$OBJ/flood")"
import os, socket
from collections import Counter
from rawhttp import Closed, read_answer, status_code
PORT = int(os.environ["MCPD_TEST_PORT"])
BODY = b"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}"

def request(auth=b""):
    return (b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/json\r\n" + auth +
            b"Content-Length: %d\r\n\r\n" % len(BODY)) + BODY

def status(s):
    try:
        return status_code(read_answer(s))
    except Closed:
        return "closed"

def flood(src, n, auth=b""):
    s = socket.create_connection(("127.0.0.1", PORT), timeout=10,
                                 source_address=(src, 0))
    c = Counter()
    for i in range(n):
        s.sendall(request(auth))
        c[status(s)] += 1
    s.close()
    return " ".join("%s:%d" % kv for kv in sorted(c.items()))

print("none", flood("127.0.0.1", 300))
bad = b"Authorization: Bearer mcpk_aaaaaaaa_" + b"A" * 43 + b"\r\n"
print("badkey", flood("127.0.0.1", 50, bad))
print("other", flood("127.0.0.2", 3))
EOF
# AuthFailureLimit 10/min: ten refusals 401, the rest 429.
expect_eq "answers" "$(cat "$OBJ/flood")" \
"none 401:10 429:290
badkey 429:50
other 401:3"
# While running: one record in full per source and reason, nothing more.
expect_eq "records while running" \
    "$(audit_select 'select(.decision != null) | [.decision, .reason, (.source | split(":")[0]), .count]')" \
'["AUTH_FAILED","no credential presented","127.0.0.1",null]
["RATE_LIMITED","too many failed authentications from source","127.0.0.1",null]
["AUTH_FAILED","no credential presented","127.0.0.2",null]'
stop_http
# At shutdown, the rest, counted, per source block and reason.
expect_eq "summaries at the end" \
    "$(audit_select 'select(.count != null) | [.decision, .reason, .source, .count]')" \
'["AUTH_FAILED","no credential presented","127.0.0.1/32",9]
["RATE_LIMITED","too many failed authentications from source","127.0.0.1/32",339]
["AUTH_FAILED","no credential presented","127.0.0.2/32",2]'
"$MCPCTL" audit show "$OBJ/audit.log" > "$OBJ/show" || fail "audit show"
expect_eq "audit show" "$(sed 's/^\[[^]]*\] //' "$OBJ/show" | grep count=)" \
'AUTH_FAILED reason="no credential presented" event=authenticate count=9 source=127.0.0.1/32
RATE_LIMITED reason="too many failed authentications from source" event=authenticate count=339 source=127.0.0.1/32
AUTH_FAILED reason="no credential presented" event=authenticate count=2 source=127.0.0.2/32'
expect_eq "summaries carry the window's start" \
    "$(audit_select 'select(.count != null) | .since | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z$")' | sort -u)" true
expect_eq "records in all" "$(wc -l < "$OBJ/audit.log")" \
    "$(( $(audit_select 'select(.decision == null)' | wc -l) + 6 ))"
audit_verify
expect_no_secrets
exit 0
