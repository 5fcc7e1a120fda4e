#!/bin/bash
# SIGHUP reloads the configuration and AuthorizedKeysFile atomically while
# a client keeps calling: no call fails across five reloads; a key added is
# accepted and a key revoked refused without a restart; a configuration
# that does not load is rejected, logged and audited, and the old one stays
# in force; a keyword that needs a restart keeps its old value.
. "$(dirname "$0")/lib.sh"
setup "RateLimit 100000/min"
KEY=$DEV_KEY start_mcpd
send "$(init_msg | head -n 1)"
wait_answer 0
id=0
# n calls, a SIGHUP after the first half is sent; wait for all answers.
burst() {
	local i first=$((id + 1))
	for i in $(seq 1 "$1"); do
		id=$((id + 1))
		send "$(call_msg $id list_tables '{}' ${2:+"$2"})"
		[ "$i" -eq $(($1 / 2)) ] && kill -HUP "$MCPD_PID"
	done
	wait_answer "$id"
	for i in $(seq "$first" "$id"); do wait_answer "$i"; done
}
meta() { printf '{"authorization":"Bearer %s"}' "$1"; }

NEW=$("$MCPCTL" key new --user viewer@example.com --roles viewer -f "$OBJ/keys.next") ||
    fail "key new"
# Not loaded yet: refused.
send "$(call_msg 1000 list_tables '{}' "$(meta "$NEW")")"
wait_answer 1000
expect_eq "new key before reload" "$(answer 1000 '.error.code')" -32003

for round in 1 2 3 4 5; do
	if [ "$round" -eq 2 ]; then
		# The new key goes live atomically: write, then rename.
		cat "$OBJ/keys" "$OBJ/keys.next" > "$OBJ/keys.tmp"
		chmod 600 "$OBJ/keys.tmp"
		mv "$OBJ/keys.tmp" "$OBJ/keys"
	fi
	burst 40
done
bad=$(jq -c 'select(.id > 0 and .id < 1000) | select(.result.isError != false)' "$OBJ/out")
[ -z "$bad" ] || echo "failed calls: $bad"
expect_eq "failures across reloads" \
    "$(jq -c 'select(.id > 0 and .id < 1000) | .result.isError' "$OBJ/out" | grep -vc false)" 0
expect_eq "answers across reloads" \
    "$(jq -c 'select(.id > 0 and .id < 1000)' "$OBJ/out" | wc -l)" 200

send "$(call_msg 1001 list_tables '{}' "$(meta "$NEW")")"
wait_answer 1001
expect_eq "new key after reload" "$(answer 1001 '.result.isError')" false

"$MCPCTL" key revoke "${NEW:5:8}" -f "$OBJ/keys" || fail "revoke"
kill -HUP "$MCPD_PID"
sleep 0.3
send "$(call_msg 1002 list_tables '{}' "$(meta "$NEW")")"
wait_answer 1002
expect_eq "revoked key after reload" "$(answer 1002 '.error.code')" -32003

# A broken configuration is rejected; the running one stays.
cp "$OBJ/mcpd.conf" "$OBJ/mcpd.conf.good"
echo "NoSuchKeyword x" >> "$OBJ/mcpd.conf"
kill -HUP "$MCPD_PID"
sleep 0.3
grep -q "reload failed, the running configuration stays in force: .*line.*NoSuchKeyword" "$OBJ/err" ||
    fail "reload failure not logged"
send "$(call_msg 1003 list_tables '{}')"
wait_answer 1003
expect_eq "still serving after a failed reload" "$(answer 1003 '.result.isError')" false

# A policy change applies at once; a restart-only keyword does not.
{ echo "Workers 5"; grep -v '^Role viewer' "$OBJ/mcpd.conf.good";
  echo "Role viewer tools=list_tables"; } > "$OBJ/mcpd.conf"
kill -HUP "$MCPD_PID"
sleep 0.3
grep -q "reload: Workers changed; it takes effect at restart, keeping 2" "$OBJ/err" ||
    fail "restart-only keyword not reported"
expect_eq "workers" "$(child_pids worker | wc -l)" 2
send "$(call_msg 1004 query '{"sql":"SELECT 1"}' "$(meta "$VIEWER_KEY")")"
wait_answer 1004
expect_eq "viewer lost query" "$(answer 1004 '.result.isError')" true
stop_mcpd || fail "exit status $?"

audit_verify
expect_eq "reloads audited" "$(audit_select 'select(.event=="reload") | .decision' | sort | uniq -c | tr -s ' ')" \
' 1 "ERROR"
 7 null'
exit 0
