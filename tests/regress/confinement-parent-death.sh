#!/bin/bash
# When the monitor dies, every child dies with it at once, even one that
# is too busy to notice that its channel has closed: the kernel's
# parent-death signal (PR_SET_PDEATHSIG, armed after the uid change, which
# would disarm it).  A worker in the middle of a call that spins (the
# test build's "test_violate" tool with "cpu") and a net process stuck in
# the same way (the "mcpd-test/violate" method) must both be gone within
# 2 seconds of the monitor's SIGKILL; neither reads its channel, so the
# end of file there cannot be what ends them.
. "$(dirname "$0")/lib.sh"
MCPD=$TOP/$O/test-hooks/mcpd
[ -x "$MCPD" ] || fail "no test-hooks build at $MCPD (make O=$O/test-hooks TEST_HOOKS=1 all)"
# Long enough that neither the CPU cap nor ToolTimeout ends the spin.
setup "Workers 2" "QueryTimeout 60s" "ToolTimeout 120"

KIDS=
reap_kids() {	# kill what outlived the test, by pid, if still ours
	local p
	for p in $KIDS; do
		tr '\0' ' ' < "/proc/$p/cmdline" 2>/dev/null | grep -q '^mcpd: ' &&
		    kill -9 "$p" 2>/dev/null
	done
}
trap 'reap_kids; cleanup' EXIT

alive() {	# pid exists and is not a zombie
	[ -r "/proc/$1/stat" ] &&
	    [ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" != Z ]
}

cputicks() {	# utime + stime of pid, in clock ticks
	awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null
}

KEY=$ADMIN_KEY start_mcpd
send "$(init_msg | head -n 1)"
wait_answer 0
net=$(child_pids net)
workers=$(child_pids worker)
KIDS="$net $workers"
[ -n "$net" ] || fail "no net process"
expect_eq "workers" "$(echo "$workers" | wc -w)" 2

spinning() {	# pid...: wait (bounded) until one of them spins
	local i p t0
	for i in $(seq 1 50); do
		for p in "$@"; do
			t0=$(cputicks "$p")
			sleep 0.2
			# A fifth of a CPU over the last 0.2 s: an idle process
			# takes none, and a spinning one gets that much even on
			# a machine loaded by other work.
			[ "$(( $(cputicks "$p") - t0 ))" -ge 4 ] && return 0
		done
	done
	return 1
}

# The worker first: the net process must have passed the call on before
# it is told to spin itself.
send "$(call_msg 1 test_violate '{"what":"cpu"}')"
spinning $workers || fail "no worker started spinning"
send '{"jsonrpc":"2.0","id":2,"method":"mcpd-test/violate","params":{"what":"cpu"}}'
spinning "$net" || fail "the net process did not start spinning"

kill -9 "$MCPD_PID"
wait "$MCPD_PID" 2>/dev/null
MCPD_PID=
for p in $net $workers; do
	for i in $(seq 1 40); do
		alive "$p" || break
		sleep 0.05
	done
	alive "$p" && fail "child $p still running 2s after the monitor died"
done
exit 0
