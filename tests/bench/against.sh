#!/bin/bash
# "make bench-against BASE=REV": this tree's mcpd against the mcpd of an
# earlier commit, in the same run, on the same machine, with the same
# configuration and load, so that the cost of a change is measured and not
# guessed (the issue that adds a per-call cost says what it costs here).
#
# usage: against.sh BASE_BUILD_DIR
#   BASE_BUILD_DIR holds the earlier mcpd and mcpctl (the Makefile builds
#   it from REV with "git archive").
#
# Rows, each with the runs alternating A B A B (base, then this tree) over
# BENCH_ROUNDS rounds (3), medians shown:
#   http-always   tools/call query over plain HTTP on loopback, 16
#                 connections, API key, AuditSync always (the default)
#   http-batch    the same with AuditSync batch
#   stdio-always  BENCH_CALLS (20000) calls of list_tables pipelined over
#                 stdio, AuditSync always
# HTTP rows give requests per second and the CPU time per call of every
# process of the server; stdio rows give calls per second.
# BENCH_VARIANT="NAME:LINE" adds a third server, this tree's mcpd with the
# configuration line LINE as well (e.g. "nocp:AuditCheckpoint 100000000",
# checkpoints all but off), measured in the same rounds, so that the cost
# of one feature of this tree shows apart from the rest.  Both servers
# run privilege-separated with seccomp, 2 workers, every call audited.
# Measures only: speed is never asserted.  Every answer is checked, and
# both servers' audit logs must verify; a failed check is a "FAIL bench"
# line and a non-zero exit.
set -eu
cd "$(dirname "$0")/../.."
. tests/bench/lib.sh
[ $# -eq 1 ] || { echo "usage: against.sh BASE_BUILD_DIR" >&2; exit 2; }
O=${O:-build}
declare -A BIN=([base]=$1 [head]=$O) EXTRA=()
SERVERS="base head"
VARIANT=
if [ -n "${BENCH_VARIANT:-}" ]; then
	VARIANT=${BENCH_VARIANT%%:*}
	case "$VARIANT" in
	""|base|head|*[!a-z0-9-]*)
		echo "BENCH_VARIANT: NAME:LINE, NAME in [a-z0-9-]" >&2; exit 2 ;;
	esac
	BIN[$VARIANT]=$O
	EXTRA[$VARIANT]=${BENCH_VARIANT#*:}
	SERVERS="$SERVERS $VARIANT"
fi
SECS=${BENCH_SECONDS:-5}
ROUNDS=${BENCH_ROUNDS:-3}
CALLS=${BENCH_CALLS:-20000}
for n in base head; do
	for f in mcpd mcpctl; do
		[ -x "${BIN[$n]}/$f" ] || { echo "no ${BIN[$n]}/$f" >&2; exit 2; }
	done
done
[ -x "$O/stdio_bench" ] || { echo "no $O/stdio_bench" >&2; exit 2; }
command -v wrk >/dev/null || { echo "wrk is not installed" >&2; exit 2; }

TMP=$(mktemp -d /tmp/mcpd-bench-against.XXXXXX)
chmod 755 "$TMP"
SPID=
# shellcheck disable=SC2317
cleanup() {
	[ -n "$SPID" ] && kill "$SPID" 2>/dev/null && wait "$SPID" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
bench_privsep_setup
FAILS=0
bad() { echo "FAIL bench $1${2:+: $2}"; FAILS=$((FAILS + 1)); }

(umask 077 && head -c 32 /dev/urandom > "$TMP/audit.key")
sqlite3 "$TMP/demo.db" < conf/demo.sql
chmod 644 "$TMP/demo.db"
KEY=$("$O/mcpctl" key new --user dev@example.com --roles developer \
    -f "$TMP/keys")
printf '%s\n' "$KEY" > "$TMP/key.tok"

# conf NAME SYNC [Listen line]: a configuration both versions understand.
conf() {
	cat > "$TMP/$1.conf" <<CONF
AuthMode apikey
AuthorizedKeysFile $TMP/keys
Role developer tools=query,list_tables,describe_table,execute_sql
RateLimit 1000000/min
AuditLog $TMP/$1.audit.log
AuditKeyFile $TMP/audit.key
AuditSync $2
Database $TMP/demo.db
Workers 2
MaxConnections 1024
${3:-}
${EXTRA[$1]:-}
CONF
}

verify() {	# NAME
	"${BIN[$1]}/mcpctl" audit verify "$TMP/$1.audit.log" \
	    --key-file "$TMP/audit.key" > "$TMP/verify" 2>&1 ||
	    bad "$1/audit-verify" "$(tail -n 1 "$TMP/verify")"
	rm -f "$TMP/$1.audit.log"
}

# http NAME ROW SYNC: one measured run; prints "rps cpu_us_per_call".
http() {
	local n=$1 port cpu
	port=$(free_port)
	conf "$n" "$3" "Listen 127.0.0.1:$port"
	"${BIN[$n]}/mcpd" -f "$TMP/$n.conf" 2> "$TMP/$n.err" &
	SPID=$!
	for _ in $(seq 1 100); do
		grep -q '^Server ready on' "$TMP/$n.err" && break
		sleep 0.05
	done
	cpu=$(cpu_ticks "$SPID")
	if ! env TOKENS="$TMP/key.tok" NTHREADS=2 TOOL=query \
	    ARGS='{"sql":"SELECT id, name, email, role FROM users ORDER BY id LIMIT 5"}' \
	    wrk -t2 -c16 -d"${SECS}s" --timeout 10s \
	    -s tests/bench/http_call.lua "http://127.0.0.1:$port/mcp" \
	    > "$TMP/wrk.out" 2>&1 || ! result "$TMP/wrk.out"; then
		bad "$n/$2" "wrk: $(tail -n 3 "$TMP/wrk.out" "$TMP/$n.err")"
		echo "0 0"
	else
		cpu=$(($(cpu_ticks "$SPID") - cpu))
		# shellcheck disable=SC2154
		[ $((bad + errors)) -eq 0 ] ||
		    bad "$n/$2" "$((bad + errors)) answers not as expected"
		echo "$rps $(((cpu * 1000000 / HZ) / (requests > 0 ? requests : 1)))"
	fi
	kill "$SPID"
	wait "$SPID" 2>/dev/null || true
	SPID=
	verify "$n"
}

# stdio NAME: prints "calls_per_second -".
stdio() {
	local n=$1 out
	conf "$n" always
	if ! out=$(env MCPD_API_KEY="$KEY" "$O/stdio_bench" -n "$CALLS" -- \
	    "${BIN[$n]}/mcpd" -f "$TMP/$n.conf" --stdio 2> "$TMP/$n.err"); then
		bad "$n/stdio" "$(tail -n 3 "$TMP/$n.err")"
		echo "0 -"
	else
		awk '$1 == "errors" && $2 != 0 { e = 1 }
		    $1 == "calls_per_second" { r = $2 }
		    END { print (e ? 0 : r) " -" }' <<< "$out"
	fi
	verify "$n"
}

: > "$TMP/samples"
for r in $(seq 1 "$ROUNDS"); do
	for n in $SERVERS; do
		echo "$n http-always $r $(http "$n" http-always always)" >> "$TMP/samples"
		echo "$n http-batch $r $(http "$n" http-batch batch)" >> "$TMP/samples"
		echo "$n stdio-always $r $(stdio "$n")" >> "$TMP/samples"
	done
done

echo "base: $1, head: $O${VARIANT:+, $VARIANT: head with \"${EXTRA[$VARIANT]}\"}; $ROUNDS rounds, ${SECS} s per HTTP run, $CALLS stdio calls; $(nproc) CPUs; medians; ratios against base"
echo
python3 - "$TMP/samples" $SERVERS <<'PY'
import statistics, sys
names = sys.argv[2:]
rows = {}
for line in open(sys.argv[1]):
    n, row, _, rps, cpu = line.split()
    rows.setdefault(row, {}).setdefault(n, []).append((float(rps), cpu))
def med(v):
    return statistics.median(v) if v else None
def fmt(v):
    return "-" if v is None else "%.0f" % v
def ratio(a, c):
    return "%.2f" % (c / a) if a and c is not None else "-"
print("| row | " + " | ".join("%s req/s" % n for n in names) + " | " +
      " | ".join("%s/base" % n for n in names[1:]) + " | " +
      " | ".join("%s CPU us/call" % n for n in names) + " | " +
      " | ".join("%s/base CPU" % n for n in names[1:]) + " |")
print("| --- |" + " ---: |" * (4 * len(names) - 2))
for row, d in rows.items():
    rps = [med([x[0] for x in d.get(n, [])]) for n in names]
    cpu = [med([float(x[1]) for x in d.get(n, []) if x[1] != "-"]) for n in names]
    print("| %s | %s | %s | %s | %s |" % (row,
        " | ".join(fmt(v) for v in rps),
        " | ".join(ratio(rps[0], v) for v in rps[1:]),
        " | ".join(fmt(v) for v in cpu),
        " | ".join(ratio(cpu[0], v) for v in cpu[1:])))
PY
[ "$FAILS" -eq 0 ] && echo "ok   bench against"
exit "$FAILS"
