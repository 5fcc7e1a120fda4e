#!/bin/bash
# The whole-suite secret scan (lib.sh: secret_collect, secret_scan) is
# itself tested: a real session's outputs are collected without the files
# that hold secrets on purpose and scan clean; then each form in which a
# secret could leak (an API key, its secret part alone, a key made by a
# scenario with mcpctl directly, the audit key's raw bytes inside binary
# data, its hex, upper-case hex and base64) is planted in a copy of an
# output, and the scan must fail, naming the secret by its fingerprint and
# never printing it.  This is the check with the protection switched off.
. "$(dirname "$0")/lib.sh"
setup
# The planted copies live here; they must not reach the suite's own scan.
SECRET_SCAN_SKIP="selftest/*"
NEW=$("$MCPCTL" key new --user viewer@example.com --roles viewer \
    -f "$OBJ/keys") || fail "key new"
{ init_msg; call_msg 1 list_tables '{}'; } > "$OBJ/in"
KEY=$DEV_KEY run_mcpd || fail "mcpd exited with $?"
audit_verify
printf 'some output\n' > "$OBJ/extra.log"

F=$OBJ/selftest
mkdir -p "$F" || fail "mkdir"
# Collect this scenario's files as cleanup() would, into $F/clean.
(MCPD_SECRET_SCAN_DIR=$F SCENARIO=clean SECRET_SCAN_SKIP="selftest/*"
    secret_collect) || fail "secret_collect"
for f in out err audit.log keys mcpd.conf verify extra.log; do
	[ -f "$F/clean/$f" ] || fail "$f not collected"
done
for f in audit.key in demo.db .secret-scan/made .secret-scan/mcpctl; do
	[ -e "$F/clean/$f" ] && fail "$f collected"
done
[ -e "$F/clean/selftest" ] && fail "SECRET_SCAN_SKIP ignored"
expect_eq "secrets recorded" \
    "$(awk '{ print $1, $2 }' "$F/secrets" | sort | uniq -c | tr '\n' ' ' |
    tr -s ' ')" " 1 bin clean 4 text clean "
grep -qxF "text clean $NEW" "$F/secrets" || fail "the key made here is not recorded"
grep -qxF "bin clean $(basenc --base16 -w 0 "$OBJ/audit.key")" \
    "$F/secrets" || fail "audit key not recorded"

scan() { secret_scan "$F" > "$OBJ/scan.out" 2>&1; }
scan || fail "clean outputs: $(cat "$OBJ/scan.out")"
n=$(find "$F/clean" -type f | wc -l)
expect_eq "clean scan" "$(cat "$OBJ/scan.out")" "ok   secret-scan ($n files, 5 secrets)"

fp() { printf '%s' "$1" | sha256sum | cut -c1-12; }
akfp=$(sha256sum < "$OBJ/audit.key" | cut -c1-12)
# plant NAME: write stdin into a new collected file, expect one finding
# whose text is $2, then remove the file again.
plant() {
	cat > "$F/clean/$1"
	scan && fail "$1: planted secret not found"
	expect_eq "finding for $1" "$(cat "$OBJ/scan.out")" \
	    "FAIL secret-scan: $2 in clean/$1"
	for k in "$ADMIN_KEY" "$DEV_KEY" "$VIEWER_KEY" "$NEW"; do
		grep -qF -- "${k:14}" "$OBJ/scan.out" && fail "scan printed a key"
	done
	grep -qiF "$(od -An -v -tx1 "$OBJ/audit.key" | tr -d ' \n')" \
	    "$OBJ/scan.out" && fail "scan printed the audit key"
	rm -f "$F/clean/$1"
}
printf 'error: bad key %s\n' "$DEV_KEY" |
    plant p1 "secret $(fp "$DEV_KEY") (from clean)"
printf '{"x":"%s"}' "${ADMIN_KEY:14}" |
    plant p2 "secret part of API key $(fp "$ADMIN_KEY") (from clean)"
printf 'Bearer %s\n' "$NEW" | plant p3 "secret $(fp "$NEW") (from clean)"
{ head -c 100 /dev/urandom; cat "$OBJ/audit.key"; printf '\0\n'; } |
    plant p4 "key file $akfp, raw bytes (from clean)"
od -An -v -tx1 "$OBJ/audit.key" | tr -d ' \n' |
    plant p5 "key file $akfp, as text (from clean)"
od -An -v -tx1 "$OBJ/audit.key" | tr -d ' \n' | tr a-f A-F |
    plant p6 "key file $akfp, as text (from clean)"
base64 -w 0 "$OBJ/audit.key" | plant p7 "key file $akfp, as text (from clean)"
# The key split by a line break is no longer that key: no false finding
# from od's line structure.
printf '%s\n%s\n' "${DEV_KEY:0:20}" "${DEV_KEY:20}" > "$F/clean/p8"
scan || fail "split key: $(cat "$OBJ/scan.out")"
rm -f "$F/clean/p8"

# A large output is read in overlapping chunks: a key across the end of
# the first chunk (33 MiB) and the raw audit key far beyond it are found.
big=$F/clean/big
dd if=/dev/zero of="$big" bs=1M count=40 status=none || fail "dd"
printf '%s' "$DEV_KEY" |
    dd of="$big" bs=1 seek=$((33 * 1048576 - 10)) conv=notrunc status=none
dd if="$OBJ/audit.key" of="$big" bs=1 seek=$((39 * 1048576 + 7)) \
    conv=notrunc status=none
scan && fail "big file: nothing found"
expect_eq "big file" "$(sort "$OBJ/scan.out")" \
"FAIL secret-scan: key file $akfp, raw bytes (from clean) in clean/big
FAIL secret-scan: secret $(fp "$DEV_KEY") (from clean) in clean/big"
rm -f "$big"

# Files given on the command line (run.sh passes the scenario logs).
printf '%s\n' "$VIEWER_KEY" > "$OBJ/log9"
secret_scan "$F" "$OBJ/log9" > "$OBJ/scan.out" 2>&1 && fail "extra file not searched"
expect_eq "extra file" "$(cat "$OBJ/scan.out")" \
    "FAIL secret-scan: secret $(fp "$VIEWER_KEY") (from clean) in $OBJ/log9"

# Nothing collected is a failure, not a vacuous pass.
mkdir "$OBJ/emptyscan" || fail "mkdir"
secret_scan "$OBJ/emptyscan" > "$OBJ/scan.out" 2>&1 && fail "empty scan passed"
expect_eq "empty" "$(cat "$OBJ/scan.out")" \
    "FAIL secret-scan: nothing to search (0 files, 0 secrets)"
rm -f "$OBJ/log9" "$OBJ/scan.out"
exit 0
