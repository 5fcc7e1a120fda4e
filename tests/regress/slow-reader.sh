#!/bin/bash
# A client that stops reading: 300 calls of about 600 KB each (180 MB of
# answers) are sent at once while nobody reads stdout.  Backpressure keeps
# every process's memory bounded by the calls in flight (64 at most, each
# answer at most MaxMessageSize), not by what the client sent; once the
# client reads again every call is answered.
. "$(dirname "$0")/lib.sh"
setup "RateLimit 100000/min"
N=300
{
	init_msg
	for i in $(seq 1 $N); do
		call_msg "$i" query '{"sql":"SELECT hex(randomblob(300000)) AS b"}'
	done
} > "$OBJ/in"
mkfifo "$OBJ/outfifo"
env -u KEY MCPD_API_KEY="$DEV_KEY" "$MCPD" -f "$OBJ/mcpd.conf" --stdio \
    < "$OBJ/in" > "$OBJ/outfifo" 2> "$OBJ/err" &
MCPD_PID=$!
exec {R}< "$OBJ/outfifo"	# opened, but not read yet
sleep 2
kill -0 "$MCPD_PID" || fail "mcpd died while stalled"
max=0
for p in $MCPD_PID $(pgrep -P "$MCPD_PID"); do
	kb=$(awk '/^VmRSS:/ { print $2 }' "/proc/$p/status")
	[ "$kb" -gt "$max" ] && max=$kb
done
# 64 answers of 600 KB in flight, plus the process itself.
[ "$max" -lt 90000 ] || fail "a process grew to $max kB while stalled"
timeout 60 cat <&"$R" > "$OBJ/out"
exec {R}<&-
wait "$MCPD_PID" || fail "mcpd exit status $?"
MCPD_PID=
expect_eq "answers" "$(jq -c 'select(.id != 0) | .result.isError' "$OBJ/out" | grep -c false)" "$N"
audit_verify
exit 0
