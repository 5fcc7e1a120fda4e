#!/bin/bash
# Checkpoints (issue 11, item 3): every AuditCheckpoint records or seconds
# mcpd writes a checkpoint record that opens the next key epoch and sends
# "audit checkpoint SEQ:HASH" to syslog (and its log); mcpctl audit verify
# --expect SEQ:HASH, or --checkpoint FILE with such a line, fails on a log
# that ends before that point (tail cut), that lost records in the middle,
# or that was replaced by a fresh chain under the same key.
. "$(dirname "$0")/lib.sh"
setup "AuditCheckpoint 4"

# The keyword: defaults, the forms it takes, values it refuses.
expect_eq "default" "$("$MCPD" -T -f "$OBJ/mcpd.conf" -o AuditCheckpoint=1000 | grep '^auditcheckpoint')" "auditcheckpoint 1000"
printf 'AuditLog %s\nAuditKeyFile %s\n' "$OBJ/x.log" "$OBJ/audit.key" > "$OBJ/p.conf"
expect_eq "defaults" "$("$MCPD" -T -f "$OBJ/p.conf" | grep '^auditcheckpoint')" "auditcheckpoint 1000 300s"
expect_eq "both" "$("$MCPD" -T -f "$OBJ/p.conf" -o 'AuditCheckpoint=10m 500' | grep '^auditcheckpoint')" "auditcheckpoint 500 600s"
expect_eq "time only" "$("$MCPD" -T -f "$OBJ/p.conf" -o 'AuditCheckpoint=30s' | grep '^auditcheckpoint')" "auditcheckpoint 30s"
for bad in 0 "3 4" "1m 2m" "5x" "4 5 6"; do
	"$MCPD" -T -f "$OBJ/p.conf" -o "AuditCheckpoint=$bad" > /dev/null 2>&1 &&
	    fail "AuditCheckpoint $bad accepted"
done

{
	init_msg
	for i in 1 2 3 4 5 6; do call_msg $i list_tables '{}'; done
} > "$OBJ/in"
KEY=$DEV_KEY run_mcpd || fail "mcpd exited with $?"
audit_verify
n=$(wc -l < "$OBJ/audit.log")
cps=$(jq -c 'select(.event == "checkpoint") | [.seq, .epoch, .records]' "$OBJ/audit.log" | tr '\n' ' ')
expect_eq "checkpoints" "$cps" "[5,1,4] [10,2,4] [15,3,4] "
expect_eq "records" "$n" 16
# The log says what syslog got: seq and the hash of the checkpoint's line.
h=$(sed -n 10p "$OBJ/audit.log" | tr -d '\n' | sha256sum | cut -c1-64)
grep -q "audit checkpoint 10:$h epoch 2" "$OBJ/err" || fail "checkpoint not logged"
v() { "$MCPCTL" audit verify "$1" --key-file "$OBJ/audit.key" "${@:2}"; }
out=$(v "$OBJ/audit.log" --checkpoint "$OBJ/err") || fail "checkpoint file: $out"
expect_eq "good log" "$out" "OK: $n records verified, last seq $n, checkpoint 15 matches"
out=$(v "$OBJ/audit.log" --expect "10:$h" --expect "$(grep 'checkpoint 5:' "$OBJ/err")") ||
    fail "expect: $out"

# Truncation: the tail cut before the checkpoint verifies on its own...
head -n 9 "$OBJ/audit.log" > "$OBJ/cut.log"
v "$OBJ/cut.log" > /dev/null || fail "a cut log no longer verifies alone"
# ...but not against the checkpoint.
out=$(v "$OBJ/cut.log" --expect "10:$h"); rc=$?
expect_eq "cut rc" "$rc" 1
expect_eq "cut" "$out" "FAILED: log ends at seq 9 (line 9), before the expected checkpoint 10 (records removed from the end)"

# Records deleted in the middle.
sed '3,4d' "$OBJ/audit.log" > "$OBJ/mid.log"
out=$(v "$OBJ/mid.log" --expect "10:$h"); rc=$?
expect_eq "middle rc" "$rc" 1
expect_eq "middle" "$out" "FAILED: record 3 (line 3): sequence gap: expected seq 3, found 5 (records removed or reordered)"

# The whole file replaced by a fresh chain under the same key.
mkdir -m 0755 "$OBJ/fresh"
sed "s|^AuditLog .*|AuditLog $OBJ/fresh/audit.log|" "$OBJ/mcpd.conf" > "$OBJ/fresh.conf"
KEY=$DEV_KEY env -u KEY MCPD_API_KEY="$DEV_KEY" timeout 60 "$MCPD" -f "$OBJ/fresh.conf" --stdio \
    < "$OBJ/in" 2> "$OBJ/fresh.err" | cat > /dev/null
v "$OBJ/fresh/audit.log" > /dev/null || fail "fresh chain does not verify alone"
out=$(v "$OBJ/fresh/audit.log" --expect "10:$h"); rc=$?
expect_eq "replaced rc" "$rc" 1
expect_eq "replaced" "$out" "FAILED: record 10 (line 10): differs from the expected checkpoint (log rewritten or replaced)"

# Forward security: the key on the host now (the key state's) cannot
# re-MAC a record of an earlier epoch.
k=$(sed -n 's/^key //p' "$OBJ/audit.log.keystate")
line=$(sed -n 2p "$OBJ/audit.log" | sed 's/"list_tables"/"drop_table"/')
body="${line%,\"mac\":*}}"
mac=$(printf '%s' "$body" | openssl dgst -sha256 -mac HMAC -macopt "hexkey:$k" | sed 's/.*= //')
{ sed -n 1p "$OBJ/audit.log"; printf '%s,"mac":"%s"}\n' "${body%\}}" "$mac"; sed -n '3,$p' "$OBJ/audit.log"; } > "$OBJ/forged.log"
out=$(v "$OBJ/forged.log"); rc=$?
expect_eq "forged rc" "$rc" 1
expect_eq "forged" "$out" "FAILED: record 2 (line 2): MAC mismatch: record altered"
grep -qi "$(head -c 32 "$OBJ/audit.key" | od -An -tx1 | tr -d ' \n')" "$OBJ/audit.log.keystate" &&
    fail "the initial key is still on disk in the key state"

# AuditCheckpoint DURATION: a quiet log gets its checkpoint in time.
sed -i 's/^AuditCheckpoint 4$/AuditCheckpoint 1s/' "$OBJ/mcpd.conf"
KEY=$DEV_KEY start_mcpd
send "$(init_msg | head -n 1)"
wait_answer 0
for i in $(seq 1 60); do
	grep -q "audit checkpoint $((n + 2)):" "$OBJ/err" && break
	sleep 0.1
done
stop_mcpd || fail "mcpd exit status $?"
expect_eq "timed checkpoint" "$(jq -c --argjson n "$n" 'select(.event == "checkpoint" and .seq > $n) | [.seq, .epoch, .records]' "$OBJ/audit.log")" "[$((n + 2)),4,1]"
audit_verify
exit 0
