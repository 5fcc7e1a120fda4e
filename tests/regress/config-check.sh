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
# Upstream (mcpd.conf(5), UPSTREAMS): each bad line is refused by -t with
# its exact message, naming the file and the line.
upstream_bad() {	# line message
	printf '%s\n' "$1" | cat - "$OBJ/mcpd.conf" > "$OBJ/up.conf"
	"$MCPD" -t -f "$OBJ/up.conf" > "$OBJ/out" 2> "$OBJ/err" &&
	    fail "-t accepted: $1"
	expect_eq "-t: $1" "$(sed 's/^mcpd\[[0-9]*\]: //' "$OBJ/err")" \
	    "fatal: $OBJ/up.conf line 1: $2"
}
URLMSG="is not an https://HOST[:PORT]/PATH URL (http:// is allowed only for localhost, 127.0.0.0/8 and [::1])"
upstream_bad 'Upstream' 'Upstream: missing argument'
upstream_bad 'Upstream fs' "Upstream fs: missing 'command PATH [ARG ...]' or 'url URL'"
upstream_bad 'Upstream f.s command /x' "Upstream: invalid name 'f.s' (letters, digits, '_' and '-', at most 32)"
upstream_bad 'Upstream fs bogus command /x' "Upstream fs: expected OPTION=VALUE, 'command PATH [ARG ...]' or 'url URL', got 'bogus'"
upstream_bad 'Upstream fs color=red command /x' "Upstream fs: unknown option 'color='"
upstream_bad 'Upstream fs user=a user=b command /x' "Upstream fs: duplicate option 'user='"
upstream_bad 'Upstream fs user= command /x' 'Upstream fs: user: empty value'
upstream_bad 'Upstream fs user=a,b command /x' "Upstream fs: user: invalid user name 'a,b'"
upstream_bad 'Upstream fs cwd=srv command /x' "Upstream fs: cwd: 'srv' is not an absolute path"
upstream_bad 'Upstream fs env=1X command /x' "Upstream fs: env: invalid environment variable name '1X'"
upstream_bad 'Upstream fs env=A,A command /x' "Upstream fs: env: duplicate environment variable name 'A'"
upstream_bad 'Upstream fs env=HOME,MCPD_API_KEY command /x' "Upstream fs: env: 'MCPD_API_KEY' is reserved for mcpd (MCPD_* is never given to an upstream)"
upstream_bad 'Upstream fs network=bridge command /x' "Upstream fs: network: bad value 'bridge' (must be none|host)"
upstream_bad 'Upstream fs read=/a:b command /x' "Upstream fs: read: 'b' is not an absolute path"
upstream_bad 'Upstream fs read=/a::/b command /x' "Upstream fs: read: empty path in '/a::/b'"
upstream_bad 'Upstream fs write=/a:/a command /x' "Upstream fs: write: duplicate path '/a'"
upstream_bad 'Upstream fs timeout=2h command /x' "Upstream fs: timeout: bad time '2h' (must be 1..3600 seconds)"
upstream_bad 'Upstream fs max-inflight=0 command /x' "Upstream fs: max-inflight: bad value '0' (must be 1..1024)"
upstream_bad 'Upstream fs prefix=a.b command /x' "Upstream fs: prefix: invalid prefix 'a.b' (letters, digits, '_' and '-', at most 32)"
upstream_bad 'Upstream fs command' 'Upstream fs: command: missing PATH'
upstream_bad 'Upstream fs command node server.js' "Upstream fs: command: 'node' is not an absolute path"
upstream_bad 'Upstream fs url' 'Upstream fs: url: missing URL'
upstream_bad 'Upstream fs url https://h/mcp extra' "Upstream fs: url: extra argument 'extra'"
upstream_bad 'Upstream fs url http://example.com/mcp' "Upstream fs: url: 'http://example.com/mcp' $URLMSG"
upstream_bad 'Upstream fs url http://128.0.0.1/mcp' "Upstream fs: url: 'http://128.0.0.1/mcp' $URLMSG"
upstream_bad 'Upstream fs url https://u@h/mcp' "Upstream fs: url: 'https://u@h/mcp' $URLMSG"
upstream_bad 'Upstream fs url https://h' "Upstream fs: url: 'https://h' has no path (such as /mcp)"
upstream_bad 'Upstream fs url https://h/mcp#f' "Upstream fs: url: 'https://h/mcp#f' has a fragment"
upstream_bad 'Upstream fs credential=/t command /x' 'Upstream fs: credential= is for url upstreams only'
upstream_bad 'Upstream fs ca=/c command /x' 'Upstream fs: ca= is for url upstreams only'
for o in user=u cwd=/ env=A envfile=/e network=none read=/r write=/w; do
	upstream_bad "Upstream fs $o url https://h/m" "Upstream fs: ${o%%=*}= is for command upstreams only"
done
printf 'Upstream a command /a\nUpstream a url https://h/m\n' | cat - "$OBJ/mcpd.conf" > "$OBJ/up.conf"
"$MCPD" -t -f "$OBJ/up.conf" 2> "$OBJ/err" && fail "-t accepted a duplicate Upstream"
expect_eq "duplicate upstream" "$(sed 's/^mcpd\[[0-9]*\]: //' "$OBJ/err")" \
    "fatal: $OBJ/up.conf line 2: Upstream: duplicate name 'a'"
printf 'Upstream a prefix=p command /a\nUpstream p command /p\n' | cat - "$OBJ/mcpd.conf" > "$OBJ/up.conf"
"$MCPD" -t -f "$OBJ/up.conf" 2> "$OBJ/err" && fail "-t accepted a shared prefix"
expect_eq "shared prefix" "$(sed 's/^mcpd\[[0-9]*\]: //' "$OBJ/err")" \
    "fatal: $OBJ/up.conf line 2: Upstream p: prefix 'p' is already that of Upstream a"
# Role patterns: a bad one names file and line too.
printf 'Role r tools=a/b\n' | cat - "$OBJ/mcpd.conf" > "$OBJ/up.conf"
"$MCPD" -t -f "$OBJ/up.conf" 2> "$OBJ/err" && fail "-t accepted tools=a/b"
expect_eq "bad pattern" "$(sed 's/^mcpd\[[0-9]*\]: //' "$OBJ/err")" \
    "fatal: $OBJ/up.conf line 1: Role: invalid tool pattern 'a/b'"
# Bad usage.
"$MCPD" --no-such-option 2>/dev/null && fail "unknown option accepted"
exit 0
