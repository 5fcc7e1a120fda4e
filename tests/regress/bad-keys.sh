#!/bin/bash
# Bad credentials: a valid key id with a wrong secret, an unknown key id,
# an expired key, a key used from outside its from=, a malformed key, and
# no key at all.  Each gets the same generic -32003 answer; the audit log
# has AUTH_FAILED with the precise reason and only a fingerprint; no key
# appears anywhere.
. "$(dirname "$0")/lib.sh"
setup "AuthFailureLimit 1000/min"
# mcpctl refuses a date in the past: make the key, then age it in the file.
EXPIRED=$("$MCPCTL" key new --user dev@example.com --roles developer \
    --expires 20990101 -f "$OBJ/keys") || fail "key new expired"
sed -i 's/expiry-time="20990101"/expiry-time="20200101"/' "$OBJ/keys"
REMOTE=$("$MCPCTL" key new --user dev@example.com --roles developer \
    --from 192.0.2.0/24 -f "$OBJ/keys") || fail "key new from"
LOCAL=$("$MCPCTL" key new --user dev@example.com --roles developer \
    --from 127.0.0.1/32 -f "$OBJ/keys") || fail "key new from local"
id=${DEV_KEY:5:8}
secret=${DEV_KEY:14}
flip=$(printf '%s' "$secret" | tr 'A-Za-z' 'B-ZAb-za')
WRONG="mcpk_${id}_${flip}"
UNKNOWN="mcpk_zz9zz9zz_${secret}"
meta() { printf '{"authorization":"Bearer %s"}' "$1"; }
{
	init_msg
	call_msg 1 list_tables '{}' "$(meta "$WRONG")"
	call_msg 2 list_tables '{}' "$(meta "$UNKNOWN")"
	call_msg 3 list_tables '{}' "$(meta "$EXPIRED")"
	call_msg 4 list_tables '{}' "$(meta "$REMOTE")"
	call_msg 5 list_tables '{}' "$(meta "not-a-key")"
	call_msg 6 list_tables '{}' '{"authorization":"Basic Zm9vOmJhcg=="}'
	call_msg 7 list_tables '{}' "$(meta "$LOCAL")"
	call_msg 8 list_tables '{}'
} > "$OBJ/in"
# No MCPD_API_KEY: call 8 presents nothing.
KEY= run_mcpd || fail "mcpd exited with $?"
for i in 1 2 3 4 5 6 8; do
	expect_eq "call $i" "$(answer $i '.error')" \
	    '{"code":-32003,"message":"Authentication failed"}'
done
expect_eq "loopback from= works on stdio" "$(answer 7 '.result.isError')" 'false'

audit_verify
reasons=$(audit_select 'select(.decision=="AUTH_FAILED") | .reason' | tr '\n' '|')
expect_eq "reasons" "$reasons" \
'"apikey: wrong secret"|"apikey: unknown key id"|"apikey: key expired"|"apikey: source not permitted by from="|"apikey: malformed key"|"apikey: malformed key"|"no credential presented"|'
fp=$(printf '%s' "$WRONG" | sha256sum | cut -c1-12)
expect_eq "fingerprint" "$(audit_select 'select(.decision=="AUTH_FAILED") | .credential' | head -n 1)" "\"$fp\""
for k in "$WRONG" "$UNKNOWN" "$EXPIRED" "$REMOTE" "$LOCAL"; do
	grep -qF -- "$k" "$OBJ/audit.log" "$OBJ/err" && fail "key leaked"
done
expect_no_secrets
exit 0
