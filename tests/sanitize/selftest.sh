#!/bin/bash
# The sanitizer runs' own test (tests/sanitize/run.sh): errors made on
# purpose in the confined processes of a sanitizer build with the test
# hooks ($O/test-hooks/mcpd, where $O is $O/asan or the valgrind run's
# tree) must come out in the children's sanitizer log, so that a run that
# finds nothing is known to have been able to.  This scenario only makes
# the errors and prints what it did, one "selftest: KIND WHAT PID" line
# each; run.sh then looks for each one's report from that very pid.
#
# In a worker: a signed overflow ("int-overflow", UBSan), a jump on
# uninitialised memory ("uninit", valgrind), a lost heap block ("leak",
# valgrind: reported when the worker exits, retired after these four
# calls) and a write past a heap block ("heap-overflow", last:
# AddressSanitizer ends the process); then the same write in the net
# process.
. "$(dirname "$0")/../regress/lib.sh"
# lib.sh's wait_workers() and wait_answer() wait 10 s: valgrind needs
# longer on a busy machine.  The same checks, bounded at 120 s.
wait_workers() {
	local n p
	for _ in $(seq 1 1200); do
		n=0
		for p in $(pgrep -P "$MCPD_PID" -f '^mcpd: worker'); do
			grep -q '^Seccomp:[[:space:]]*2' "/proc/$p/status" \
			    2>/dev/null && n=$((n + 1))
		done
		[ "$n" -ge 1 ] && return 0
		kill -0 "$MCPD_PID" 2>/dev/null || return 0
		sleep 0.1
	done
	fail "no worker started within 120s"
}
wait_answer() {
	for _ in $(seq 1 1200); do
		[ -n "$(answer "$1" '.id' 2>/dev/null)" ] && return 0
		sleep 0.1
	done
	fail "no answer for id $1 within 120s"
}
MCPD=$TOP/$O/test-hooks/mcpd
[ -x "$MCPD" ] || fail "no test-hooks build at $MCPD"
# The worker retires after the four errors: it exits by itself, and
# valgrind checks its leaks (at mcpd's exit, workers are killed).
setup "Workers 1" "WorkerMaxCalls 4"

KEY=$ADMIN_KEY start_mcpd
send "$(init_msg | head -n 1)"
wait_answer 0
worker=$(child_pids worker)
[ -n "$worker" ] || fail "no worker"
id=1
for what in int-overflow uninit leak heap-overflow; do
	send "$(call_msg "$id" test_violate "{\"what\":\"$what\"}")"
	wait_answer "$id"
	echo "selftest: worker $what $worker"
	id=$((id + 1))
done
# AddressSanitizer has ended that worker; under valgrind it retires.
for _ in $(seq 1 1200); do
	kill -0 "$worker" 2>/dev/null || break
	sleep 0.1
done
kill -0 "$worker" 2>/dev/null && fail "worker $worker still there"
# A new worker serves the next call.
send "$(call_msg "$id" query '{"sql":"SELECT count(*) AS n FROM users"}')"
wait_answer "$id"
expect_eq "call after the errors" "$(answer "$id" '.result.isError')" false

# The net process last: under AddressSanitizer its death ends mcpd.
net=$(child_pids net)
[ -n "$net" ] || fail "no net process"
send '{"jsonrpc":"2.0","id":99,"method":"mcpd-test/violate","params":{"what":"heap-overflow"}}'
echo "selftest: net heap-overflow $net"
for _ in $(seq 1 1200); do
	kill -0 "$net" 2>/dev/null || break
	[ -n "$(answer 99 '.id' 2>/dev/null)" ] && break
	sleep 0.05
done
# Under valgrind the process lives on: end the session normally, so that
# the worker exits and valgrind checks its leaks.  Its exit status is not
# the point: the errors made on purpose may have ended a process.
stop_mcpd 1200 || :
# Let the relays (src/monitor/spawn_san.c) copy the last reports.
sleep 1
exit 0
