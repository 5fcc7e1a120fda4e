#!/bin/bash
# A SANDBOX_DEBUG build names the forbidden system call on stderr, then
# dies of SIGSYS all the same, so that the monitor reports it as in
# production.  Every violation the test hooks provoke is named, in the net
# process and in a worker; the net process runs with stdout a pipe, so
# that its stderr (a file here) is unwritable under RLIMIT_FSIZE 0 and the
# name must come through the monitor's log instead.  Builds the debug tree
# ($O/sandbox-debug, with the test hooks) when it is missing or stale.
. "$(dirname "$0")/lib.sh"
make -s -C "$TOP" O="$O/sandbox-debug" SANDBOX_DEBUG=1 TEST_HOOKS=1 all \
    > /dev/null || fail "cannot build $O/sandbox-debug"
MCPD=$TOP/$O/sandbox-debug/mcpd
setup "Workers 1"

# The system call each violation makes, as the kernel numbers it.
syscall_of() {
	case $1 in
	open)		echo openat ;;
	fork)		echo clone ;;
	mmap-exec)	echo mmap ;;
	mprotect-exec)	echo mprotect ;;
	*)		echo "$1" ;;
	esac
}

wait_exit() {
	local i
	for i in $(seq 1 200); do
		kill -0 "$MCPD_PID" 2>/dev/null || break
		sleep 0.05
	done
	kill -0 "$MCPD_PID" 2>/dev/null && fail "$1: mcpd still running"
	wait "$MCPD_PID"
	rc=$?
	MCPD_PID=
	exec {MCPD_W}>&-
}

for what in open execve socket connect fork mmap-exec mprotect-exec ptrace; do
	name=$(syscall_of "$what")

	# The net process, stdout a pipe.
	rm -f "$OBJ/fifo" "$OBJ/out" "$OBJ/err"
	mkfifo "$OBJ/fifo" || fail "mkfifo"
	env MCPD_API_KEY="$ADMIN_KEY" "$MCPD" -f "$OBJ/mcpd.conf" --stdio \
	    < "$OBJ/fifo" > >(cat > "$OBJ/out") 2> "$OBJ/err" &
	MCPD_PID=$!
	exec {MCPD_W}> "$OBJ/fifo"
	send "$(init_msg | head -n 1)"
	wait_answer 0
	net=$(child_pids net)
	send "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"mcpd-test/violate\",\"params\":{\"what\":\"$what\"}}"
	wait_exit "net $what"
	expect_eq "net $what: exit status" "$rc" 1
	grep -qE "sandbox violation: syscall [0-9]+ \\($name\\)" "$OBJ/err" ||
	    fail "net $what: $name not named"
	grep -qF "net process $net killed by signal 31 (SIGSYS): sandbox violation" "$OBJ/err" ||
	    fail "net $what: no SIGSYS report"

	# A worker.
	rm -f "$OBJ/fifo" "$OBJ/out" "$OBJ/err"
	KEY=$ADMIN_KEY start_mcpd
	send "$(init_msg | head -n 1)"
	wait_answer 0
	worker=$(child_pids worker)
	send "$(call_msg 1 test_violate "{\"what\":\"$what\"}")"
	wait_answer 1
	expect_eq "worker $what: tool error" "$(answer 1 '.result.isError')" true
	grep -qE "sandbox violation: syscall [0-9]+ \\($name\\)" "$OBJ/err" ||
	    fail "worker $what: $name not named"
	grep -qF "worker $worker killed by signal 31 (SIGSYS): sandbox violation" "$OBJ/err" ||
	    fail "worker $what: no SIGSYS report"
	stop_mcpd || fail "worker $what: exit status $?"
done
exit 0
