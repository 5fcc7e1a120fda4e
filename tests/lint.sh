#!/bin/bash
# Static checks behind "make check" and "make lint": the man pages, cppcheck,
# clang-tidy (.clang-tidy), the banned libc calls, the process boundaries of
# the source tree (doc/privsep.md, section 1: monitor code never includes the
# protocol parsers, net code never includes secrets, policy or audit, tool
# code includes neither side), and the privsep message list of
# doc/privsep.md against the code (tests/doc-check.sh).  Prints one
# "ok"/"FAIL" line per check and exits with the number of failures.
set -u
cd "$(dirname "$0")/.."
INCS="-Isrc/common -Isrc/net -Isrc/monitor -Isrc/worker -Isrc/ctl -Iprivsep -Isandbox"
SRCS=$(find src privsep sandbox -name '*.c' | sort | tr '\n' ' ')
fails=0
check() {	# name command...
	local name=$1 out
	shift
	if out=$("$@" 2>&1) && [ -z "$out" ]; then
		echo "ok   lint $name"
	else
		echo "FAIL lint $name"
		printf '%s\n' "$out" | head -n 30
		fails=$((fails + 1))
	fi
}

check mandoc mandoc -Tlint -W warning man/mcpd.8 man/mcpd.conf.5 man/mcpctl.1
# shellcheck disable=SC2086
check cppcheck cppcheck --quiet --error-exitcode=1 \
    --enable=warning,portability,performance --std=c11 $INCS -D__linux__ \
    -D_GNU_SOURCE --suppress=missingIncludeSystem --inline-suppr \
    src privsep sandbox tests/fuzz
# One clang-tidy per CPU, a few files each: it is the slowest check.
tidy() {
	# shellcheck disable=SC2016,SC2086
	printf '%s\n' $SRCS | xargs -P "$(nproc 2>/dev/null || echo 1)" -n 4 \
	    sh -c 'clang-tidy --quiet "$@" -- -std=c11 -D_GNU_SOURCE '"$INCS" \
	    tidy 2>&1 | grep -E 'warning:|error:'
	true
}
check clang-tidy tidy
check banned-calls sh -c "grep -nE '\\b(sprintf|vsprintf|strcpy|strcat|atoi|atol|strtok|gets)[[:space:]]*\\(' \
    src privsep sandbox tests/fuzz tests/unit tests/bench/*.c -r \
    --include='*.[ch]'; true"

# includes(dir-or-file, forbidden-header...): no file there includes them.
boundary() {
	local where=$1 h
	shift
	for h in "$@"; do
		grep -rnE "#include [\"<]$h[\">]" $where --include='*.[ch]'
	done
	true
}
check boundary-monitor boundary "src/monitor privsep/monitor.c privsep/monitor.h" \
    mcp.h schema.h stdio_transport.h net.h net_wrap.h http.h tls.h key_wrap.h \
    event2/http.h worker.h sqltools.h sqlite3.h
# The net process does TLS, so it may use OpenSSL; but never a private
# key's loading, JWT verification, mTLS verification or the audit MAC.
check boundary-net boundary "src/net privsep/net_wrap.c privsep/net_wrap.h privsep/key_wrap.c privsep/key_wrap.h" \
    authkeys.h authn.h audit.h auditchain.h policy.h ratelimit.h monitor.h \
    config.h apikey.h sqltools.h worker.h sqlite3.h jwt.h tlskey.h mtls.h \
    listener.h secretfile.h openssl/hmac.h jwt.h
check boundary-worker boundary "src/worker" \
    mcp.h schema.h stdio_transport.h net.h net_wrap.h authkeys.h authn.h \
    audit.h auditchain.h policy.h ratelimit.h monitor.h config.h apikey.h
# The message table of doc/privsep.md against privsep/proto.h and the
# receivers' dispatch (tests/doc-check.sh says where it looks), and the
# proof that this check fails when the two drift apart.
check doc-messages bash tests/doc-check.sh
check doc-messages-selftest bash tests/doc-check.sh --self-test
exit "$fails"
