#!/bin/bash
# -t and -T, -o, the long options, MCPD_* variables and their precedence
# (command line, environment, file, defaults), and errors that name the
# file and line.
. "$(dirname "$0")/lib.sh"
setup
"$MCPD" -t -f "$OBJ/mcpd.conf" > "$OBJ/out" 2> "$OBJ/err" || fail "-t on a good config"
expect_eq "-t is silent" "$(cat "$OBJ/out" "$OBJ/err")" ""

cp "$OBJ/mcpd.conf" "$OBJ/bad.conf"
printf 'RateLimit 5/min\nNoSuchKeyword yes\n' >> "$OBJ/bad.conf"
n=$(wc -l < "$OBJ/bad.conf")
"$MCPD" -t -f "$OBJ/bad.conf" 2> "$OBJ/err" && fail "-t accepted an unknown keyword"
grep -q "$OBJ/bad.conf line $n: .*NoSuchKeyword" "$OBJ/err" || fail "error: $(cat "$OBJ/err")"

printf 'Workers many\n' > "$OBJ/bad2.conf"
"$MCPD" -t -f "$OBJ/bad2.conf" 2> "$OBJ/err" && fail "-t accepted Workers many"
grep -q "$OBJ/bad2.conf line 1" "$OBJ/err" || fail "error: $(cat "$OBJ/err")"

"$MCPD" -t -f "$OBJ/nonexistent.conf" 2>/dev/null && fail "-t without a file"

# A missing audit key is a failed check.
sed "s|^AuditKeyFile .*|AuditKeyFile $OBJ/missing.key|" "$OBJ/mcpd.conf" > "$OBJ/nokey.conf"
"$MCPD" -t -f "$OBJ/nokey.conf" 2>/dev/null && fail "-t without the audit key"

# Precedence: file says 50, environment 60, -o 70.
printf 'RateLimit 50/min\n' | cat - "$OBJ/mcpd.conf" > "$OBJ/p.conf"
T() { "$MCPD" -T -f "$OBJ/p.conf" "$@" | grep '^ratelimit '; }
expect_eq "file" "$(T)" "ratelimit 50/min"
expect_eq "env" "$(MCPD_RATE_LIMIT=60 T)" "ratelimit 60/min"
expect_eq "-o" "$(MCPD_RATE_LIMIT=60 T -o RateLimit=70)" "ratelimit 70/min"
expect_eq "--rate-limit" "$(MCPD_RATE_LIMIT=60 T --rate-limit=80)" "ratelimit 80/min"
expect_eq "audit log env" "$(MCPD_AUDIT_LOG=/x/y "$MCPD" -T -f "$OBJ/p.conf" | grep '^auditlog ')" "auditlog /x/y"
expect_eq "auth mode" "$("$MCPD" -T -f "$OBJ/p.conf" --auth-mode=none | grep '^authmode ')" "authmode none"
expect_eq "MCPD_CONFIG" "$(MCPD_CONFIG=$OBJ/p.conf "$MCPD" -T | grep '^ratelimit ')" "ratelimit 50/min"
expect_eq "default" "$("$MCPD" -T -f "$OBJ/p.conf" | grep '^toolttimeout \|^tooltimeout ')" "tooltimeout 30"
# First value wins within the file.
printf 'Workers 3\nWorkers 4\n' | cat - "$OBJ/mcpd.conf" > "$OBJ/w.conf"
expect_eq "first wins" "$("$MCPD" -T -f "$OBJ/w.conf" | grep '^workers ')" "workers 3"

# Plain HTTP is for loopback only: another address needs TLSCertificate.
"$MCPD" -t -f "$OBJ/mcpd.conf" --listen=127.0.0.1:8443 2> "$OBJ/err" ||
    fail "loopback Listen refused: $(cat "$OBJ/err")"
"$MCPD" -t -f "$OBJ/mcpd.conf" --listen=0.0.0.0:8443 2> "$OBJ/err" &&
    fail "plain HTTP on 0.0.0.0 accepted"
grep -q 'Listen 0.0.0.0:8443: without TLSCertificate only loopback' "$OBJ/err" ||
    fail "Listen 0.0.0.0: $(cat "$OBJ/err")"
# Bad usage.
"$MCPD" --no-such-option 2>/dev/null && fail "unknown option accepted"
exit 0
