#!/bin/bash
# The process split, seen from outside while a session is open: a monitor
# with one net process and Workers workers.  As root (CI), the net process
# runs as PrivsepUser inside PrivsepChroot and the workers as ToolUser; all
# children have no_new_privs and a seccomp filter, none is dumpable, and
# no child's environment holds the key.
. "$(dirname "$0")/lib.sh"
setup "Workers 3"
KEY=$DEV_KEY start_mcpd
send "$(init_msg | head -n 1)"
wait_answer 0
send "$(call_msg 1 list_tables '{}')"
wait_answer 1
net=$(child_pids net)
workers=$(child_pids worker)
expect_eq "one net process" "$(echo "$net" | wc -w)" 1
expect_eq "three workers" "$(echo "$workers" | wc -w)" 3
st() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
for p in $net $workers; do
	expect_eq "NoNewPrivs $p" "$(st "$p" NoNewPrivs)" 1
	expect_eq "Seccomp $p" "$(st "$p" Seccomp)" 2
	expect_eq "no core $p" "$(awk '/^Max core file size/ { print $5 }' "/proc/$p/limits")" 0
	if is_root; then
		tr '\0' '\n' < "/proc/$p/environ" | grep -q MCPD_API_KEY &&
		    fail "key in environment of $p"
	fi
done
if is_root; then
	nuid=$(id -u "$TEST_NET_USER")
	tuid=$(id -u "$TEST_TOOL_USER")
	expect_eq "net uid" "$(st "$net" Uid)" "$nuid"
	expect_eq "net groups" "$(st "$net" Groups)" "$(id -g "$TEST_NET_USER")"
	expect_eq "net root" "$(readlink "/proc/$net/root")" "$TEST_CHROOT"
	expect_eq "net CapEff" "$(st "$net" CapEff)" 0000000000000000
	for p in $workers; do
		expect_eq "worker uid" "$(st "$p" Uid)" "$tuid"
		expect_eq "worker CapEff" "$(st "$p" CapEff)" 0000000000000000
	done
	# The monitor wiped the key from its own initial environment too.
	tr "\0" "\n" < "/proc/$MCPD_PID/environ" > "$OBJ/environ"
	grep -qF "$DEV_KEY" "$OBJ/environ" &&
	    fail "key readable in the monitor's /proc environ"
fi
stop_mcpd || fail "exit status $?"
is_root || skip "not root: uid, chroot and environ checks skipped"
exit 0
