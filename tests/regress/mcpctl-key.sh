#!/bin/bash
# mcpctl key new/list/revoke against a running configuration: a new key
# works, the file holds only its hash, a revoked key fails.
. "$(dirname "$0")/lib.sh"
setup
NEW=$("$MCPCTL" key new --user viewer@example.com --roles viewer -f "$OBJ/keys") || fail "key new"
case "$NEW" in
mcpk_????????_???????????????????????????????????????????) ;;
*) fail "key format: $NEW" ;;
esac
expect_eq "mode" "$(stat -c %a "$OBJ/keys")" 600
grep -qF "$NEW" "$OBJ/keys" && fail "the key itself is in the file"
hash=$(printf '%s' "$NEW" | sha256sum | cut -d' ' -f1)
grep -q "${NEW:5:8} sha256:$hash" "$OBJ/keys" || fail "hash line missing"
"$MCPCTL" key list -f "$OBJ/keys" > "$OBJ/list" || fail "key list"
grep -q "${NEW:5:8}" "$OBJ/list" || fail "list: $(cat "$OBJ/list")"
grep -q "$hash" "$OBJ/list" && fail "list shows hashes"

{ init_msg; call_msg 1 list_tables '{}'; } > "$OBJ/in"
KEY=$NEW run_mcpd || fail "mcpd exited with $?"
expect_eq "new key works" "$(answer 1 '.result.isError')" 'false'

"$MCPCTL" key revoke "${NEW:5:8}" -f "$OBJ/keys" || fail "revoke"
expect_eq "mode after revoke" "$(stat -c %a "$OBJ/keys")" 600
grep -q "${NEW:5:8}" "$OBJ/keys" && fail "revoked key still listed"
KEY=$NEW run_mcpd || fail "mcpd exited with $?"
expect_error 1 -32003
"$MCPCTL" key revoke "${NEW:5:8}" -f "$OBJ/keys" 2>/dev/null && fail "second revoke succeeded"
"$MCPCTL" key new --user 'bad user' --roles viewer -f "$OBJ/keys" >/dev/null 2>&1 &&
    fail "accepted a user with a space"
"$MCPCTL" key new --roles viewer -f "$OBJ/keys" >/dev/null 2>&1
expect_eq "usage exit" "$?" 2
exit 0
