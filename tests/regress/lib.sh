# Shared by the regress scenarios (cf. OpenSSH's regress/test-exec.sh).
# Each scenario sources this file, calls setup, drives the real mcpd over
# stdio, and exits non-zero through fail() on the first wrong outcome.
# Everything lives in a fresh temporary directory, removed at exit.

set -u
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
O=${O:-build}
MCPD=$TOP/$O/mcpd
MCPCTL=$TOP/$O/mcpctl
SCENARIO=$(basename "$0" .sh)

# Users for the privilege drop when the tests run as root; made here if
# missing, like a package's postinst would.
TEST_NET_USER=mcpdtest-net
TEST_TOOL_USER=mcpdtest-tool
TEST_CHROOT=/var/lib/mcpd/empty

fail() {
	echo "FAIL $SCENARIO: $*"
	if [ -n "${OBJ:-}" ]; then
		for f in "$OBJ"/out "$OBJ"/err; do
			[ -f "$f" ] && { echo "--- $f"; tail -n 30 "$f"; }
		done
	fi
	exit 1
}

skip() {
	echo "$*"
	exit 77
}

cleanup() {
	if [ -n "${MCPD_PID:-}" ]; then
		kill "$MCPD_PID" 2>/dev/null
		wait "$MCPD_PID" 2>/dev/null
	fi
	[ -n "${OBJ:-}" ] && rm -rf "$OBJ"
}
trap cleanup EXIT

is_root() {
	[ "$(id -u)" -eq 0 ]
}

ensure_user() {
	getent passwd "$1" >/dev/null ||
	    useradd --system --no-create-home --home-dir /nonexistent \
		--shell /usr/sbin/nologin "$1" ||
	    fail "cannot create user $1"
}

# Make keys, database, audit key and a config; extra config lines may be
# given as arguments (they come first, so they win).
setup() {
	OBJ=$(mktemp -d /tmp/mcpd-regress.XXXXXX) || exit 1
	chmod 755 "$OBJ"
	(umask 077 && head -c 32 /dev/urandom > "$OBJ/audit.key")
	sqlite3 "$OBJ/demo.db" < "$TOP/conf/demo.sql" || fail "demo db"
	ADMIN_KEY=$("$MCPCTL" key new --user admin@example.com \
	    --roles admin,developer,viewer -f "$OBJ/keys") || fail "key new"
	DEV_KEY=$("$MCPCTL" key new --user dev@example.com \
	    --roles developer,viewer -f "$OBJ/keys") || fail "key new"
	VIEWER_KEY=$("$MCPCTL" key new --user viewer@example.com \
	    --roles viewer -f "$OBJ/keys") || fail "key new"
	{
		for l in "$@"; do
			printf '%s\n' "$l"
		done
		cat <<EOF
AuthMode apikey
AuthorizedKeysFile $OBJ/keys
Role admin     tools=*
Role developer tools=query,list_tables,describe_table,execute_sql,create_pr,list_prs
Role viewer    tools=list_tables,describe_table,query
User admin@example.com  roles=admin,developer,viewer
User dev@example.com    roles=developer,viewer
User viewer@example.com roles=viewer
AuditLog $OBJ/audit.log
AuditKeyFile $OBJ/audit.key
Database $OBJ/demo.db
Workers 2
EOF
		if is_root; then
			ensure_user "$TEST_NET_USER"
			ensure_user "$TEST_TOOL_USER"
			# Every component of the chroot path must be root's
			# and not group/world-writable: not under /tmp.
			mkdir -p "$TEST_CHROOT"
			chmod 755 "$TEST_CHROOT"
			echo "PrivsepUser $TEST_NET_USER"
			echo "ToolUser $TEST_TOOL_USER"
			echo "PrivsepChroot $TEST_CHROOT"
		fi
	} > "$OBJ/mcpd.conf"
}

# JSON-RPC lines for the input file.
init_msg() {
	printf '{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"%s","capabilities":{},"clientInfo":{"name":"regress","version":"1"}}}\n' "${1:-2025-11-25}"
	printf '{"jsonrpc":"2.0","method":"notifications/initialized"}\n'
}

call_msg() {	# id tool arguments-json [meta-json]
	if [ $# -ge 4 ]; then
		printf '{"jsonrpc":"2.0","id":%s,"method":"tools/call","params":{"name":"%s","arguments":%s,"_meta":%s}}\n' "$1" "$2" "$3" "$4"
	else
		printf '{"jsonrpc":"2.0","id":%s,"method":"tools/call","params":{"name":"%s","arguments":%s}}\n' "$1" "$2" "$3"
	fi
}

# Run one session: stdin from $OBJ/in, answers to $OBJ/out, log to
# $OBJ/err.  The key in $KEY (if set) is passed as MCPD_API_KEY.
run_mcpd() {
	local rc
	if [ -n "${KEY:-}" ]; then
		env -u KEY MCPD_API_KEY="$KEY" timeout 60 "$MCPD" -f "$OBJ/mcpd.conf" \
		    --stdio "$@" < "$OBJ/in" > "$OBJ/out" 2> "$OBJ/err"
	else
		env -u KEY timeout 60 "$MCPD" -f "$OBJ/mcpd.conf" --stdio "$@" \
		    < "$OBJ/in" > "$OBJ/out" 2> "$OBJ/err"
	fi
	rc=$?
	[ "$rc" -eq 124 ] && fail "mcpd did not finish within 60s"
	return "$rc"
}

# The answer with JSON-RPC id $1, filtered by jq $2.
answer() {
	jq -c "select(.id == $1) | $2" < "$OBJ/out"
}

expect_eq() {	# what actual expected
	[ "$2" = "$3" ] || fail "$1: got '$2', expected '$3'"
}

expect_error() {	# id code
	expect_eq "error code of id $1" "$(answer "$1" '.error.code')" "$2"
}

audit_verify() {
	"$MCPCTL" audit verify "$OBJ/audit.log" --key-file "$OBJ/audit.key" \
	    > "$OBJ/verify" 2>&1 || fail "audit verify: $(cat "$OBJ/verify")"
}

# Records of the audit log, filtered by jq.
audit_select() {
	jq -c "$1" < "$OBJ/audit.log"
}

# No key made by setup may appear in any output or log.
expect_no_secrets() {
	local f k
	for f in "$OBJ"/out "$OBJ"/err "$OBJ"/audit.log; do
		[ -f "$f" ] || continue
		for k in "$ADMIN_KEY" "$DEV_KEY" "$VIEWER_KEY"; do
			grep -qF -- "$k" "$f" && fail "a key appears in $f"
			grep -qF -- "${k#mcpk_*_}" "$f" &&
			    fail "a key's secret appears in $f"
		done
	done
	return 0
}

# Interactive sessions: mcpd reads a FIFO that the scenario writes to.
start_mcpd() {
	mkfifo "$OBJ/fifo" || fail "mkfifo"
	if [ -n "${KEY:-}" ]; then
		env -u KEY MCPD_API_KEY="$KEY" "$MCPD" -f "$OBJ/mcpd.conf" --stdio "$@" \
		    < "$OBJ/fifo" > "$OBJ/out" 2> "$OBJ/err" &
	else
		env -u KEY "$MCPD" -f "$OBJ/mcpd.conf" --stdio "$@" \
		    < "$OBJ/fifo" > "$OBJ/out" 2> "$OBJ/err" &
	fi
	MCPD_PID=$!
	exec {MCPD_W}> "$OBJ/fifo"
}

send() {
	printf '%s\n' "$1" >&"$MCPD_W"
}

# Wait (bounded) until the answer with id $1 is there.
wait_answer() {
	local i
	for i in $(seq 1 200); do
		[ -n "$(answer "$1" '.id' 2>/dev/null)" ] && return 0
		sleep 0.05
	done
	fail "no answer for id $1 within 10s"
}

# Close stdin and wait (bounded) for mcpd to exit; returns its status.
stop_mcpd() {
	local i rc
	exec {MCPD_W}>&-
	for i in $(seq 1 200); do
		kill -0 "$MCPD_PID" 2>/dev/null || break
		sleep 0.05
	done
	kill -0 "$MCPD_PID" 2>/dev/null && fail "mcpd did not exit after EOF"
	wait "$MCPD_PID"
	rc=$?
	MCPD_PID=
	return "$rc"
}

# The pids of the children of the monitor, by kind ("net", "worker").
child_pids() {
	pgrep -P "$MCPD_PID" -f "^mcpd: $1"
}
