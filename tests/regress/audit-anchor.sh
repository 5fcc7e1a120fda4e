#!/bin/bash
# mcpd verifies the MAC of the audit log's last record before continuing
# the chain (issue 11, item 3): a tail that was altered, or cut back
# behind the last checkpoint, makes it refuse to start, naming the file,
# the line and the way out; mcpctl audit new-chain moves the log aside and
# starts a new chain whose first record names the old one's end.  Once the
# key state exists, mcpd runs without AuditKeyFile (kept off the host).
. "$(dirname "$0")/lib.sh"
setup "AuditCheckpoint 4"
{
	init_msg
	for i in 1 2 3 4 5; do call_msg $i list_tables '{}'; done
} > "$OBJ/in"
KEY=$DEV_KEY run_mcpd || fail "mcpd exited with $?"
audit_verify
cp "$OBJ/audit.log" "$OBJ/good.log"
n=$(wc -l < "$OBJ/audit.log")
last_cp=$(jq -c 'select(.event == "checkpoint") | .seq' "$OBJ/audit.log" | tail -n 1)
[ -n "$last_cp" ] || fail "no checkpoint written"
[ "$last_cp" -lt "$n" ] || fail "the log ends with its checkpoint"

refused() {	# what line-number reason
	KEY=$DEV_KEY run_mcpd && fail "$1: mcpd started"
	grep -qF "fatal: audit log: $OBJ/audit.log, line $2: $3" "$OBJ/err" ||
	    fail "$1: $(tail -n 1 "$OBJ/err")"
	grep -qF "mcpctl audit new-chain $OBJ/audit.log" "$OBJ/err" ||
	    fail "$1: no way out named"
	grep -q 'Server ready' "$OBJ/err" && fail "$1: served"
	cmp -s "$OBJ/audit.log" "$OBJ/bad.log" || fail "$1: log changed"
}

# The last record altered (its MAC no longer matches).
sed '$s/"list_tables"/"drop_table"/' "$OBJ/good.log" > "$OBJ/bad.log"
cmp -s "$OBJ/bad.log" "$OBJ/good.log" && fail "sed changed nothing"
cp "$OBJ/bad.log" "$OBJ/audit.log"
refused "altered" "$n" "the last record (seq $n) does not verify"

# The tail cut back behind the last checkpoint: every record left
# verifies, but the key state remembers the checkpoint.
head -n $((last_cp - 1)) "$OBJ/good.log" > "$OBJ/bad.log"
cp "$OBJ/bad.log" "$OBJ/audit.log"
refused "cut" "$((last_cp - 1))" "the log ends at seq $((last_cp - 1)), before the last checkpoint (seq $last_cp)"

# A last line that is not a record.
{ cat "$OBJ/good.log"; echo '{"seq":99}'; } > "$OBJ/bad.log"
cp "$OBJ/bad.log" "$OBJ/audit.log"
refused "junk" "$((n + 1))" "previous log tail unreadable"

# The way out: the broken log moves aside, a new chain names its end.
hash=$(tail -n 1 "$OBJ/bad.log" | tr -d '\n' | sha256sum | cut -c1-64)
"$MCPCTL" audit new-chain "$OBJ/audit.log" > "$OBJ/nc" ||
    fail "new-chain: $(cat "$OBJ/nc")"
moved=$(ls "$OBJ"/audit.log.broken-*) || fail "old log not kept"
cmp -s "$moved" "$OBJ/bad.log" || fail "old log changed"
expect_eq "new chain's first record" \
    "$(head -n 1 "$OBJ/audit.log" | jq -c '[.seq, .event, .old_file, .old_seq, .old_hash, .prev]')" \
    "[1,\"chain-start\",\"$moved\",99,\"$hash\",\"$(printf '0%.0s' $(seq 64))\"]"
grep -qF "moved $OBJ/audit.log to $moved (its last line $((n + 1)): seq 99, sha256 $hash)" "$OBJ/nc" ||
    fail "new-chain output: $(cat "$OBJ/nc")"

# mcpd continues the new chain, without AuditKeyFile on the host.
mv "$OBJ/audit.key" "$OBJ/initial.key.offline"
KEY=$DEV_KEY run_mcpd || fail "mcpd after new-chain: $(tail -n 1 "$OBJ/err")"
grep -q "AuditKeyFile $OBJ/audit.key is absent" "$OBJ/err" || fail "no notice"
expect_eq "calls served" "$(answer 5 '.result.isError')" 'false'
"$MCPCTL" audit verify "$OBJ/audit.log" --key-file "$OBJ/initial.key.offline" \
    > "$OBJ/verify" || fail "new chain: $(cat "$OBJ/verify")"
mv "$OBJ/initial.key.offline" "$OBJ/audit.key"
# new-chain refuses a log that mcpd holds.
KEY=$DEV_KEY start_mcpd
"$MCPCTL" audit new-chain "$OBJ/audit.log" > "$OBJ/nc" 2>&1 && fail "new-chain ran on a live log"
grep -q 'is in use (is mcpd running?)' "$OBJ/nc" || fail "in use: $(cat "$OBJ/nc")"
stop_mcpd || fail "mcpd exit status $?"
exit 0
