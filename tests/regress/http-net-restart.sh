#!/bin/bash
# doc/privsep.md, section 7, over HTTP: a net process that dies is replaced.
# The monitor keeps the listening sockets, so after the net process is killed
# (as a compromised one would be) a new one serves the same port: the death is
# logged and audited, and the next request is answered as before.
. "$(dirname "$0")/lib.sh"
setup_http
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
kill -KILL "$old"
new=
for _ in $(seq 1 100); do
	new=$(net_pid) && [ "$new" != "$old" ] && break
	new=
	sleep 0.05
done
[ -n "$new" ] || fail "no new net process within 5s"
# The replacement takes requests once it is confined and listening.
for _ in $(seq 1 100); do
	call 2
	[ "$STATUS" = 200 ] && break
	sleep 0.05
done
expect_status "after" 200
expect_eq "result" "$(http_body '.result.isError')" false
grep -q "error: net process $old killed by signal 9 (SIGKILL)" "$OBJ/err" ||
    fail "death not logged: $(cat "$OBJ/err")"
grep -q 'starting a new net process' "$OBJ/err" || fail "restart not logged"
expect_eq "death audited" \
    "$(audit_select 'select(.event == "process") | [.decision, .reason]')" \
    '["ERROR","net process killed by signal 9 (SIGKILL)"]'
stop_http
audit_verify
exit 0
