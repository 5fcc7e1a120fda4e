#!/bin/bash
# The confinement of every process, read from /proc while a session is
# open, with stdout a pipe as MCP clients run mcpd: ids and groups, no
# capability in any set (the bounding set emptied too), no_new_privs, a
# seccomp filter, the net process chrooted, no environment in a child, and
# each process's resource limits (no core file anywhere; in the net
# process no file writes, no new process and no descriptor beyond those it
# holds; in the workers no new process, a bounded address space, a
# descriptor cap and a per-call CPU cap under a fixed hard limit).
. "$(dirname "$0")/lib.sh"
is_root || skip "not root: ids, capabilities and chroot cannot be checked"
setup "Workers 2" "QueryTimeout 5s"
# WAL already: two workers starting at once would race to switch to it.
sqlite3 "$OBJ/demo.db" 'PRAGMA journal_mode=WAL;' > /dev/null || fail "WAL"

mkfifo "$OBJ/fifo" || fail "mkfifo"
env -u KEY MCPD_API_KEY="$DEV_KEY" "$MCPD" -f "$OBJ/mcpd.conf" --stdio \
    < "$OBJ/fifo" > >(cat > "$OBJ/out") 2> "$OBJ/err" &
MCPD_PID=$!
exec {MCPD_W}> "$OBJ/fifo"
send "$(init_msg | head -n 1)"
wait_answer 0
send "$(call_msg 1 list_tables '{}')"
wait_answer 1
expect_eq "call served" "$(answer 1 '.result.isError')" false

net=$(child_pids net)
workers=$(child_pids worker)
expect_eq "one net process" "$(echo "$net" | wc -w)" 1
expect_eq "two workers" "$(echo "$workers" | wc -w)" 2

st() {	# pid field: the value(s) of a /proc/PID/status line
	awk -v k="$2:" '$1 == k { $1 = ""; sub(/^ /, ""); print }' "/proc/$1/status"
}
lim() {	# pid "Max ..." name: "soft hard" from /proc/PID/limits
	awk -v n="$2" 'index($0, n) == 1 { split(substr($0, 27), a, " +"); print a[1], a[2] }' "/proc/$1/limits"
}

nuid=$(id -u "$TEST_NET_USER")
ngid=$(id -g "$TEST_NET_USER")
tuid=$(id -u "$TEST_TOOL_USER")
tgid=$(id -g "$TEST_TOOL_USER")
ZERO=0000000000000000

expect_eq "monitor core" "$(lim "$MCPD_PID" "Max core file size")" "0 0"

for p in $net $workers; do
	expect_eq "NoNewPrivs $p" "$(st "$p" NoNewPrivs)" 1
	expect_eq "Seccomp $p" "$(st "$p" Seccomp)" 2
	for c in CapInh CapPrm CapEff CapBnd CapAmb; do
		expect_eq "$c $p" "$(st "$p" "$c")" "$ZERO"
	done
	expect_eq "environment of $p" "$(wc -c < "/proc/$p/environ")" 0
	expect_eq "core $p" "$(lim "$p" "Max core file size")" "0 0"
	expect_eq "processes $p" "$(lim "$p" "Max processes")" "0 0"
done

# The net process: PrivsepUser in PrivsepChroot, and nothing to write to.
expect_eq "net Uid" "$(st "$net" Uid)" "$nuid $nuid $nuid $nuid"
expect_eq "net Gid" "$(st "$net" Gid)" "$ngid $ngid $ngid $ngid"
expect_eq "net Groups" "$(st "$net" Groups)" "$ngid"
expect_eq "net root" "$(readlink "/proc/$net/root")" "$TEST_CHROOT"
expect_eq "net cwd" "$(readlink "/proc/$net/cwd")" "$TEST_CHROOT"
expect_eq "net file size" "$(lim "$net" "Max file size")" "0 0"
top=$(ls "/proc/$net/fd" | sort -n | tail -n 1)
expect_eq "net open files: one past its highest descriptor" \
    "$(lim "$net" "Max open files")" "$((top + 1)) $((top + 1))"
[ "$top" -lt 8 ] || fail "net process holds descriptors up to $top"

# The workers: ToolUser, outside any chroot (the database is a path).
for p in $workers; do
	expect_eq "worker Uid $p" "$(st "$p" Uid)" "$tuid $tuid $tuid $tuid"
	expect_eq "worker Gid $p" "$(st "$p" Gid)" "$tgid $tgid $tgid $tgid"
	expect_eq "worker Groups $p" "$(st "$p" Groups)" "$tgid"
	expect_eq "worker root $p" "$(readlink "/proc/$p/root")" /
	expect_eq "worker open files $p" "$(lim "$p" "Max open files")" "64 64"
	expect_eq "worker address space $p" "$(lim "$p" "Max address space")" \
	    "1073741824 1073741824"
	# The CPU cap: CPU used so far (under a second) + QueryTimeout
	# (5 s) + 2, under the fixed hard limit of 4 hours.
	read -r soft hard <<< "$(lim "$p" "Max cpu time")"
	expect_eq "worker cpu hard limit $p" "$hard" 14400
	[ "$soft" -ge 7 ] && [ "$soft" -le 8 ] ||
	    fail "worker $p cpu soft limit $soft, expected 7 or 8"
done

stop_mcpd || fail "exit status $?"
exit 0
