#!/bin/bash
# "make bench-mcpd" (stdio part): start-up time, idle RSS of every process, and
# authorized tools/call per second pipelined over stdio, as dev@example.com
# calling list_tables with every call audited twice (decision, outcome).
# Runs once per AuditSync mode; N calls each (BENCH_CALLS, default 20000).
set -eu
cd "$(dirname "$0")/../.."
. tests/bench/lib.sh
echo "== privsep round trip (privsep/msg.c framing over a socketpair)"
"${O:-build}/roundtrip" -n 100000
O=${O:-build}
N=${BENCH_CALLS:-20000}
TMP=$(mktemp -d /tmp/mcpd-bench.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
chmod 755 "$TMP"
(umask 077 && head -c 32 /dev/urandom > "$TMP/audit.key")
sqlite3 "$TMP/demo.db" < conf/demo.sql
KEY=$("$O/mcpctl" key new --user dev@example.com --roles developer,viewer \
    -f "$TMP/keys")
bench_privsep_setup

for sync in always batch none; do
	rm -f "$TMP/audit.log"
	cat > "$TMP/mcpd.conf" <<CONF
AuthorizedKeysFile $TMP/keys
Role developer tools=query,list_tables,describe_table,execute_sql
User dev@example.com roles=developer
RateLimit 1000000/min
AuditLog $TMP/audit.log
AuditKeyFile $TMP/audit.key
AuditSync $sync
Database $TMP/demo.db
CONF
	echo "== AuditSync $sync, $N pipelined tools/call list_tables"
	env MCPD_API_KEY="$KEY" "$O/stdio_bench" -n "$N" -l 2000 -- \
	    "$O/mcpd" -f "$TMP/mcpd.conf" --stdio 2>"$TMP/err" ||
	    { cat "$TMP/err"; exit 1; }
	"$O/mcpctl" audit verify "$TMP/audit.log" --key-file "$TMP/audit.key"
done
