#!/bin/bash
# Each call in a worker runs under a CPU cap of its own (RLIMIT_CPU: what
# the worker has used so far + QueryTimeout + 2 s), whatever SQLite's
# progress handler does.  A call that spins in C, where no progress
# handler runs (the test build's "test_violate" tool with "cpu"), is
# killed by the kernel's SIGXCPU long before ToolTimeout: the monitor logs
# and audits the death, the caller gets a tool error, and a new worker
# serves the next call.
. "$(dirname "$0")/lib.sh"
MCPD=$TOP/$O/test-hooks/mcpd
[ -x "$MCPD" ] || fail "no test-hooks build at $MCPD (make O=$O/test-hooks TEST_HOOKS=1 all)"
# CPU cap 1 + 2 s (+ under a second already used); ToolTimeout far above.
setup "Workers 1" "QueryTimeout 1s" "ToolTimeout 60"

KEY=$ADMIN_KEY start_mcpd
send "$(init_msg | head -n 1)"
wait_answer 0
worker=$(child_pids worker)
[ -n "$worker" ] || fail "no worker"
start=$(date +%s)
send "$(call_msg 1 test_violate '{"what":"cpu"}')"
for i in $(seq 1 1100); do	# 55 s at most
	[ -n "$(answer 1 '.id' 2>/dev/null)" ] && break
	sleep 0.05
done
[ -n "$(answer 1 '.id')" ] || fail "no answer within 55s: no CPU cap"
# The cap counts CPU time, about 3 s of it: on a loaded machine that takes
# longer on the clock, but it must end the call before ToolTimeout (60 s)
# would, and the SIGXCPU report below says which of the two did.
elapsed=$(( $(date +%s) - start ))
[ "$elapsed" -lt 55 ] || fail "the spinning call ran ${elapsed}s"
expect_eq "tool error" "$(answer 1 '.result.isError')" true
grep -qF "worker $worker killed by signal 24 (SIGXCPU)" "$OBJ/err" ||
    fail "no SIGXCPU report for worker $worker"
send "$(call_msg 2 list_tables '{}')"
wait_answer 2
expect_eq "next call served" "$(answer 2 '.result.isError')" false
new=$(child_pids worker)
[ -n "$new" ] && [ "$new" != "$worker" ] || fail "worker not replaced"
stop_mcpd || fail "exit status $?"
audit_verify
expect_eq "death audited" \
    "$(audit_select 'select(.event=="process" and .decision=="ERROR") | .reason')" \
    '"worker killed by signal 24 (SIGXCPU)"'
exit 0
