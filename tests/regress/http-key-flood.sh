#!/bin/bash
# Issue 11, item 5: the key channel has back-pressure.  A net process that
# sends signature requests (PS_SIGN_REQ) and never reads the answers (a
# compromised one; the "/mcpd-test/keyflood" and "/mcpd-test/keystall"
# paths that only a TEST_HOOKS build has make it one) must not grow the
# monitor's memory until the monitor dies: the monitor stops reading above
# its high mark, and kills the net process, audits it and starts a new
# one, which serves as before.  keyflood sends as fast as it can: more
# requests are waiting when the mark is reached.  keystall sends one every
# 2 ms, so that none is waiting: the answers then stay unread past the
# stall timer.  Before the fix the monitor queued answers until mon_send
# called fatal_f and the whole daemon exited.
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
declare -A why=(
	[keyflood]='signature requests sent without reading the answers'
	[keystall]='signature answers left unread'
)
n=0
for hook in keyflood keystall; do
	n=$((n + 1))
	for _ in $(seq 1 100); do
		call "$n"
		[ "$STATUS" = 200 ] && break
		sleep 0.05
	done
	expect_status "$hook: before" 200
	old=$(net_pid) || fail "$hook: no net process"
	# The request never gets an answer: the net process is killed.
	curl -s -o /dev/null --max-time 30 "${HTTP_TLS[@]}" \
	    "$BASE/mcpd-test/$hook" 2>/dev/null
	new=
	for _ in $(seq 1 200); do
		new=$(net_pid) && [ "$new" != "$old" ] && break
		new=
		sleep 0.05
	done
	[ -n "$new" ] || fail "$hook: no new net process within 10s: $(tail -n 5 "$OBJ/err")"
	kill -0 "$MCPD_PID" 2>/dev/null ||
	    fail "$hook: the monitor died: $(tail -n 5 "$OBJ/err")"
	grep -q "net process protocol violation: ${why[$hook]}; killing it" "$OBJ/err" ||
	    fail "$hook: violation not logged: $(tail -n 5 "$OBJ/err")"
	expect_eq "$hook: violation audited" \
	    "$(audit_select 'select(.event == "privsep") | [.decision, .reason]' | tail -n 1)" \
	    "[\"ERROR\",\"net process protocol violation: ${why[$hook]}\"]"
	expect_eq "$hook: net deaths audited" \
	    "$(audit_select 'select(.event == "process") | [.decision, .reason]' | sort | uniq -c | tr -s ' ')" \
	    " $n [\"ERROR\",\"net process killed by signal 9 (SIGKILL)\"]"
done
grep -qi 'fatal' "$OBJ/err" && fail "a fatal error: $(grep -i fatal "$OBJ/err")"
# The replacement serves, with new handshakes through the key channel.
for _ in $(seq 1 100); do
	call 9
	[ "$STATUS" = 200 ] && break
	sleep 0.05
done
expect_status "after" 200
expect_eq "result" "$(http_body '.result.isError')" false
# The monitor's memory stayed bounded: its peak resident size is far
# below what the queued answers of a flood would have taken.
rss=$(awk '/^VmHWM/ { print $2 }' "/proc/$MCPD_PID/status")
[ "$rss" -lt 200000 ] || fail "monitor peak RSS ${rss} kB"
stop_http
audit_verify
exit 0
