#!/bin/bash
# "make bench-mcpd" (HTTP part; "make bench" is compare.sh, mcpd against
# the SDK peer): authenticated tools/call list_tables per second
# and latency, driven by wrk (tests/bench/http_call.lua) over keep-alive
# connections, as dev@example.com with an ES256 bearer JWT, every call
# authenticated, authorized and audited twice (AuditSync batch).  Rows:
# HTTPS (EC P-256 certificate, key offloaded to the monitor) and plain
# HTTP on loopback, each with the same token on every request (the
# monitor's cache of verified tokens answers) and with a fresh token per
# request (one ECDSA verification each).  Concurrency from BENCH_CONC
# (default "1 16 64"), BENCH_SECONDS each (default 10).  Prints one line
# per row; measures only, asserts nothing about speed.
set -eu
cd "$(dirname "$0")/../.."
. tests/bench/lib.sh
O=${O:-build}
SECS=${BENCH_SECONDS:-10}
CONC=${BENCH_CONC:-"1 16 64"}
command -v wrk >/dev/null || { echo "wrk is not installed" >&2; exit 1; }
TMP=$(mktemp -d /tmp/mcpd-bench-http.XXXXXX)
MCPD_PID=
trap '[ -n "$MCPD_PID" ] && kill "$MCPD_PID" 2>/dev/null; rm -rf "$TMP"' EXIT
chmod 755 "$TMP"
(umask 077 && head -c 32 /dev/urandom > "$TMP/audit.key")
sqlite3 "$TMP/demo.db" < conf/demo.sql
(
	umask 077
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$TMP/tls.key" -out "$TMP/tls.crt" -days 2 \
	    -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
	    2>/dev/null
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
	    -out "$TMP/jwt.key" 2>/dev/null
)
openssl pkey -in "$TMP/jwt.key" -pubout -out "$TMP/jwt.pub"
"$O/mcpctl" jwks --kid b1 "$TMP/jwt.pub" > "$TMP/jwks.json"
PORT=$(free_port)
ISS=https://as.example
bench_privsep_setup

run_server() {	# tls|plain
	local scheme=http
	[ "$1" = tls ] && scheme=https
	URL=$scheme://127.0.0.1:$PORT
	{
		echo "Listen 127.0.0.1:$PORT"
		if [ "$1" = tls ]; then
			echo "TLSCertificate $TMP/tls.crt"
			echo "TLSKey $TMP/tls.key"
		fi
		cat <<CONF
AuthMode oauth
JWKSFile $TMP/jwks.json
JWTIssuer $ISS
JWTAudience $URL/mcp
Role developer tools=query,list_tables,describe_table,execute_sql
RateLimit 1000000/min
AuditLog $TMP/audit.log
AuditKeyFile $TMP/audit.key
AuditSync batch
Database $TMP/demo.db
MaxConnections 1024
CONF
	} > "$TMP/mcpd.conf"
	rm -f "$TMP/audit.log"
	"$O/mcpd" -f "$TMP/mcpd.conf" 2> "$TMP/err" &
	MCPD_PID=$!
	for _ in $(seq 1 100); do
		grep -q '^Server ready on' "$TMP/err" && return 0
		sleep 0.05
	done
	cat "$TMP/err" >&2
	exit 1
}

stop_server() {
	kill "$MCPD_PID"
	wait "$MCPD_PID" || true
	MCPD_PID=
	"$O/mcpctl" audit verify "$TMP/audit.log" --key-file "$TMP/audit.key" \
	    > /dev/null
}

printf '%-6s %-6s %5s %10s %9s %9s %9s %7s\n' transport token conc \
    'calls/s' 'p50 us' 'p99 us' 'p99.9 us' errors
for t in tls plain; do
	run_server "$t"
	node tests/bench/mint-tokens.mjs "$TMP/jwt.key" b1 "$ISS" "$URL/mcp" \
	    dev@example.com 1 > "$TMP/one.tok"
	for c in $CONC; do
		# Enough fresh tokens that none repeats within the run.
		node tests/bench/mint-tokens.mjs "$TMP/jwt.key" b1 "$ISS" \
		    "$URL/mcp" dev@example.com $((SECS * 15000)) \
		    > "$TMP/fresh.tok"
		for k in one fresh; do
			th=2
			[ "$c" -lt 2 ] && th=1
			TOKENS=$TMP/$k.tok NTHREADS=$th wrk -t"$th" -c"$c" \
			    -d"${SECS}s" \
			    -s tests/bench/http_call.lua "$URL/mcp" \
			    > "$TMP/wrk.out" 2>&1 || { cat "$TMP/wrk.out"; exit 1; }
			r=$(grep '^RESULT' "$TMP/wrk.out") ||
			    { cat "$TMP/wrk.out"; exit 1; }
			eval "${r#RESULT }"
			# shellcheck disable=SC2154
			printf '%-6s %-6s %5s %10s %9s %9s %9s %7s\n' "$t" \
			    "$([ $k = one ] && echo warm || echo fresh)" "$c" \
			    "$rps" "$p50_us" "$p99_us" "$p999_us" \
			    "$((bad + errors))"
		done
	done
	stop_server
done
