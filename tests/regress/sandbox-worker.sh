#!/bin/bash
# A worker's seccomp filter kills it on the first forbidden system call:
# open a file, execve, socket, connect, fork, an executable mapping (mmap,
# or mprotect of a writable one), ptrace, and a call through a foreign
# architecture's entry point (on x86_64, the i386 one).  Each is
# provoked, in a fresh session each, through the "test_violate" tool that
# only a TEST_HOOKS build has.  Each must end with the worker killed by
# SIGSYS (never answering that it survived), logged and audited as a
# sandbox violation, the caller getting a tool error, a new worker in its
# place, and the next call served.
. "$(dirname "$0")/lib.sh"
MCPD=$TOP/$O/test-hooks/mcpd
[ -x "$MCPD" ] || fail "no test-hooks build at $MCPD (make O=$O/test-hooks TEST_HOOKS=1 all)"
setup "Workers 1"

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
	worker=$(child_pids worker)
	[ -n "$worker" ] || fail "$what: no worker"
	send "$(call_msg 1 test_violate "{\"what\":\"$what\"}")"
	wait_answer 1
	grep -q 'survived' "$OBJ/out" && fail "$what: the worker survived: $(answer 1 .)"
	expect_eq "$what: tool error" "$(answer 1 '.result.isError')" true
	grep -qF "worker $worker killed by signal 31 (SIGSYS): sandbox violation" "$OBJ/err" ||
	    fail "$what: no SIGSYS report for worker $worker"
	kill -0 "$worker" 2>/dev/null && fail "$what: worker $worker still alive"
	# Replaced: a new worker serves the next call.
	send "$(call_msg 2 query '{"sql":"SELECT count(*) AS n FROM users"}')"
	wait_answer 2
	expect_eq "$what: next call served" "$(answer 2 '.result.isError')" false
	new=$(child_pids worker)
	[ -n "$new" ] && [ "$new" != "$worker" ] ||
	    fail "$what: worker not replaced ($worker, now '$new')"
	stop_mcpd || fail "$what: exit status $?"
	expect_eq "$what: audit records of worker deaths" \
	    "$(audit_select 'select(.event=="process" and .decision=="ERROR" and (.reason | test("^worker killed by signal 31 \\(SIGSYS\\)"))) | .event' | wc -l)" "$n"
	expect_eq "$what: the call's outcome audited" \
	    "$(audit_select 'select(.event=="tools/result" and .tool=="test_violate" and .decision=="ERROR") | .event' | wc -l)" "$n"
done
audit_verify
exit 0
