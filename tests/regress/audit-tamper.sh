#!/bin/bash
# mcpctl audit verify names the first record that was altered, removed or
# reordered in a log the daemon wrote.
. "$(dirname "$0")/lib.sh"
setup
{
	init_msg
	for i in 1 2 3 4; do call_msg $i list_tables '{}'; done
} > "$OBJ/in"
KEY=$DEV_KEY run_mcpd || fail "mcpd exited with $?"
audit_verify
n=$(wc -l < "$OBJ/audit.log")
[ "$n" -ge 9 ] || fail "only $n records"
v() { "$MCPCTL" audit verify "$1" --key-file "$OBJ/audit.key"; }

sed '3s/list_tables/drop_table/' "$OBJ/audit.log" > "$OBJ/altered"
out=$(v "$OBJ/altered"); rc=$?
expect_eq "altered rc" "$rc" 1
expect_eq "altered" "$out" "FAILED: record 3 (line 3): MAC mismatch: record altered"

sed '4d' "$OBJ/audit.log" > "$OBJ/removed"
out=$(v "$OBJ/removed"); rc=$?
expect_eq "removed rc" "$rc" 1
case "$out" in "FAILED: record 4 (line 4): sequence gap"*) ;; *) fail "removed: $out" ;; esac

awk 'NR == 3 { held = $0; next } { print } NR == 4 { print held }' \
    "$OBJ/audit.log" > "$OBJ/swapped"
out=$(v "$OBJ/swapped"); rc=$?
expect_eq "swapped rc" "$rc" 1
case "$out" in "FAILED: record 3 (line 3): "*) ;; *) fail "swapped: $out" ;; esac

# A different key does not verify.
head -c 32 /dev/urandom > "$OBJ/other.key"; chmod 600 "$OBJ/other.key"
"$MCPCTL" audit verify "$OBJ/audit.log" --key-file "$OBJ/other.key" >/dev/null &&
    fail "verified with the wrong key"
exit 0
