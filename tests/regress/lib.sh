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
# The scenarios' python parts import tests/regress/rawhttp.py.
export PYTHONPATH="$TOP/tests/regress${PYTHONPATH:+:$PYTHONPATH}"

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
	secret_collect
	[ -n "${OBJ:-}" ] && rm -rf "$OBJ"
}
trap cleanup EXIT

# --- The whole-suite secret scan (issue 3; doc/privsep.md, doc/audit.md) ---
#
# No secret may ever appear in an output: stdout, stderr, logs, the audit
# log.  When tests/run.sh sets MCPD_SECRET_SCAN_DIR, cleanup() copies every
# output of the scenario into $MCPD_SECRET_SCAN_DIR/$SCENARIO/ and appends
# every secret the scenario used to $MCPD_SECRET_SCAN_DIR/secrets, one per
# line, "text SCENARIO VALUE" (API keys and tokens, as mcpctl printed them)
# or "bin SCENARIO HEX" (the bytes of a key file, e.g. the audit key, in
# hex).
# After the regress loop, run.sh calls secret_scan on that directory.
#
# Collected: every regular file under $OBJ (out, err, audit.log*, verify,
# show, list, *.log, configs, the keys file, which holds hashes only, and
# whatever else the scenario wrote), except the files that hold a secret on
# purpose: key files (*.key and any AuditKeyFile of a config in $OBJ, and
# the audit key state *.keystate),
# request input (in, *.in: it carries credentials to mcpd), databases
# (*.db*), this machinery's own files ($OBJ/.secret-scan/), and anything a
# scenario lists, as globs relative to $OBJ, in SECRET_SCAN_SKIP.
SECRET_SCAN_SKIP=${SECRET_SCAN_SKIP:-}
MCPCTL_BIN=$MCPCTL

# Called by setup: $MCPCTL becomes a wrapper that records every key that
# "mcpctl key new" prints and every token that "mcpctl token" prints, so
# that keys made by scenarios themselves are searched for too.
secret_scan_init() {
	local w=$OBJ/.secret-scan/mcpctl
	mkdir -p "$OBJ/.secret-scan" || fail "mkdir $OBJ/.secret-scan"
	chmod 711 "$OBJ/.secret-scan" || fail "chmod $OBJ/.secret-scan"
	cat > "$w" <<WRAPPER || fail "cannot write $w"
#!/bin/bash
# mcpctl for the regress scenarios: runs $MCPCTL_BIN and records
# the secrets it prints for the secret scan (tests/regress/lib.sh).
case "\${1:-} \${2:-}" in
"key new"|"token "*) ;;
*) exec "$MCPCTL_BIN" "\$@" ;;
esac
out=\$("$MCPCTL_BIN" "\$@")
rc=\$?
if [ -n "\$out" ]; then
	(umask 077 && printf '%s\n' "\$out" >> "$OBJ/.secret-scan/made") ||
	    echo "mcpctl wrapper: cannot record a secret" >&2
	printf '%s\n' "\$out"
fi
exit "\$rc"
WRAPPER
	chmod 755 "$w" || fail "chmod $w"
	MCPCTL=$w
}

# A secret the scenario made itself (not with mcpctl), e.g. a token passed
# in MCPD_TOKEN: searched for like the keys.
secret_record() {
	(umask 077 && printf '%s\n' "$1" >> "$OBJ/.secret-scan/made") ||
	    fail "cannot record a secret"
}

# The key files of the scenario, relative to $OBJ, one a line: *.key, and
# each AuditKeyFile of a config in $OBJ that lies in $OBJ.
secret_key_files() {
	local f
	{
		(cd "$OBJ" && find . -type f -name '*.key' -print) |
		    sed 's|^\./||'
		for f in "$OBJ"/*.conf; do
			[ -f "$f" ] || continue
			awk 'tolower($1) == "auditkeyfile" { print $2 }' "$f"
		done | while IFS= read -r f; do
			case "$f" in
			"$OBJ"/*) [ -f "$f" ] && printf '%s\n' "${f#"$OBJ"/}" ;;
			esac
		done
	} | sort -u
}

# Whether the file $1 (relative to $OBJ) is left out of the collection;
# $2 is the list of key files.
secret_scan_skipped() {
	local rel=$1 keyfiles=$2 g
	case "$rel" in
	.secret-scan/*|*.key|in|*/in|*.in|*.db|*.db-*) return 0 ;;
	# The audit key state beside the log holds the current MAC key.
	*.keystate|*.keystate.tmp) return 0 ;;
	esac
	printf '%s\n' "$keyfiles" | grep -qxF -- "$rel" && return 0
	for g in $SECRET_SCAN_SKIP; do
		# shellcheck disable=SC2254
		case "$rel" in $g) return 0 ;; esac
	done
	return 1
}

secret_collect() {
	local dest keyfiles rel v
	[ -n "${MCPD_SECRET_SCAN_DIR:-}" ] || return 0
	[ -n "${OBJ:-}" ] && [ -d "$OBJ" ] || return 0
	dest=$MCPD_SECRET_SCAN_DIR/$SCENARIO
	mkdir -p "$dest" || { echo "secret scan: cannot mkdir $dest"; return 0; }
	keyfiles=$(secret_key_files)
	{
		if [ -f "$OBJ/.secret-scan/made" ]; then
			while IFS= read -r v; do
				[ -n "$v" ] && printf 'text %s %s\n' "$SCENARIO" "$v"
			done < "$OBJ/.secret-scan/made"
		fi
		printf '%s\n' "$keyfiles" | while IFS= read -r rel; do
			[ -n "$rel" ] && [ -s "$OBJ/$rel" ] || continue
			printf 'bin %s %s\n' "$SCENARIO" \
			    "$(basenc --base16 -w 0 "$OBJ/$rel")"
		done
	} >> "$MCPD_SECRET_SCAN_DIR/secrets"
	(cd "$OBJ" && find . -type f -print0) |
	    while IFS= read -r -d '' rel; do
		rel=${rel#./}
		secret_scan_skipped "$rel" "$keyfiles" && continue
		{ mkdir -p "$dest/$(dirname "$rel")" &&
		    cp -p "$OBJ/$rel" "$dest/$rel"; } ||
		    echo "secret scan: cannot collect $rel"
	done
	return 0
}

# Upper-case hex of the bytes of string $1, as basenc --base16 writes it.
secret_hex() {
	printf '%s' "$1" | basenc --base16 -w 0
}

# The bytes of hex string $1, on stdout.
secret_unhex() {
	printf '%s' "$1" | basenc --base16 -d
}

# The longest run of bytes without a newline in hex string $1, in hex.
secret_longest_line() {
	printf '%s' "$1" | fold -w 2 | awk '
		$0 == "0A" { if (length(cur) > length(best)) best = cur; cur = ""; next }
		{ cur = cur $0 }
		END { if (length(cur) > length(best)) best = cur; printf "%s", best }'
}

# Whether the file $1 holds the bytes of hex string $2 (binary-safe: the
# file is compared as hex, basenc --base16, and only a match at a byte
# boundary counts).  The file is read in chunks of 32 MiB that overlap by
# 1 MiB, more than any key file (AUDIT_KEY_MAX), so that a large output
# never needs more memory than that.
secret_in_file() {
	local f=$1 hex=$2 size off=0
	size=$(stat -c %s "$f") || return 1
	while :; do
		dd if="$f" bs=1M skip="$off" count=33 status=none |
		    basenc --base16 -w 0 | LC_ALL=C grep -obF -e "$hex" |
		    awk -F: '$1 % 2 == 0 { found = 1 } END { exit !found }' &&
		    return 0
		off=$((off + 32))
		[ $((off * 1048576)) -lt "$size" ] || return 1
	done
}

# secret_scan DIR [FILE...]: search every file collected under DIR, and
# each FILE, for every secret in DIR/secrets, in every form it could leak
# in: an API key or token whole, an API key's 43-character secret part
# alone; a key file's raw bytes, and its bytes in hex, in upper-case hex
# and in base64.  Text forms are searched with grep -F; raw bytes are
# first looked for by their longest run without a newline (grep -F takes
# NUL bytes, but a newline ends a pattern), and a file that has one is
# then searched binary-safe for the whole key (secret_in_file).
# Prints "ok   secret-scan (N files, M secrets)", or one line
# "FAIL secret-scan: <what> <fingerprint> (from <scenario>) in <file>" per
# finding; a secret is only ever named by its fingerprint, the first 12
# hex digits of its SHA-256, as in the audit log.  Returns 0 or 1.
secret_scan() {
	local dir=$1 tmp kind scen val hex fp f seg t n=0 m=0 bad=0
	local -A label=() seen=() binlabel=()
	local -a slow=()
	shift
	tmp=$(mktemp -d /tmp/mcpd-secret-scan.XXXXXX) ||
	    { echo "FAIL secret-scan: mktemp failed"; return 1; }
	: > "$tmp/segs"
	if [ -f "$dir/secrets" ]; then
		while read -r kind scen val; do
			[ -n "$val" ] || continue
			case "$kind" in
			text)	hex=$(secret_hex "$val") ;;
			bin)	hex=${val^^} ;;
			*)	continue ;;
			esac
			[ -n "${seen[$hex]:-}" ] && continue
			seen[$hex]=1
			m=$((m + 1))
			fp=$(secret_unhex "$hex" | sha256sum | cut -c1-12)
			case "$kind" in
			text)
				label[$val]="secret $fp (from $scen)"
				if [[ $val =~ ^mcpk_[a-z0-9]{8}_(.{43})$ ]]; then
					label[${BASH_REMATCH[1]}]="secret part of API key $fp (from $scen)"
				fi
				;;
			bin)
				for t in "${hex,,}" "$hex" \
				    "$(secret_unhex "$hex" | base64 -w 0)"; do
					label[$t]="key file $fp, as text (from $scen)"
				done
				binlabel[$hex]="key file $fp, raw bytes (from $scen)"
				seg=$(secret_longest_line "$hex")
				if [ ${#seg} -ge 16 ]; then
					{ secret_unhex "$seg"; echo; } >> "$tmp/segs"
				else
					slow+=("$hex")
				fi
				;;
			esac
		done < "$dir/secrets"
	fi
	printf '%s\n' "${!label[@]}" > "$tmp/text"
	{ [ -d "$dir" ] && find "$dir" -mindepth 2 -type f -print0
	    for f in "$@"; do [ -f "$f" ] && printf '%s\0' "$f"; done; } |
	    sort -z > "$tmp/files"
	n=$(tr -cd '\0' < "$tmp/files" | wc -c)
	# One grep over all the files for the text forms ("file NUL match"
	# lines), and one for the files that hold a candidate run of raw
	# bytes; only those are then searched for the whole key.  A key too
	# full of newlines to have such a run is searched for everywhere.
	{
		xargs -0 -r env LC_ALL=C grep -aoHZF -f "$tmp/text" -- \
		    < "$tmp/files" | while IFS= read -r -d '' f &&
		    IFS= read -r t; do
			printf '%s\t%s\n' "${f#"$dir"/}" "${label[$t]:-a secret}"
		done
		: > "$tmp/cand"
		[ -s "$tmp/segs" ] && xargs -0 -r env LC_ALL=C grep -laZF \
		    -f "$tmp/segs" -- < "$tmp/files" > "$tmp/cand"
		# raw FILE HEX...: a "file TAB label" line per key in FILE.
		raw() {
			local f=$1 hex
			shift
			for hex in "$@"; do
				secret_in_file "$f" "$hex" &&
				    printf '%s\t%s\n' "${f#"$dir"/}" \
				    "${binlabel[$hex]}"
			done
		}
		while IFS= read -r -d '' f; do
			raw "$f" "${!binlabel[@]}"
		done < "$tmp/cand"
		if [ ${#slow[@]} -gt 0 ]; then
			while IFS= read -r -d '' f; do
				grep -qzxF -- "$f" "$tmp/cand" ||
				    raw "$f" "${slow[@]}"
			done < "$tmp/files"
		fi
	} | LC_ALL=C sort -u > "$tmp/found"
	while IFS=$'\t' read -r f t; do
		echo "FAIL secret-scan: $t in $f"
		bad=1
	done < "$tmp/found"
	rm -rf "$tmp"
	if [ "$n" -eq 0 ] || [ "$m" -eq 0 ]; then
		echo "FAIL secret-scan: nothing to search ($n files, $m secrets)"
		return 1
	fi
	[ "$bad" -eq 0 ] || return 1
	echo "ok   secret-scan ($n files, $m secrets)"
	return 0
}
# --- end of the secret scan ---------------------------------------------

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
	secret_scan_init
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
	# stdout is a pipe, as under a real MCP client: with a regular file
	# the net process would have to run without RLIMIT_FSIZE 0.
	if [ -n "${KEY:-}" ]; then
		env -u KEY MCPD_API_KEY="$KEY" timeout 60 "$MCPD" -f "$OBJ/mcpd.conf" \
		    --stdio "$@" < "$OBJ/in" 2> "$OBJ/err" | cat > "$OBJ/out"
	else
		env -u KEY timeout 60 "$MCPD" -f "$OBJ/mcpd.conf" --stdio "$@" \
		    < "$OBJ/in" 2> "$OBJ/err" | cat > "$OBJ/out"
	fi
	rc=${PIPESTATUS[0]}
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
	rm -f "$OBJ/fifo" "$OBJ/outfifo"
	mkfifo "$OBJ/fifo" "$OBJ/outfifo" || fail "mkfifo"
	# stdout is a pipe, as under a real MCP client (see run_mcpd).
	cat "$OBJ/outfifo" > "$OBJ/out" &
	MCPD_OUTCAT=$!
	if [ -n "${KEY:-}" ]; then
		env -u KEY MCPD_API_KEY="$KEY" "$MCPD" -f "$OBJ/mcpd.conf" --stdio "$@" \
		    < "$OBJ/fifo" > "$OBJ/outfifo" 2> "$OBJ/err" &
	else
		env -u KEY "$MCPD" -f "$OBJ/mcpd.conf" --stdio "$@" \
		    < "$OBJ/fifo" > "$OBJ/outfifo" 2> "$OBJ/err" &
	fi
	MCPD_PID=$!
	exec {MCPD_W}> "$OBJ/fifo"
	wait_workers
}

# Wait (bounded) until the configured number of workers run confined:
# the first ones start one after another (see src/monitor/mon_workers.c).
wait_workers() {
	local want i p n parents
	want=$(awk '$1 == "Workers" { print $2; exit }' "$OBJ/mcpd.conf")
	want=${want:-2}
	for i in $(seq 1 200); do
		n=0
		# Children or grandchildren (mcpd may run under a wrapper).
		parents=$MCPD_PID$(pgrep -P "$MCPD_PID" | sed 's/^/,/' | tr -d '\n')
		for p in $(pgrep -P "$parents" -f '^mcpd: worker'); do
			grep -q '^Seccomp:[[:space:]]*2' "/proc/$p/status" \
			    2>/dev/null && n=$((n + 1))
		done
		[ "$n" -ge "$want" ] && return 0
		kill -0 "$MCPD_PID" 2>/dev/null || return 0
		sleep 0.05
	done
	fail "only $n of $want workers started within 10s"
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

# Close stdin and wait (bounded: 10 s, or the number of 50 ms steps given)
# for mcpd to exit; returns its status.
stop_mcpd() {
	local i rc
	exec {MCPD_W}>&-
	for i in $(seq 1 "${1:-200}"); do
		kill -0 "$MCPD_PID" 2>/dev/null || break
		sleep 0.05
	done
	kill -0 "$MCPD_PID" 2>/dev/null && fail "mcpd did not exit after EOF"
	wait "$MCPD_PID"
	rc=$?
	MCPD_PID=
	[ -n "${MCPD_OUTCAT:-}" ] && wait "$MCPD_OUTCAT"
	return "$rc"
}

# The pids of the children of the monitor, by kind ("net", "worker").
child_pids() {
	pgrep -P "$MCPD_PID" -f "^mcpd: $1"
}

# --- HTTP transport (issue 4) --------------------------------------------
#
# The http-*.sh scenarios start mcpd on a Listen address and speak to it
# with curl, openssl s_client and python3 sockets.  Credentials never go on
# a command line (ps would show them): http_req writes the Authorization
# header to $OBJ/auth.in, which curl reads with -H @file and the secret
# scan leaves alone (request input).  Private keys are *.key files, so the
# scan searches every output for their bytes.

# A TCP port on 127.0.0.1 that nothing listens on right now.
free_port() {
	python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# Like setup, plus "Listen 127.0.0.1:$PORT"; extra lines come first and
# win (sshd-style: the first value of a single-valued keyword counts).
setup_http() {
	local t
	for t in curl openssl python3; do
		command -v "$t" > /dev/null ||
		    { echo "FAIL $SCENARIO: $t is needed"; exit 1; }
	done
	PORT=$(free_port) || { echo "FAIL $SCENARIO: no free port"; exit 1; }
	setup "$@" "Listen 127.0.0.1:$PORT"
	BASE=http://127.0.0.1:$PORT
}

# Put config lines at the top of $OBJ/mcpd.conf (so that they win), for
# lines that name files under $OBJ, which setup_http's arguments cannot.
http_conf() {
	local l
	{
		for l in "$@"; do
			printf '%s\n' "$l"
		done
		cat "$OBJ/mcpd.conf"
	} > "$OBJ/mcpd.conf.new" || fail "http_conf"
	mv "$OBJ/mcpd.conf.new" "$OBJ/mcpd.conf" || fail "http_conf"
}

# A small CA made with "openssl ca", for certificates with dates in the
# past and for revocation: tls_ca NAME makes $OBJ/NAME.key, $OBJ/NAME.crt
# and the CA's database in $OBJ/NAME.db.d/.
tls_ca() {
	local ca=$1 d=$OBJ/$1.db.d
	mkdir -p "$d/new" || fail "mkdir $d"
	: > "$d/index.txt"
	echo 1000 > "$d/serial"
	echo 1000 > "$d/crlnumber"
	cat > "$d/ca.cnf" <<CNF || fail "ca.cnf"
[ ca ]
default_ca = this
[ this ]
dir = $d
database = $d/index.txt
new_certs_dir = $d/new
serial = $d/serial
crlnumber = $d/crlnumber
certificate = $OBJ/$ca.crt
private_key = $OBJ/$ca.key
default_md = sha256
default_days = 30
default_crl_days = 30
policy = anything
copy_extensions = copy
unique_subject = no
[ anything ]
commonName = supplied
[ client ]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
[ server ]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1, DNS:localhost
CNF
	(umask 077 && openssl genpkey -algorithm EC \
	    -pkeyopt ec_paramgen_curve:P-256 -out "$OBJ/$ca.key" 2>/dev/null) ||
	    fail "CA key $ca"
	openssl req -new -x509 -key "$OBJ/$ca.key" -days 30 -sha256 \
	    -subj "/CN=mcpd regress $ca" -addext "basicConstraints=critical,CA:TRUE" \
	    -addext "keyUsage=critical,keyCertSign,cRLSign" \
	    -out "$OBJ/$ca.crt" 2>/dev/null || fail "CA certificate $ca"
}

# tls_issue CA NAME KEYALG EXT SUBJ-CN [SAN] [openssl ca args...]: a key
# $OBJ/NAME.key (rsa or ec) and a certificate $OBJ/NAME.crt from CA.
tls_issue() {
	local ca=$1 name=$2 alg=$3 ext=$4 cn=$5 san=${6:-}
	shift 6
	case "$alg" in
	rsa)	(umask 077 && openssl genpkey -algorithm RSA \
		    -pkeyopt rsa_keygen_bits:2048 -out "$OBJ/$name.key" \
		    2>/dev/null) || fail "key $name" ;;
	ec)	(umask 077 && openssl genpkey -algorithm EC \
		    -pkeyopt ec_paramgen_curve:P-256 -out "$OBJ/$name.key" \
		    2>/dev/null) || fail "key $name" ;;
	esac
	openssl req -new -key "$OBJ/$name.key" -subj "/CN=$cn" \
	    ${san:+-addext "subjectAltName=$san"} -out "$OBJ/$name.csr" \
	    2>/dev/null || fail "request $name"
	openssl ca -batch -config "$OBJ/$ca.db.d/ca.cnf" -extensions "$ext" \
	    -in "$OBJ/$name.csr" -out "$OBJ/$name.crt" -notext "$@" \
	    >/dev/null 2>&1 || fail "certificate $name"
}

# The test PKI, with the openssl CLI, in $OBJ:
#   ca.crt                   the server CA (clients trust it: --cacert)
#   server.{key,crt}         RSA 2048 for 127.0.0.1 and localhost
#   server-ec.{key,crt}      the same with an EC P-256 key
#   clientca.crt             the client CA (TLSClientCA)
#   client.{key,crt}         good, SAN email dev@example.com
#   client-other.{key,crt}   the same names from another CA (otherca)
#   client-expired.{key,crt} from clientca, expired in 2020
#   client-revoked.{key,crt} from clientca, revoked in clientca.crl
#   clientca.crl             the client CA's CRL (TLSClientCRL)
tls_material() {
	tls_ca ca
	tls_issue ca server rsa server 127.0.0.1 ""
	tls_issue ca server-ec ec server 127.0.0.1 ""
	tls_ca clientca
	tls_ca otherca
	tls_issue clientca client ec client dev \
	    "email:dev@example.com"
	tls_issue otherca client-other ec client dev \
	    "email:dev@example.com"
	tls_issue clientca client-expired ec client dev \
	    "email:dev@example.com" -startdate 20200101000000Z \
	    -enddate 20200201000000Z
	tls_issue clientca client-revoked ec client dev \
	    "email:dev@example.com"
	openssl ca -batch -config "$OBJ/clientca.db.d/ca.cnf" \
	    -revoke "$OBJ/client-revoked.crt" >/dev/null 2>&1 ||
	    fail "revoke"
	openssl ca -batch -config "$OBJ/clientca.db.d/ca.cnf" -gencrl \
	    -out "$OBJ/clientca.crl" >/dev/null 2>&1 || fail "gencrl"
	chmod 644 "$OBJ"/*.crt "$OBJ/clientca.crl" || fail "chmod"
}

# Start mcpd in the background on the config in $OBJ (extra arguments go
# to mcpd) and wait, bounded, until it says "Server ready on URL".  Sets
# MCPD_PID, URL (the /mcp URL), BASE (scheme://host:port) and, for TLS,
# HTTP_TLS (curl's arguments to trust the test CA).
start_http() {
	local i
	: > "$OBJ/err"
	"$MCPD" -f "$OBJ/mcpd.conf" "$@" < /dev/null > "$OBJ/out" \
	    2> "$OBJ/err" &
	MCPD_PID=$!
	for i in $(seq 1 300); do
		grep -q '^Server ready on ' "$OBJ/err" && break
		kill -0 "$MCPD_PID" 2>/dev/null || {
			wait "$MCPD_PID"
			MCPD_PID=
			fail "mcpd exited at start"
		}
		sleep 0.05
	done
	grep -q '^Server ready on ' "$OBJ/err" ||
	    fail "mcpd not ready within 15s"
	URL=$(sed -n 's/^Server ready on \([^ ]*\) .*/\1/p' "$OBJ/err" |
	    head -n 1)
	BASE=${URL%/mcp}
	HTTP_TLS=()
	case "$URL" in
	https://*) HTTP_TLS=(--cacert "$OBJ/ca.crt") ;;
	esac
	wait_workers
}

# Stop mcpd (SIGTERM, then SIGKILL after 10s) and reap it.
stop_http() {
	local i
	[ -n "${MCPD_PID:-}" ] || return 0
	kill "$MCPD_PID" 2>/dev/null
	for i in $(seq 1 200); do
		kill -0 "$MCPD_PID" 2>/dev/null || break
		sleep 0.05
	done
	kill -0 "$MCPD_PID" 2>/dev/null && kill -KILL "$MCPD_PID" 2>/dev/null
	wait "$MCPD_PID" 2>/dev/null
	MCPD_PID=
	return 0
}

# http_req METHOD PATH BODY [curl args...]: one request to $BASE$PATH.
# The bearer credential in $AUTH (if set) is sent as Authorization; the
# Content-Type is $CT (default application/json; set CT= for none) when
# there is a body ("" for none).  The status goes to $STATUS (000: no
# answer), curl's own port to $LOCAL_PORT, the response headers to
# $OBJ/hdr (CRs removed), the body to $OBJ/body, curl's errors to
# $OBJ/curl.err.
http_req() {
	local method=$1 path=$2 body=$3 ct=${CT-application/json}
	local -a a=()
	shift 3
	rm -f "$OBJ/hdr" "$OBJ/body" "$OBJ/auth.in"
	if [ -n "${AUTH:-}" ]; then
		(umask 077 && printf 'Authorization: Bearer %s\n' "$AUTH" \
		    > "$OBJ/auth.in") || fail "auth.in"
		a+=(-H "@$OBJ/auth.in")
	fi
	if [ -n "$body" ]; then
		a+=(--data-binary "$body")
		if [ -n "$ct" ]; then
			a+=(-H "Content-Type: $ct")
		else
			a+=(-H "Content-Type:")
		fi
	fi
	STATUS=$(curl -s -S --max-time 20 -X "$method" -o "$OBJ/body" \
	    -D "$OBJ/hdr.raw" -w '%{http_code} %{local_port}' \
	    ${HTTP_TLS[@]+"${HTTP_TLS[@]}"} "${a[@]}" "$@" "$BASE$path" \
	    2> "$OBJ/curl.err")
	LOCAL_PORT=${STATUS#* }
	STATUS=${STATUS%% *}
	[ -f "$OBJ/hdr.raw" ] && tr -d '\r' < "$OBJ/hdr.raw" > "$OBJ/hdr"
	rm -f "$OBJ/hdr.raw" "$OBJ/auth.in"
	[ -f "$OBJ/body" ] || : > "$OBJ/body"
	[ -f "$OBJ/hdr" ] || : > "$OBJ/hdr"
	return 0
}

http_post() {	# PATH BODY [curl args...]
	local path=$1 body=$2
	shift 2
	http_req POST "$path" "$body" "$@"
}

# The value of response header $1 (the last one of that name), or "".
http_header() {
	awk -v k="$1" 'BEGIN { k = tolower(k) ":" }
	    tolower(substr($0, 1, length(k))) == k {
		v = substr($0, length(k) + 1); sub(/^[ \t]+/, "", v)
	    }
	    END { printf "%s", v }' "$OBJ/hdr"
}

# The response body filtered by jq $1.
http_body() {
	jq -c "$1" < "$OBJ/body"
}

expect_status() {	# what expected
	expect_eq "$1: status" "$STATUS" "$2"
}

# JSON-RPC bodies for HTTP (one message each).
http_init() {	# [version]
	printf '{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"%s","capabilities":{},"clientInfo":{"name":"regress","version":"1"}}}' "${1:-2025-11-25}"
}

# A 2026-07-28 request: body params carry the _meta the version needs.
# modern_msg ID METHOD [PARAMS-JSON-without-_meta]
modern_msg() {
	local params=${3:-'{}'}
	jq -cn --argjson id "$1" --arg m "$2" --argjson p "$params" \
	    '{jsonrpc: "2.0", id: $id, method: $m, params: ($p + {_meta: {
	    "io.modelcontextprotocol/protocolVersion": "2026-07-28",
	    "io.modelcontextprotocol/clientCapabilities": {}}})}'
}

# http_modern ID METHOD [PARAMS-JSON] [curl args...]: a 2026-07-28 POST
# with MCP-Protocol-Version, Mcp-Method and (tools/call) Mcp-Name.
http_modern() {
	local id=$1 m=$2 p=${3:-'{}'} name
	local -a h=(-H "MCP-Protocol-Version: 2026-07-28" -H "Mcp-Method: $m")
	shift 3 2>/dev/null || shift $#
	if [ "$m" = tools/call ]; then
		name=$(jq -r '.name' <<< "$p")
		h+=(-H "Mcp-Name: $name")
	fi
	http_post /mcp "$(modern_msg "$id" "$m" "$p")" "${h[@]}" "$@"
}

# --- end of HTTP transport -----------------------------------------------
