#!/bin/bash
# "make soak": load and faults together (issue 5, section 4).  Starts the
# real mcpd over HTTPS with OAuth, then for SOAK_SECONDS (default 600)
# tests/soak/client.mjs sends mixed traffic from several kinds of client
# (allowed calls, 2025-11-25 sessions, denied calls, bad, expired and
# flooded tokens from source addresses of their own, malformed requests,
# bodies over MaxMessageSize, bursts past RateLimit, slow readers,
# slowloris writers and idle holders) while it kills workers with
# SIGKILL, rotates the JWKS keys with SIGHUP and the audit log with
# SIGUSR1, and samples every mcpd process's RSS and descriptors.  Then
# mcpd is stopped and tests/soak/check.mjs checks that every request got
# exactly one answer, every request the monitor decided has exactly its
# audit records, the audit log verifies across every rotated file,
# resources stayed flat, and no process died but the ones killed.
#
# Prints one "ok   soak NAME" or "FAIL soak NAME: ..." line per check and
# then the figures, indented; exits with the number of failures.  The
# working directory (config, logs, audit files, results) is removed on
# success and kept on failure; SOAK_KEEP=1 keeps it always.
#
# Environment: SOAK_SECONDS (>= 60), SOAK_AUDIT_SYNC (AuditSync, default
# batch), SOAK_WORKERS (default 3), SOAK_NODE_ARGS (options for node,
# e.g. --cpu-prof), O (build directory).
# shellcheck source=tests/regress/lib.sh
. "$(dirname "$0")/../regress/lib.sh"
# shellcheck disable=SC2034 # lib.sh's fail() names it
SCENARIO="soak setup"
SECS=${SOAK_SECONDS:-600}
case "$SECS" in
''|*[!0-9]*) echo "FAIL soak setup: SOAK_SECONDS=$SECS is not a number"
	exit 1 ;;
esac
[ "$SECS" -ge 60 ] || { echo "FAIL soak setup: SOAK_SECONDS must be >= 60"
	exit 1; }
# The soak's outputs are too large for the whole-suite secret scan, which
# copies every output; the checks below look for the tokens themselves.
unset MCPD_SECRET_SCAN_DIR
for t in node jq openssl; do
	command -v "$t" > /dev/null || { echo "FAIL soak setup: $t is needed"
		exit 1; }
done
if ! [ -x "$MCPD" ] || ! [ -x "$MCPCTL" ]; then
	echo "FAIL soak setup: build mcpd and mcpctl first (make)"
	exit 1
fi

KEEP=${SOAK_KEEP:-0}
NFAIL=1
# shellcheck disable=SC2317 # called by the trap
soak_cleanup() {
	[ -n "${CLIENT_PID:-}" ] && kill "$CLIENT_PID" 2>/dev/null
	if [ -n "${MCPD_PID:-}" ]; then
		kill "$MCPD_PID" 2>/dev/null
		wait "$MCPD_PID" 2>/dev/null
	fi
	[ -n "${OBJ:-}" ] || return
	if [ "$KEEP" = 1 ] || [ "$NFAIL" -ne 0 ]; then
		echo "  kept: $OBJ"
	else
		rm -rf "$OBJ"
	fi
}
trap soak_cleanup EXIT

# Every scale of the run follows its length: a 60 s run sees a few of each
# fault, a 10-minute run dozens.  Resources are compared between the first
# WINDOW seconds after WARMUP and the last WINDOW seconds; the net
# process's heap takes some 20 seconds of this load to settle.
scale() {	# seconds-for-60s seconds-for-600s
	awk -v s="$SECS" -v a="$1" -v b="$2" 'BEGIN {
		v = a + (b - a) * (s - 60) / 540
		if (v < a && a < b) v = a
		if (v > b && a < b) v = b
		printf "%g", v }'
}
WARMUP=$(scale 20 60)
WINDOW=$(scale 15 90)

# shellcheck disable=SC2119 # no extra config lines
setup_http
tls_ca ca
tls_issue ca server rsa server 127.0.0.1 ""
chmod 644 "$OBJ/ca.crt" "$OBJ/server.crt" || fail "chmod"
# A key only for the start: the client publishes its own keys and reloads
# before any request.
(umask 077 && openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out "$OBJ/boot.key" 2>/dev/null) || fail "boot key"
openssl pkey -in "$OBJ/boot.key" -pubout -out "$OBJ/boot.pub" 2>/dev/null ||
    fail "boot key"
"$MCPCTL" jwks --kid boot "$OBJ/boot.pub" > "$OBJ/jwks.json" || fail "jwks"
rm -f "$OBJ/boot.key"
ISS=https://as.example
AUD=https://127.0.0.1:$PORT/mcp
MAXMSG=262144
CLIENT_TIMEOUT=5
IDLE_TIMEOUT=20
http_conf "AuthMode oauth" "JWKSFile $OBJ/jwks.json" "JWTIssuer $ISS" \
    "JWTAudience $AUD" "TLSCertificate $OBJ/server.crt" \
    "TLSKey $OBJ/server.key" "MaxMessageSize $MAXMSG" \
    "ClientTimeout $CLIENT_TIMEOUT" "IdleTimeout $IDLE_TIMEOUT" \
    "RateLimit 120/min" "AuthFailureLimit 300/min" \
    "AuditSync ${SOAK_AUDIT_SYNC:-batch}" "Workers ${SOAK_WORKERS:-3}"
start_http -d
mkdir -p "$OBJ/results" || fail "mkdir"

jq -n --arg dir "$OBJ" --arg out "$OBJ/results" --arg ca "$OBJ/ca.crt" \
    --argjson port "$PORT" --argjson seconds "$SECS" --arg iss "$ISS" \
    --arg aud "$AUD" --arg mcpctl "$MCPCTL_BIN" \
    --argjson monitorPid "$MCPD_PID" --arg errLog "$OBJ/err" \
    --arg auditLog "$OBJ/audit.log" --arg auditKey "$OBJ/audit.key" \
    --arg jwks "$OBJ/jwks.json" --argjson maxMessage "$MAXMSG" \
    --argjson clientTimeout "$CLIENT_TIMEOUT" \
    --argjson idleTimeout "$IDLE_TIMEOUT" \
    --argjson killEvery "$(scale 3 5)" \
    --argjson rotateEvery "$(scale 12 30)" \
    --argjson usr1Every "$(scale 10 40)" \
    --argjson sampleEvery "$(scale 1 5)" \
    --argjson progressEvery "$(scale 30 60)" \
    --argjson warmup "$WARMUP" --argjson window "$WINDOW" \
    --argjson clkTck "$(getconf CLK_TCK)" '{
	dir: $dir, out: $out, ca: $ca, port: $port, seconds: $seconds,
	iss: $iss, aud: $aud, mcpctl: $mcpctl, monitorPid: $monitorPid,
	errLog: $errLog, auditLog: $auditLog, auditKey: $auditKey,
	jwks: $jwks, maxMessage: $maxMessage, clientTimeout: $clientTimeout,
	idleTimeout: $idleTimeout, requestTimeout: 60,
	subjects: 1024, goodClients: 12, sessionClients: 2, slowClients: 2,
	badSource: "127.0.0.66", expiredSource: "127.0.0.67",
	floodSource: "127.0.0.68", badRate: 3,
	floodSeconds: 2, floodEvery: 10, floodLanes: 8,
	burstSize: 200, burstLanes: 8, burstEvery: 15,
	killEvery: $killEvery, rotateEvery: $rotateEvery,
	usr1Every: $usr1Every, sampleEvery: $sampleEvery,
	progressEvery: $progressEvery, warmup: $warmup, window: $window,
	clkTck: $clkTck
    }' > "$OBJ/soak.json" || fail "soak.json"

# shellcheck disable=SC2086
node ${SOAK_NODE_ARGS:-} "$TOP/tests/soak/client.mjs" "$OBJ/soak.json" \
    2> "$OBJ/client.err" &
CLIENT_PID=$!
# Bounded: the load, the drain (requestTimeout), and slack.
for _ in $(seq 1 $(((SECS + 180) * 10))); do
	kill -0 "$CLIENT_PID" 2>/dev/null || break
	sleep 0.1
done
if kill -0 "$CLIENT_PID" 2>/dev/null; then
	kill "$CLIENT_PID"
	fail "the load client did not finish within $((SECS + 180))s"
fi
wait "$CLIENT_PID"
rc=$?
CLIENT_PID=
[ "$rc" -eq 0 ] || { cat "$OBJ/client.err"; fail "the load client failed"; }

# Stop mcpd as its supervisor would, and keep its exit status.
kill -TERM "$MCPD_PID"
for _ in $(seq 1 200); do
	kill -0 "$MCPD_PID" 2>/dev/null || break
	sleep 0.05
done
kill -0 "$MCPD_PID" 2>/dev/null && fail "mcpd did not stop on SIGTERM"
wait "$MCPD_PID"
MCPD_RC=$?
MCPD_PID=

node "$TOP/tests/soak/check.mjs" "$OBJ/soak.json" "$MCPD_RC"
NFAIL=$?

# No token may appear in any output: the monitor's log, the audit files,
# the client's messages and records.  The client wrote a sample of the
# tokens it used, of every generation and every bad form, to tokens.in.
outs=("$OBJ/err" "$OBJ/client.err" "$OBJ"/audit.log* "$OBJ"/results/*.tsv
    "$OBJ/results/summary.json")
ntok=$(grep -c . "$OBJ/results/tokens.in" 2>/dev/null)
if [ "${ntok:-0}" -lt 10 ]; then
	echo "FAIL soak secrets: the client recorded no tokens to look for"
	NFAIL=$((NFAIL + 1))
elif found=$(LC_ALL=C grep -lF -f "$OBJ/results/tokens.in" "${outs[@]}"); then
	echo "FAIL soak secrets: a token appears in $(echo "$found" |
	    tr '\n' ' ')"
	NFAIL=$((NFAIL + 1))
else
	echo "ok   soak secrets (none of $ntok tokens in ${#outs[@]} outputs)"
fi
exit "$NFAIL"
