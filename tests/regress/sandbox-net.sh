#!/bin/bash
# The net process's seccomp filter kills it on the first forbidden system
# call, of every kind an intruder would try first: open a file, execve,
# socket, connect, fork, an executable mapping (mmap, or mprotect of a
# writable one), ptrace, and a call through a foreign architecture's
# entry point (on x86_64, the i386 one).  Each is provoked, in a fresh
# session each, through the "mcpd-test/violate" method that only a
# TEST_HOOKS build has.  Each must end with the net process killed by
# SIGSYS (never answering that it survived), the monitor logging and
# auditing it as a sandbox violation, and mcpd exiting cleanly on its own
# with status 1, every child gone.
. "$(dirname "$0")/lib.sh"
MCPD=$TOP/$O/test-hooks/mcpd
[ -x "$MCPD" ] || fail "no test-hooks build at $MCPD (make O=$O/test-hooks TEST_HOOKS=1 all)"
setup "Workers 2"

# Wait (bounded) for mcpd to exit by itself; its status in $rc.
wait_exit() {
	local i
	for i in $(seq 1 200); do
		kill -0 "$MCPD_PID" 2>/dev/null || break
		grep -q '"survived"' "$OBJ/out" &&
		    fail "$1: the net process survived: $(cat "$OBJ/out")"
		sleep 0.05
	done
	kill -0 "$MCPD_PID" 2>/dev/null && fail "$1: mcpd still running 10s after the net process died"
	wait "$MCPD_PID"
	rc=$?
	MCPD_PID=
	exec {MCPD_W}>&-
}

# True while pid $1 exists and is not a zombie.
alive() {
	[ -r "/proc/$1/stat" ] &&
	    [ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" != Z ]
}

KINDS="open execve socket connect fork mmap-exec mprotect-exec ptrace"
# A system call through the i386 entry point: the architecture check.
[ "$(uname -m)" = x86_64 ] && KINDS="$KINDS foreign-arch"
n=0
for what in $KINDS; do
	n=$((n + 1))
	rm -f "$OBJ/fifo" "$OBJ/out" "$OBJ/err"
	KEY=$ADMIN_KEY start_mcpd
	send "$(init_msg | head -n 1)"
	wait_answer 0
	net=$(child_pids net)
	workers=$(child_pids worker)
	[ -n "$net" ] || fail "$what: no net process"
	expect_eq "$what: workers" "$(echo "$workers" | wc -w)" 2
	send "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"mcpd-test/violate\",\"params\":{\"what\":\"$what\"}}"
	wait_exit "$what"
	expect_eq "$what: exit status" "$rc" 1
	grep -q '"survived"' "$OBJ/out" && fail "$what: the net process survived: $(cat "$OBJ/out")"
	grep -qF "net process $net killed by signal 31 (SIGSYS): sandbox violation" "$OBJ/err" ||
	    fail "$what: no SIGSYS report for net process $net"
	for p in $net $workers; do
		for i in $(seq 1 40); do
			alive "$p" || break
			sleep 0.05
		done
		alive "$p" && fail "$what: child $p outlived the monitor"
	done
	expect_eq "$what: audit records of net deaths" \
	    "$(audit_select 'select(.event=="process" and .decision=="ERROR" and (.reason | test("^net process killed by signal 31 \\(SIGSYS\\)"))) | .event' | wc -l)" "$n"
done
audit_verify
exit 0
