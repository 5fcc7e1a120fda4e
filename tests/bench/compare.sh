#!/bin/bash
# "make bench": mcpd against its peer, a server written with the official
# MCP TypeScript SDK (tests/bench/peer/server.mjs) that runs the same
# pipeline (bearer JWT RS256, roles from the token, a per-user rate limit,
# an audit line per decision, the query tool over the same SQLite file).
# Both get the same RS256 tokens, the same SQL, the same load.
#
# The load is wrk with tests/bench/http_call.lua: tools/call query over
# keep-alive connections, every answer checked.  The runs alternate, A B
# A B: in each of BENCH_ROUNDS rounds every row is measured on mcpd and
# then on the peer, one after the other, so that drift of the machine
# falls on both; the table shows the medians over the rounds.  mcpd is
# started anew each round; the peer once, and loaded for BENCH_WARMUP
# seconds before the first run, since V8 compiles its hot paths only
# after a while (its start-up and idle RSS are taken each round from a
# second instance started for that).  Rows:
#   plain-{same,fresh}-cN   plain HTTP on loopback at concurrency N, the
#                           same token on every request (mcpd's cache of
#                           verified tokens answers) or a fresh one per
#                           request (one RSA verification each; mcpd is
#                           restarted before, so that its cache is cold)
#   https-{same,fresh}-cN   mcpd over TLS 1.3; the peer has no TLS, its
#                           plain HTTP figures stand beside
#   flood-{off,on}          16 good clients (same token) without and with
#                           an attacker flooding tokens of a wrong key at
#                           full speed from another source address (::1)
#   stdio                   BENCH_CALLS calls pipelined over stdio
#                           (build/stdio_bench); p50/p99 of calls made
#                           one at a time
# and the start-up time to the first answered tools/call, the RSS of every
# process at idle and under load (the most any run saw), beside the
# physical limits: "openssl speed" verifications per second on one core
# and one privsep round trip (build/roundtrip).
#
# mcpd runs as it would in production, in its fastest safe setting:
# privilege separation, seccomp, 2 workers, every call audited twice
# (decision, outcome) with the HMAC chain, AuditSync batch.  The peer runs
# in the SDK's fastest setting: stateful Streamable HTTP, JSON answers.
#
# Prints a Markdown table on stdout and writes the same as JSON to
# tests/bench/results/DATE.json (BENCH_RESULTS names another directory).
# Measures only: speed is never asserted.  It checks what makes the
# figures valid (every answer as expected, every answered call audited,
# mcpd's audit logs verify) and prints one "ok   bench NAME" or
# "FAIL bench NAME" line per check; the exit status is the number of
# failed checks.
#
# usage: compare.sh [--ci]
#   --ci   the quick form for "make check": one round of 1 s runs at
#          concurrency 16, 2000 stdio calls; results go to $O/bench/
# Knobs: BENCH_SECONDS (5) per run, BENCH_ROUNDS (3), BENCH_CONC
# ("1 16 64"), BENCH_CALLS (20000), BENCH_TOKENS (98304 fresh tokens:
# more than mcpd's cache holds, so that reusing one never hits it),
# BENCH_WARMUP (10 s of load on the peer before it is measured).
set -eu
cd "$(dirname "$0")/../.."
TOP=$PWD
. tests/bench/lib.sh
O=${O:-build}
MAKE_O=$O
case "$O" in /*) ;; *) O=$TOP/$O ;; esac

CI_FORM=0
case "${1:-}" in
--ci)	CI_FORM=1 ;;
"")	;;
*)	echo "usage: compare.sh [--ci]" >&2; exit 2 ;;
esac
if [ "$CI_FORM" = 1 ]; then
	SECS=1 ROUNDS=1 CONC=16 CALLS=2000 LATCALLS=200 POOL=4096 WARMUP=1
	RESULTS=$O/bench
else
	SECS=${BENCH_SECONDS:-5}
	ROUNDS=${BENCH_ROUNDS:-3}
	CONC=${BENCH_CONC:-"1 16 64"}
	CALLS=${BENCH_CALLS:-20000}
	LATCALLS=2000
	POOL=${BENCH_TOKENS:-98304}
	WARMUP=${BENCH_WARMUP:-10}
	RESULTS=${BENCH_RESULTS:-$TOP/tests/bench/results}
fi

PEER=$TOP/tests/bench/peer
ISS=https://as.example
AUD=https://bench.mcpd.test/mcp
SUB=dev@example.com
SQL='SELECT id, name, email, role FROM users ORDER BY id LIMIT 5'
QARGS="{\"sql\":\"$SQL\"}"
FAILS=0

ok() { echo "ok   bench $1"; }
bad() { echo "FAIL bench $1${2:+: $2}"; FAILS=$((FAILS + 1)); }
die() { echo "FAIL bench $1${2:+: $2}"; exit $((FAILS + 1)); }

TMP_LOG=$O/bench-make.log
mkdir -p "$O"
for t in wrk node npm python3 sqlite3 openssl; do
	command -v "$t" >/dev/null || die setup "$t is not installed"
done
# "make check" builds mcpd and mcpctl, not the two bench programs.
for f in stdio_bench roundtrip; do
	[ -x "$O/$f" ] || make --no-print-directory O="$MAKE_O" \
	    "$MAKE_O/$f" > "$TMP_LOG" 2>&1 ||
	    die setup "make $MAKE_O/$f failed: $(tail -n 5 "$TMP_LOG")"
done
for f in mcpd mcpctl stdio_bench roundtrip; do
	[ -x "$O/$f" ] || die setup "$O/$f is not built (make bench builds it)"
done
NODE=$(command -v node)

# The peer's packages, from its lockfile (tests/run.sh may have started
# this already; peer-install.sh then waits for it).
O="$O" bash tests/bench/peer-install.sh ||
    die peer-install "npm ci in tests/bench/peer failed: $(tail -n 20 "$O/bench-npm.log")"
ok peer-install

TMP=$(mktemp -d /tmp/mcpd-bench-cmp.XXXXXX)
chmod 755 "$TMP"
declare -A PID=() PORT=() URL=() MODE=() SID=() ALOG=() ANS=() REJ=()
declare -A NSTART=()
# shellcheck disable=SC2317
cleanup() {
	local n
	for n in "${!PID[@]}"; do
		[ -n "${PID[$n]}" ] && kill "${PID[$n]}" 2>/dev/null
	done
	wait 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

bench_privsep_setup

# ---- material -------------------------------------------------------------

(umask 077 && head -c 32 /dev/urandom > "$TMP/audit.key")
sqlite3 "$TMP/demo.db" < conf/demo.sql
chmod 644 "$TMP/demo.db"
(
	umask 077
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$TMP/tls.key" -out "$TMP/tls.crt" -days 2 \
	    -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
	    2>/dev/null
)

# The tokens: RSA signing is slow in node (about 800 a second per core),
# so the pool is minted by two processes and kept for 12 hours in
# $O/bench-tokens (its tokens live 24 hours), and for as long as the
# minter is the same: a pool minted by an older one (say, without the
# typ that JWTType asks for) is minted again.
TOK=$O/bench-tokens
MINTER=$(sha256sum tests/bench/mint-tokens.mjs | cut -d' ' -f1)
mint() {	# KEY N OUT
	local half=$(($2 / 2)) p
	node tests/bench/mint-tokens.mjs "$1" b1 "$ISS" "$AUD" "$SUB" \
	    "$half" 86400 > "$3.a" &
	p=$!
	node tests/bench/mint-tokens.mjs "$1" b1 "$ISS" "$AUD" "$SUB" \
	    $(($2 - half)) 86400 > "$3.b"
	wait "$p"
	cat "$3.a" "$3.b" > "$3"
	rm -f "$3.a" "$3.b"
}
if [ -z "$(find "$TOK/fresh.tok" -mmin -720 2>/dev/null)" ] ||
    [ "$(wc -l < "$TOK/fresh.tok")" -lt "$POOL" ] ||
    [ "$(cat "$TOK/minter" 2>/dev/null)" != "$MINTER" ]; then
	rm -rf "$TOK"
	mkdir -p "$TOK"
	chmod 700 "$TOK"
	(
		umask 077
		for k in jwt bad; do
			openssl genpkey -algorithm RSA \
			    -pkeyopt rsa_keygen_bits:2048 \
			    -out "$TOK/$k.key" 2>/dev/null
		done
	)
	openssl pkey -in "$TOK/jwt.key" -pubout -out "$TOK/jwt.pub"
	"$O/mcpctl" jwks --kid b1 "$TOK/jwt.pub" > "$TOK/jwks.json"
	echo "minting $POOL RS256 tokens..." >&2
	mint "$TOK/jwt.key" 1 "$TOK/one.tok"
	mint "$TOK/bad.key" 256 "$TOK/bad.tok"
	mint "$TOK/jwt.key" "$POOL" "$TOK/fresh.tok"
	echo "$MINTER" > "$TOK/minter"
fi
cp "$TOK/jwks.json" "$TMP/jwks.json"
chmod 644 "$TMP/jwks.json"

# Start-up time: from just before the exec to the first answered
# tools/call, polled every 2 ms (for the peer: initialize, then the
# call; its session id is printed for the runs that follow).  The poller
# starts first, so that its own start-up is not counted.
cat > "$TMP/poll.py" <<'PY'
import http.client, json, os, ssl, sys, time, urllib.parse
url, mode, tokfile, t0file, sql = sys.argv[1:6]
tok = open(tokfile).readline().strip()
# Ready before the server starts: the shell writes t0 and execs it then.
open(t0file + ".ready", "w").close()
deadline = time.time() + 60
while not os.path.exists(t0file):
    if time.time() > deadline:
        sys.exit(1)
    time.sleep(0.0005)
t0 = int(open(t0file).read())
u = urllib.parse.urlsplit(url)
hdr = {"Content-Type": "application/json", "Authorization": "Bearer " + tok,
       "Accept": "application/json, text/event-stream"}
call = {"jsonrpc": "2.0", "id": "start", "method": "tools/call",
        "params": {"name": "query", "arguments": {"sql": sql}}}
def post(c, body, extra):
    c.request("POST", u.path, body=json.dumps(body), headers={**hdr, **extra})
    r = c.getresponse()
    return r.status, r.getheader("Mcp-Session-Id"), r.read()
deadline = time.time() + 60
while time.time() < deadline:
    try:
        if u.scheme == "https":
            c = http.client.HTTPSConnection(u.hostname, u.port, timeout=10,
                context=ssl._create_unverified_context())
        else:
            c = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
        sid = "-"
        if mode == "session":
            st, sid, _ = post(c, {"jsonrpc": "2.0", "id": 0,
                "method": "initialize", "params": {
                "protocolVersion": "2025-11-25", "capabilities": {},
                "clientInfo": {"name": "bench", "version": "1"}}},
                {"MCP-Protocol-Version": "2025-11-25"})
            if st != 200 or not sid:
                raise OSError("initialize: %d" % st)
            h = {"MCP-Protocol-Version": "2025-11-25", "Mcp-Session-Id": sid}
            post(c, {"jsonrpc": "2.0",
                "method": "notifications/initialized"}, h)
            st, _, b = post(c, call, h)
        else:
            call["params"]["_meta"] = {
                "io.modelcontextprotocol/protocolVersion": "2026-07-28",
                "io.modelcontextprotocol/clientCapabilities": {}}
            st, _, b = post(c, call, {"MCP-Protocol-Version": "2026-07-28",
                "Mcp-Method": "tools/call", "Mcp-Name": "query"})
        if st == 200 and b'"isError":false' in b:
            print("%.1f %s" % ((time.time_ns() - t0) / 1e6, sid))
            sys.exit(0)
        raise OSError("answer %d" % st)
    except (OSError, http.client.HTTPException):
        time.sleep(0.002)
sys.exit(1)
PY

# One JSON object a line per measurement, for the report at the end.
sample() {
	printf '%s\n' "$1" >> "$TMP/samples.jsonl"
}


# ---- the servers -------------------------------------------------------------

PORT[mcpd]=$(free_port)
PORT[tls]=$(free_port)
PORT[peer]=$(free_port)
PORT[probe]=$(free_port)
URL[mcpd]=http://127.0.0.1:${PORT[mcpd]}/mcp
URL[tls]=https://127.0.0.1:${PORT[tls]}/mcp
URL[peer]=http://127.0.0.1:${PORT[peer]}/mcp
URL[probe]=http://127.0.0.1:${PORT[probe]}/mcp
MODE[mcpd]=modern MODE[tls]=modern MODE[peer]=session MODE[probe]=session
# The attacker's address: another source than the good clients' (mcpd
# counts failed authentications per address).
FLOOD_OK=0
python3 -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' \
    2>/dev/null && FLOOD_OK=1

mcpd_conf() {	# plain|tls|stdio AUDITLOG
	case "$1" in
	tls)	echo "Listen 127.0.0.1:${PORT[tls]}"
		echo "TLSCertificate $TMP/tls.crt"
		echo "TLSKey $TMP/tls.key" ;;
	plain)	echo "Listen 127.0.0.1:${PORT[mcpd]}"
		[ "$FLOOD_OK" = 1 ] && echo "Listen [::1]:${PORT[mcpd]}" ;;
	esac
	cat <<CONF
AuthMode oauth
JWKSFile $TMP/jwks.json
JWTIssuer $ISS
JWTAudience $AUD
Role developer tools=query,list_tables,describe_table,execute_sql
Role viewer tools=list_tables,describe_table,query
RateLimit 1000000/min
AuditLog $2
AuditKeyFile $TMP/audit.key
AuditSync batch
Database $TMP/demo.db
MaxConnections 1024
CONF
}

# start NAME ROUND: start a server, measure its start-up, record idle RSS.
start() {
	local n=$1 r=$2 out kb d p
	NSTART[$n]=$((${NSTART[$n]:-0} + 1))
	ALOG[$n]=$TMP/audit-$n-${NSTART[$n]}.log
	ANS[$n]=0 REJ[$n]=0
	rm -f "$TMP/t0" "$TMP/t0.ready"
	python3 "$TMP/poll.py" "${URL[$n]}" "${MODE[$n]}" "$TOK/one.tok" \
	    "$TMP/t0" "$SQL" > "$TMP/poll.out" &
	p=$!
	for _ in $(seq 1 1000); do
		[ -e "$TMP/t0.ready" ] && break
		sleep 0.01
	done
	date +%s%N > "$TMP/t0.new"
	mv "$TMP/t0.new" "$TMP/t0"
	if [ "$n" = peer ] || [ "$n" = probe ]; then
		local -a l=(--listen "127.0.0.1:${PORT[$n]}")
		[ "$FLOOD_OK" = 1 ] && l+=(--listen "[::1]:${PORT[$n]}")
		"$NODE" "$PEER/server.mjs" --jwks "$TMP/jwks.json" \
		    --iss "$ISS" --aud "$AUD" --db "$TMP/demo.db" \
		    --audit "${ALOG[$n]}" --rate 1000000 "${l[@]}" \
		    2> "$TMP/err-$n" &
	else
		mcpd_conf "$([ "$n" = tls ] && echo tls || echo plain)" \
		    "${ALOG[$n]}" > "$TMP/mcpd-$n.conf"
		"$O/mcpd" -f "$TMP/mcpd-$n.conf" < /dev/null \
		    2> "$TMP/err-$n" &
	fi
	PID[$n]=$!
	if ! wait "$p" || ! out=$(cat "$TMP/poll.out") || [ -z "$out" ]; then
		cat "$TMP/err-$n" >&2
		die "start-$n" "no answer within 60 s"
	fi
	SID[$n]=${out#* }
	ANS[$n]=1
	[ "$r" = 0 ] && return 0
	local row=startup-http srv=$n
	[ "$n" = tls ] && row=startup-https
	[ "$n" = probe ] && srv=peer
	sample "{\"kind\":\"startup\",\"row\":\"$row\",\"server\":\"$srv\",\"round\":$r,\"ms\":${out%% *}}"
	# Idle: the workers are up, nothing runs.
	sleep 0.5
	IFS=$'\t' read -r kb d < <(rss_of "${PID[$n]}")
	sample "{\"kind\":\"rss\",\"row\":\"idle\",\"server\":\"$srv\",\"round\":$r,\"kb\":$kb,\"detail\":\"$d\"}"
}

# stop NAME: stop a server; check that every call it answered was audited
# (and, for mcpd, that the log verifies).
stop() {
	local n=$1 recs rej
	kill "${PID[$n]}"
	wait "${PID[$n]}" || true
	PID[$n]=
	recs=$(grep -c '"event":"tools/call","decision":"ALLOWED"' \
	    "${ALOG[$n]}" || true)
	# Refusals before authentication are summed up per source: a record
	# with a count stands for that many.
	rej=$(jq -s '[.[] | select(.decision == "AUTH_FAILED" or
	    .decision == "RATE_LIMITED") | (.count // 1)] | add // 0' \
	    "${ALOG[$n]}" 2>/dev/null || echo 0)
	if [ "$recs" -lt "${ANS[$n]}" ] || [ "$rej" -lt "${REJ[$n]}" ]; then
		bad "$n/audit-complete" "${ANS[$n]} calls answered, $recs ALLOWED records; ${REJ[$n]} rejected, $rej records"
	else
		AUDIT_OK[$n]=$((${AUDIT_OK[$n]:-0} + 1))
	fi
	sample "{\"kind\":\"audit\",\"server\":\"$n\",\"answered\":${ANS[$n]},\"records\":$recs,\"rejected\":${REJ[$n]},\"rejected_records\":$rej}"
	if [ "$n" = mcpd ] || [ "$n" = tls ]; then
		if "$O/mcpctl" audit verify "${ALOG[$n]}" \
		    --key-file "$TMP/audit.key" > "$TMP/verify.out" 2>&1; then
			VERIFY_OK[$n]=$((${VERIFY_OK[$n]:-0} + 1))
		else
			bad "$n/audit-verify" "$(head -n 3 "$TMP/verify.out")"
		fi
	fi
	rm -f "${ALOG[$n]}"
}
declare -A AUDIT_OK=() VERIFY_OK=()

# wrk_run NAME C TOKFILE SECONDS OUT [VAR=VALUE...]: wrk against a server.
wrk_run() {
	local n=$1 c=$2 tok=$3 s=$4 out=$5 th=2
	shift 5
	[ "$c" -lt 2 ] && th=1
	env TOKENS="$tok" NTHREADS="$th" TOOL=query ARGS="$QARGS" \
	    MODE="${MODE[$n]}" SESSION="${SID[$n]}" "$@" \
	    wrk -t"$th" -c"$c" -d"${s}s" --timeout 10s \
	    -s tests/bench/http_call.lua "${URL[$n]}" > "$out" 2>&1
}


# measure NAME ROW ROUND C TOKFILE: one measured run, RSS taken halfway.
measure() {
	local n=$1 row=$2 r=$3 c=$4 tok=$5 w kb d cpu
	cpu=$(cpu_ticks "${PID[$n]}")
	wrk_run "$n" "$c" "$tok" "$SECS" "$TMP/wrk.out" &
	w=$!
	sleep "$(awk -v s="$SECS" 'BEGIN { print s / 2 }')"
	IFS=$'\t' read -r kb d < <(rss_of "${PID[$n]}")
	if ! wait "$w" || ! result "$TMP/wrk.out"; then
		cat "$TMP/wrk.out" >&2
		bad "$n/$row" "wrk failed"
		return 0
	fi
	cpu=$(($(cpu_ticks "${PID[$n]}") - cpu))
	# shellcheck disable=SC2154
	ANS[$n]=$((${ANS[$n]} + s200))
	# shellcheck disable=SC2154
	sample "{\"kind\":\"http\",\"row\":\"$row\",\"server\":\"$n\",\"round\":$r,\"rps\":$rps,\"p50_us\":$p50_us,\"p99_us\":$p99_us,\"p999_us\":$p999_us,\"requests\":$requests,\"errors\":$((bad + errors)),\"rss_kb\":$kb,\"rss_detail\":\"$d\",\"cpu_us_per_call\":$(((cpu * 1000000 / HZ) / (requests > 0 ? requests : 1)))}"
	if [ "$requests" -gt 0 ] && [ $((bad + errors)) -eq 0 ]; then
		ROW_OK[$n/$row]=1
	else
		ROW_BAD[$n/$row]="$requests requests, $bad bad answers, $errors socket errors"
	fi
}
declare -A ROW_OK=() ROW_BAD=()

# Not measured: the peer's JIT and both sides' caches warm up.
warm() {	# NAME SECONDS
	wrk_run "$1" 16 "$TOK/one.tok" "$2" "$TMP/warm.out" ||
	    { cat "$TMP/warm.out" >&2; die "warm-$1" "wrk failed"; }
	result "$TMP/warm.out" || die "warm-$1" "no result"
	ANS[$1]=$((${ANS[$1]} + s200))
}

# flood NAME ROUND: 16 good clients measured while the attacker runs.
flood() {
	local n=$1 r=$2 a url
	url="http://[::1]:${PORT[$n]}/mcp"
	env TOKENS="$TOK/bad.tok" NTHREADS=1 EXPECT=reject MODE="${MODE[$n]}" \
	    SESSION="${SID[$n]}" wrk -t1 -c16 -d"$((SECS + 1))s" \
	    --timeout 10s -s tests/bench/http_call.lua "$url" \
	    > "$TMP/attack.out" 2>&1 &
	a=$!
	sleep 0.5
	measure "$n" flood-on "$r" 16 "$TOK/one.tok"
	if ! wait "$a" || ! result "$TMP/attack.out"; then
		cat "$TMP/attack.out" >&2
		bad "$n/attacker" "wrk failed"
		return 0
	fi
	# shellcheck disable=SC2154
	REJ[$n]=$((${REJ[$n]} + s401 + s429))
	# shellcheck disable=SC2154
	sample "{\"kind\":\"attacker\",\"row\":\"flood-on\",\"server\":\"$n\",\"round\":$r,\"rps\":$rps,\"requests\":$requests,\"s401\":$s401,\"s429\":$s429,\"other\":$((sother + errors))}"
}

# stdio_run NAME ROUND: pipelined calls over stdio.
stdio_run() {
	local n=$1 r=$2 f=$TMP/stdio.out
	local -a cmd
	if [ "$n" = peer ]; then
		cmd=("$NODE" "$PEER/server.mjs" --stdio --jwks "$TMP/jwks.json"
		    --iss "$ISS" --aud "$AUD" --db "$TMP/demo.db"
		    --audit "$TMP/audit-stdio.log" --rate 1000000)
	else
		mcpd_conf stdio "$TMP/audit-stdio.log" > "$TMP/mcpd-stdio.conf"
		cmd=("$O/mcpd" -f "$TMP/mcpd-stdio.conf" --stdio)
	fi
	rm -f "$TMP/audit-stdio.log"
	if ! env MCPD_TOKEN="$(cat "$TOK/one.tok")" "$O/stdio_bench" \
	    -n "$CALLS" -l "$LATCALLS" -t query -a "$QARGS" -- "${cmd[@]}" \
	    > "$f" 2> "$TMP/err-stdio"; then
		tail -n 5 "$TMP/err-stdio" >&2
		bad "$n/stdio" "stdio_bench failed"
		return 0
	fi
	ROW_OK[$n/stdio]=1
	awk -v n="$n" -v r="$r" -F '\t' '
	    $1 == "startup_to_first_answer_ms" { st = $2 }
	    $1 == "calls_per_second" { rps = $2 }
	    $1 == "call_latency_us_p50" { p50 = $2 }
	    $1 == "call_latency_us_p99" { p99 = $2 }
	    $1 == "errors" { err = $2 }
	    $1 == "calls" { calls = $2 }
	    $1 == "rss_kb_total" { if (idle == "") idle = $2; else load = $2 }
	    END {
		printf "{\"kind\":\"http\",\"row\":\"stdio\",\"server\":\"%s\",\"round\":%d,\"rps\":%s,\"p50_us\":%s,\"p99_us\":%s,\"p999_us\":null,\"requests\":%s,\"errors\":%s,\"rss_kb\":%s,\"rss_detail\":\"\"}\n", n, r, rps, p50, p99, calls, err, load
		printf "{\"kind\":\"startup\",\"row\":\"startup-stdio\",\"server\":\"%s\",\"round\":%d,\"ms\":%s}\n", n, r, st
		printf "{\"kind\":\"rss\",\"row\":\"stdio-idle\",\"server\":\"%s\",\"round\":%d,\"kb\":%s,\"detail\":\"\"}\n", n, r, idle
	    }' "$f" >> "$TMP/samples.jsonl"
	if [ "$n" != peer ] && ! "$O/mcpctl" audit verify "$TMP/audit-stdio.log" \
	    --key-file "$TMP/audit.key" > "$TMP/verify.out" 2>&1; then
		bad "$n/stdio-audit-verify" "$(head -n 3 "$TMP/verify.out")"
	fi
}

# ---- the physical limits ----------------------------------------------------------

START_LOAD=$(cut -d ' ' -f 1-3 /proc/loadavg)
START_TIME=$(date +%s)
: > "$TMP/samples.jsonl"
openssl speed -seconds 1 -mr rsa2048 ecdsap256 ed25519 2>/dev/null |
    awk -F : '
	$1 == "+F2" && $3 == 2048 { print "rsa2048_verify_per_s", $5 }
	$1 == "+F4" && $3 == 256 { print "p256_verify_per_s", $5 }
	$1 == "+F6" && $4 == "Ed25519" { print "ed25519_verify_per_s", $6 }' |
    while read -r k v; do
	sample "{\"kind\":\"limit\",\"name\":\"$k\",\"value\":$v}"
    done
"$O/roundtrip" -n "$([ "$CI_FORM" = 1 ] && echo 20000 || echo 100000)" |
    awk -F '\t' '{ print $1, $2 }' | while read -r k v; do
	sample "{\"kind\":\"limit\",\"name\":\"$k\",\"value\":$v}"
    done

# ---- the rounds -----------------------------------------------------------

echo "bench: $ROUNDS round(s), ${SECS}s a run, concurrency $CONC" >&2
for r in $(seq 1 "$ROUNDS"); do
	echo "bench: round $r" >&2
	# The peer that is measured runs through all the rounds: V8 takes
	# seconds to compile its hot paths, longer on a busy machine.  Its
	# start-up and idle RSS are taken each round from a probe instance.
	start probe "$r"
	stop probe
	if [ "$r" = 1 ]; then
		start peer 0
		warm peer "$WARMUP"
	fi
	for n in mcpd tls; do
		start "$n" "$r"
		warm "$n" 1
	done
	for c in $CONC; do
		measure mcpd "plain-same-c$c" "$r" "$c" "$TOK/one.tok"
		measure peer "plain-same-c$c" "$r" "$c" "$TOK/one.tok"
		measure tls "https-same-c$c" "$r" "$c" "$TOK/one.tok"
	done
	if [ "$FLOOD_OK" = 1 ]; then
		measure mcpd flood-off "$r" 16 "$TOK/one.tok"
		flood mcpd "$r"
		measure peer flood-off "$r" 16 "$TOK/one.tok"
		flood peer "$r"
	fi
	for c in $CONC; do
		# A cold cache of verified tokens for every fresh-token run.
		stop mcpd
		start mcpd "$r"
		measure mcpd "plain-fresh-c$c" "$r" "$c" "$TOK/fresh.tok"
		measure peer "plain-fresh-c$c" "$r" "$c" "$TOK/fresh.tok"
		stop tls
		start tls "$r"
		measure tls "https-fresh-c$c" "$r" "$c" "$TOK/fresh.tok"
	done
	for n in mcpd tls; do
		stop "$n"
	done
	[ "$r" = "$ROUNDS" ] && stop peer
	stdio_run mcpd "$r"
	stdio_run peer "$r"
done

# ---- the checks and the report ----------------------------------------------

for k in "${!ROW_BAD[@]}"; do
	bad "$k" "${ROW_BAD[$k]}"
done
for k in $(printf '%s\n' "${!ROW_OK[@]}" | sort); do
	[ -z "${ROW_BAD[$k]:-}" ] && ok "$k"
done
for n in mcpd peer tls probe; do
	[ -n "${AUDIT_OK[$n]:-}" ] && ok "$n/audit-complete"
done
for n in mcpd tls; do
	[ -n "${VERIFY_OK[$n]:-}" ] && ok "$n/audit-verify"
done
[ "$FLOOD_OK" = 1 ] || bad flood "no IPv6 loopback for the attacker: rows skipped"

# The report: medians over the rounds, as a Markdown table on stdout and
# as JSON in the results file.
cat > "$TMP/report.py" <<'PY'
import json, statistics, sys

meta = json.load(open(sys.argv[1]))
samples = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
out = sys.argv[3]
conc = meta["conc"].split()
LABELS = {"mcpd": "mcpd", "tls": "mcpd", "peer": "peer", "probe": "peer"}

def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None

def stats(row, server):
    ss = [s for s in samples if s["kind"] == "http" and s["row"] == row
          and s["server"] == server]
    if not ss:
        return None
    return {"rps": med([s["rps"] for s in ss]),
            "p50_us": med([s["p50_us"] for s in ss]),
            "p99_us": med([s["p99_us"] for s in ss]),
            "p999_us": med([s["p999_us"] for s in ss]),
            "errors": sum(s["errors"] for s in ss),
            "requests": sum(s["requests"] for s in ss),
            "cpu_us_per_call": med([s.get("cpu_us_per_call") for s in ss]),
            "rps_samples": [s["rps"] for s in ss]}

rows = []
def add(rid, label, mserver, prow, note=None):
    m, p = stats(rid, mserver), stats(prow, "peer")
    if m is None and p is None:
        return
    ratio = (m["rps"] / p["rps"]) if m and p and p["rps"] else None
    rows.append({"id": rid, "label": label, "mcpd": m, "peer": p,
                 "peer_row": prow, "peer_note": note, "ratio": ratio})

for c in conc:
    add("plain-same-c" + c, "HTTP, same token, c=%s" % c, "mcpd",
        "plain-same-c" + c)
for c in conc:
    add("plain-fresh-c" + c, "HTTP, fresh token, c=%s" % c, "mcpd",
        "plain-fresh-c" + c)
for c in conc:
    add("https-same-c" + c, "HTTPS, same token, c=%s *" % c, "tls",
        "plain-same-c" + c, "peer has no TLS: its plain HTTP figures")
for c in conc:
    add("https-fresh-c" + c, "HTTPS, fresh token, c=%s *" % c, "tls",
        "plain-fresh-c" + c, "peer has no TLS: its plain HTTP figures")
add("flood-off", "16 good clients, no flood", "mcpd", "flood-off")
add("flood-on", "16 good clients, bad-token flood", "mcpd", "flood-on")
add("stdio", "stdio, %d calls pipelined **" % meta["stdio_calls"], "mcpd",
    "stdio")

def ms(us):
    return "-" if us is None else "%.2f" % (us / 1000.0)

def num(x):
    return "-" if x is None else "{:,.0f}".format(x)

print("## mcpd against the MCP TypeScript SDK peer (%s)" % meta["date"])
print()
print("%s, %d CPUs, load average at start %s, at end %s; mcpd %s, SDK %s, "
      "node %s, OpenSSL %s, wrk %s." % (meta["host"], meta["cpus"],
      meta["load_at_start"], meta["load_at_end"], meta["mcpd_commit"],
      meta["sdk"], meta["node"], meta["openssl"], meta["wrk"]))
print("Medians of %d round(s) run A B A B, %d s a run (%d s in all); "
      "tools/call query `%s` as dev@example.com with RS256 bearer JWTs, "
      "every call audited on both sides.  Latencies in ms." % (
      meta["rounds"], meta["seconds"], meta["duration_s"], meta["sql"]))
print()
print("| row | mcpd req/s | p50 | p99 | p99.9 | errors | peer req/s | p50 "
      "| p99 | p99.9 | errors | mcpd/peer |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
      "| ---: | ---: |")
for r in rows:
    cells = [r["label"]]
    for side in ("mcpd", "peer"):
        s = r[side]
        if s is None:
            cells += ["-"] * 5
        else:
            cells += [num(s["rps"]), ms(s["p50_us"]), ms(s["p99_us"]),
                      ms(s["p999_us"]), str(s["errors"])]
    cells.append("-" if r["ratio"] is None else "%.1f" % r["ratio"])
    print("| " + " | ".join(cells) + " |")
print()
print("\\* The peer has no TLS: its plain HTTP figures stand beside mcpd's "
      "HTTPS ones (TLS 1.3, EC P-256 certificate, key in the monitor).  "
      "\\*\\* stdio: req/s with the calls pipelined, p50 and p99 of calls "
      "made one at a time.  mcpd speaks the stateless 2026-07-28 protocol; "
      "the peer, the SDK's stateful 2025-11-25 session.")

print()
print("### CPU time per call (us, all processes of the server, median)")
print()
print("What a call costs, which other load on the machine changes less than "
      "it changes req/s.  The flood row includes the attacker's requests.")
print()
print("| row | mcpd | peer | mcpd/peer |")
print("| --- | ---: | ---: | ---: |")
for r in rows:
    m = r["mcpd"]["cpu_us_per_call"] if r["mcpd"] else None
    p = r["peer"]["cpu_us_per_call"] if r["peer"] else None
    if m is None and p is None:
        continue
    print("| %s | %s | %s | %s |" % (r["label"], num(m), num(p),
          "%.2f" % (m / p) if m and p else "-"))

att = {}
for srv in ("mcpd", "peer"):
    ss = [s for s in samples if s["kind"] == "attacker" and s["server"] == srv]
    if ss:
        att[srv] = {"rps": med([s["rps"] for s in ss]),
                    "s401": sum(s["s401"] for s in ss),
                    "s429": sum(s["s429"] for s in ss),
                    "other": sum(s["other"] for s in ss)}
if att:
    print()
    print("The attacker (wrk, 16 connections from ::1, tokens signed by a "
          "wrong key): " + "; ".join(
          "against %s %s req/s answered (%d x 401, %d x 429, %d other)" % (
          k, num(v["rps"]), v["s401"], v["s429"], v["other"])
          for k, v in att.items()) + ".")

startup = {}
for row in ("startup-http", "startup-https", "startup-stdio"):
    for srv in ("mcpd", "tls", "peer"):
        v = med([s["ms"] for s in samples if s["kind"] == "startup"
                 and s["row"] == row and s["server"] == srv])
        if v is not None:
            startup.setdefault(row, {})[LABELS[srv]] = v
print()
print("### Start-up to the first answered tools/call (ms, median)")
print()
print("| transport | mcpd | peer | mcpd/peer |")
print("| --- | ---: | ---: | ---: |")
for row, v in startup.items():
    m, p = v.get("mcpd"), v.get("peer")
    if row == "startup-https":
        p = startup.get("startup-http", {}).get("peer")
    print("| %s | %s | %s | %s |" % (row.split("-")[1] + (" *" if row ==
          "startup-https" else ""), "-" if m is None else "%.1f" % m,
          "-" if p is None else "%.1f" % p,
          "%.2f" % (m / p) if m and p else "-"))

# RSS: idle is the median of the starts; under load, the most any run saw.
rss = {}
for srv, rowsel in (("mcpd", "http"), ("tls", "http"), ("peer", "http")):
    idle = [s for s in samples if s["kind"] == "rss" and s["row"] == "idle"
            and s["server"] == srv]
    load = [s for s in samples if s["kind"] == "http" and s["server"] == srv
            and s["row"] != "stdio" and s.get("rss_kb")]
    if not idle:
        continue
    idle.sort(key=lambda s: s["kb"])
    mid = idle[len(idle) // 2]
    top = max(load, key=lambda s: s["rss_kb"]) if load else None
    rss[{"mcpd": "mcpd-http", "tls": "mcpd-https", "peer": "peer-http"}[srv]] = {
        "idle_kb": mid["kb"], "idle_processes": mid["detail"],
        "load_kb": top["rss_kb"] if top else None,
        "load_processes": top["rss_detail"] if top else None,
        "load_row": top["row"] if top else None}
for srv in ("mcpd", "peer"):
    idle = med([s["kb"] for s in samples if s["kind"] == "rss"
                and s["row"] == "stdio-idle" and s["server"] == srv])
    load = [s["rss_kb"] for s in samples if s["kind"] == "http"
            and s["row"] == "stdio" and s["server"] == srv]
    if idle is not None:
        rss[srv + "-stdio"] = {"idle_kb": idle, "idle_processes": "",
                               "load_kb": max(load) if load else None,
                               "load_processes": "", "load_row": "stdio"}
print()
print("### Resident memory of every process (KB; under load: the most any "
      "run saw; for stdio, after the pipelined calls)")
print()
print("| server | idle | under load | processes under load |")
print("| --- | ---: | ---: | --- |")
for k, v in rss.items():
    print("| %s | %s | %s | %s |" % (k, num(v["idle_kb"]), num(v["load_kb"]),
          v["load_processes"] or "-"))

limits = {s["name"]: s["value"] for s in samples if s["kind"] == "limit"}
print()
print("### Physical limits of this machine")
print()
print("One core verifies %s RSA-2048, %s P-256 and %s Ed25519 signatures a "
      "second (openssl speed); one privsep round trip takes %s us with both "
      "processes on one CPU, %s us across two." % (
      num(limits.get("rsa2048_verify_per_s")),
      num(limits.get("p256_verify_per_s")),
      num(limits.get("ed25519_verify_per_s")),
      limits.get("privsep_roundtrip_us_same_cpu", "-"),
      limits.get("privsep_roundtrip_us_two_cpus", "-")))

audit = {}
for s in samples:
    if s["kind"] == "audit":
        a = audit.setdefault(LABELS[s["server"]], {"answered": 0,
            "records": 0, "rejected": 0, "rejected_records": 0})
        for k in a:
            a[k] += s[k]

def row(rid):
    for r in rows:
        if r["id"] == rid:
            return r
    return None

targets = []
def target(name, value, met):
    targets.append({"target": name, "measured": value, "met": met})

r16 = row("plain-same-c16")
if r16 and r16["ratio"] is not None:
    target("c=16 plain HTTP: mcpd >= 10x the peer's req/s",
           "%.1fx" % r16["ratio"], r16["ratio"] >= 10)
if r16 and r16["mcpd"]:
    target("c=16 plain HTTP: mcpd p99 < 2 ms",
           "%s ms" % ms(r16["mcpd"]["p99_us"]), r16["mcpd"]["p99_us"] < 2000)
if "mcpd" in audit:
    a = audit["mcpd"]
    target("every call audited (mcpd)",
           "%d calls answered, %d ALLOWED records" % (a["answered"],
           a["records"]), a["records"] >= a["answered"])
fresh = [r for r in rows if r["id"].startswith("plain-fresh") and r["mcpd"]]
rsa = limits.get("rsa2048_verify_per_s")
if fresh and rsa:
    best = max(fresh, key=lambda r: r["mcpd"]["rps"])
    target("fresh tokens: mcpd >= half of one core's RSA-2048 verify/s",
           "%s req/s (%s) vs %s/2 = %s" % (num(best["mcpd"]["rps"]),
           best["id"], num(rsa), num(rsa / 2)), best["mcpd"]["rps"] >= rsa / 2)
off, on = row("flood-off"), row("flood-on")
if off and on and off["mcpd"] and on["mcpd"]:
    keep = on["mcpd"]["rps"] / off["mcpd"]["rps"]
    pkeep = (on["peer"]["rps"] / off["peer"]["rps"]) if on["peer"] and \
        off["peer"] else None
    target("bad-token flood: good clients keep >= 80% of their req/s",
           "mcpd %.0f%%%s" % (100 * keep, "" if pkeep is None else
           " (peer %.0f%%)" % (100 * pkeep)), keep >= 0.8)
if "mcpd-http" in rss and "peer-http" in rss and rss["peer-http"]["load_kb"]:
    q = rss["mcpd-http"]["load_kb"] / rss["peer-http"]["load_kb"]
    target("RSS under load: all mcpd processes <= 1/10 of the peer's",
           "%s KB vs %s KB (%.2f)" % (num(rss["mcpd-http"]["load_kb"]),
           num(rss["peer-http"]["load_kb"]), q), q <= 0.1)
print()
print("### Targets (goals, never asserted)")
print()
print("| target | measured | |")
print("| --- | --- | --- |")
for t in targets:
    print("| %s | %s | %s |" % (t["target"], t["measured"],
          "met" if t["met"] else "missed"))

json.dump({"meta": meta, "limits": limits, "rows": rows, "attacker": att,
           "startup_ms": startup, "rss_kb": rss, "audit": audit,
           "targets": targets, "samples": samples}, open(out, "w"), indent=1)
PY
mkdir -p "$RESULTS"
STAMP=$(date -u +%Y-%m-%dT%H%M%SZ)
cat > "$TMP/meta.json" <<META
{"date": "$STAMP", "host": "$(uname -n)", "kernel": "$(uname -r)",
 "cpus": $(nproc), "load_at_start": "$START_LOAD",
 "load_at_end": "$(cut -d ' ' -f 1-3 /proc/loadavg)",
 "mcpd_commit": "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)",
 "node": "$(node --version)", "wrk": "$(wrk -v 2>&1 | head -n 1 | cut -d ' ' -f 2)",
 "openssl": "$(openssl version | cut -d ' ' -f 2)",
 "sdk": "$(node -p "require('$PEER/node_modules/@modelcontextprotocol/sdk/package.json').version")",
 "seconds": $SECS, "rounds": $ROUNDS, "conc": "$CONC", "stdio_calls": $CALLS,
 "sql": "$SQL", "ci_form": $CI_FORM,
 "duration_s": $(($(date +%s) - START_TIME))}
META
if python3 "$TMP/report.py" "$TMP/meta.json" "$TMP/samples.jsonl" \
    "$RESULTS/$STAMP.json"; then
	ok report
	echo "results: $RESULTS/$STAMP.json" >&2
else
	bad report "report.py failed"
fi
exit "$FAILS"
