#!/bin/bash
# Issue 11, item 5: the key channel has back-pressure.  A net process that
# sends signature requests (PS_SIGN_REQ) and never reads the answers (a
# compromised one; the "/mcpd-test/keyflood" path that only a TEST_HOOKS
# build has makes it one) must not grow the monitor's memory until the
# monitor dies: the monitor stops reading above its high mark, sees the
# requests that keep coming as a protocol violation, kills the net
# process, audits it and starts a new one, which serves as before.  Before
# the fix the monitor queued answers until mon_send called fatal_f and
# the whole daemon exited.
. "$(dirname "$0")/lib.sh"
MCPD=$TOP/$O/test-hooks/mcpd
[ -x "$MCPD" ] || fail "no test-hooks build at $MCPD (make O=$O/test-hooks TEST_HOOKS=1 all)"
setup_http
tls_material
http_conf "TLSCertificate $OBJ/server.crt" "TLSKey $OBJ/server.key"
start_http
net_pid() {
	pgrep -P "$MCPD_PID" -x mcpd-net
}
call() {	# id
	AUTH=$DEV_KEY http_modern "$1" tools/call \
	    '{"name":"list_tables","arguments":{}}'
}
call 1
expect_status "before" 200
old=$(net_pid) || fail "no net process"
# The request never gets an answer: the net process floods and is killed.
curl -s -o /dev/null --max-time 30 "${HTTP_TLS[@]}" \
    "$BASE/mcpd-test/keyflood" 2>/dev/null
new=
for _ in $(seq 1 200); do
	new=$(net_pid) && [ "$new" != "$old" ] && break
	new=
	sleep 0.05
done
[ -n "$new" ] || fail "no new net process within 10s: $(tail -n 5 "$OBJ/err")"
kill -0 "$MCPD_PID" 2>/dev/null || fail "the monitor died: $(tail -n 5 "$OBJ/err")"
grep -q 'net process protocol violation: signature requests sent without reading the answers; killing it' "$OBJ/err" ||
    fail "violation not logged: $(tail -n 5 "$OBJ/err")"
grep -qi 'fatal' "$OBJ/err" && fail "a fatal error: $(grep -i fatal "$OBJ/err")"
expect_eq "violation audited" \
    "$(audit_select 'select(.event == "privsep") | [.decision, .reason]')" \
    '["ERROR","net process protocol violation: signature requests sent without reading the answers"]'
expect_eq "net death audited" \
    "$(audit_select 'select(.event == "process") | [.decision, .reason]')" \
    '["ERROR","net process killed by signal 9 (SIGKILL)"]'
# The replacement serves, with new handshakes through the key channel.
for _ in $(seq 1 100); do
	call 2
	[ "$STATUS" = 200 ] && break
	sleep 0.05
done
expect_status "after" 200
expect_eq "result" "$(http_body '.result.isError')" false
# The monitor's memory stayed bounded: its resident size is far below
# what the queued answers of the flood would have taken.
rss=$(awk '/^VmHWM/ { print $2 }' "/proc/$MCPD_PID/status")
[ "$rss" -lt 200000 ] || fail "monitor peak RSS ${rss} kB"
stop_http
audit_verify
exit 0
