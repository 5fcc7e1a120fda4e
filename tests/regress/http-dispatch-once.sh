#!/bin/bash
# Issue 12, section 2: a message that may come once per connection says so
# in the monitor's dispatch table (PS_ONCE_SCOPED), not in its handler.  A
# net process that sends a second PS_CERT_REQ for one TLS connection (a
# compromised one: the test build's "/mcpd-test/certagain" path makes it
# one) is killed, audited with the reason, and replaced by a new net
# process that serves as before.  privsep-dispatch.sh checks the rest of
# the table over stdio.
. "$(dirname "$0")/lib.sh"
MCPD=$TOP/$O/test-hooks/mcpd
[ -x "$MCPD" ] || fail "no test-hooks build at $MCPD (make O=$O/test-hooks TEST_HOOKS=1 all)"
setup_http
tls_material
http_conf "AuthMode mtls" "TLSCertificate $OBJ/server.crt" \
    "TLSKey $OBJ/server.key" "TLSClientCA $OBJ/clientca.crt" \
    "MTLSIdentity san-email"
start_http
c=(--cert "$OBJ/client.crt" --key "$OBJ/client.key")
net_pid() {
	pgrep -P "$MCPD_PID" -x mcpd-net
}
call() {	# id
	http_modern "$1" tools/call '{"name":"list_tables","arguments":{}}' \
	    "${c[@]}"
}
call 1
expect_status "before" 200
old=$(net_pid) || fail "no net process"
# The net process is killed before it answers.
http_req GET /mcpd-test/certagain "" "${c[@]}"
new=
for _ in $(seq 1 200); do
	new=$(net_pid) && [ "$new" != "$old" ] && break
	new=
	sleep 0.05
done
[ -n "$new" ] || fail "no new net process within 10s: $(tail -n 5 "$OBJ/err")"
reason="net process protocol violation: net: message type 18 came twice"
grep -qF "$reason; killing it" "$OBJ/err" ||
    fail "second certificate: not logged: $(tail -n 5 "$OBJ/err")"
expect_eq "second certificate: audited" \
    "$(audit_select 'select(.event == "privsep") | [.decision, .reason]' | tail -n 1)" \
    "[\"ERROR\",\"$reason\"]"
for _ in $(seq 1 100); do
	call 2
	[ "$STATUS" = 200 ] && break
	sleep 0.05
done
expect_status "the new net process serves" 200
expect_eq "the new net process serves" "$(http_body '.result.isError')" false
stop_http
audit_verify
exit 0
