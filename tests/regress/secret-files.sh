#!/bin/bash
# Secret files (AuthorizedKeysFile, AuditKeyFile) are refused, by name, as
# sshd refuses an "UNPROTECTED PRIVATE KEY FILE": any group or other
# permission bit, an owner other than root or the running user, a
# symbolic link.  Both mcpd -t and a real start fail with exit status 1 and
# the exact message; 0600 (and 0400) files work.  Then, with a session
# open: the monitor's /proc/PID/environ no longer holds the credentials it
# took from MCPD_API_KEY and MCPD_TOKEN (wiped before any fork; the names
# may remain), and no child has any MCPD_ variable at all.
. "$(dirname "$0")/lib.sh"
setup
C=$OBJ/mcpd.conf
AK=$OBJ/audit.key
KF=$OBJ/keys

# refused WHAT CONFIG MESSAGE: mcpd -t and a real start both fail with
# exit status 1 and "fatal: MESSAGE" alone on a line of stderr.
refused() {
	local rc
	"$MCPD" -t -f "$2" > "$OBJ/out" 2> "$OBJ/err"
	rc=$?
	expect_eq "$1: mcpd -t exit status" "$rc" 1
	expect_eq "$1: mcpd -t stdout" "$(cat "$OBJ/out")" ""
	expect_eq "$1: mcpd -t message" \
	    "$(sed 's/^mcpd\[[0-9]*\]: //' "$OBJ/err")" "fatal: $3"
	init_msg > "$OBJ/in"
	env MCPD_API_KEY="$DEV_KEY" timeout 30 "$MCPD" -f "$2" --stdio \
	    < "$OBJ/in" > "$OBJ/out" 2> "$OBJ/err"
	rc=$?
	expect_eq "$1: start exit status" "$rc" 1
	expect_eq "$1: start stdout" "$(cat "$OBJ/out")" ""
	sed 's/^mcpd\[[0-9]*\]: //' "$OBJ/err" | grep -qxF -- "fatal: $3" ||
	    fail "$1: start: message missing: $(cat "$OBJ/err")"
	grep -q 'Server ready' "$OBJ/err" && fail "$1: server became ready"
	return 0
}

unprotected() {	# path mode
	printf 'UNPROTECTED SECRET FILE: %s is accessible by group or others (mode %s); it must be 0600 or stricter' "$1" "$2"
}

# The files as setup made them work.
expect_eq "audit key mode" "$(stat -c %a "$AK")" 600
expect_eq "keys file mode" "$(stat -c %a "$KF")" 600
"$MCPD" -t -f "$C" > "$OBJ/out" 2> "$OBJ/err" || fail "-t: $(cat "$OBJ/err")"

# Audit key: group- or world-readable.
for m in 0640 0604 0660 0644; do
	chmod "$m" "$AK"
	refused "audit key $m" "$C" "$(unprotected "$AK" "$m")"
done
chmod 0400 "$AK"
"$MCPD" -t -f "$C" 2> "$OBJ/err" || fail "audit key 0400: $(cat "$OBJ/err")"
chmod 0600 "$AK"

# AuthorizedKeysFile: readable by group or others is refused too now (the
# hashes allow an offline search), as is writable.
for m in 0644 0620 0640 0604 0602; do
	chmod "$m" "$KF"
	refused "keys file $m" "$C" "$(unprotected "$KF" "$m")"
done
chmod 0600 "$KF"

# A symbolic link to a good file (opened with O_NOFOLLOW).
ln -s "$AK" "$OBJ/link-to-audit.key" || fail "ln"
sed "s|^AuditKeyFile .*|AuditKeyFile $OBJ/link-to-audit.key|" "$C" > "$OBJ/l1.conf"
refused "audit key symlink" "$OBJ/l1.conf" "$OBJ/link-to-audit.key: is a symbolic link"
ln -s "$KF" "$OBJ/keys.link" || fail "ln"
sed "s|^AuthorizedKeysFile .*|AuthorizedKeysFile $OBJ/keys.link|" "$C" > "$OBJ/l2.conf"
refused "keys file symlink" "$OBJ/l2.conf" "$OBJ/keys.link: is a symbolic link"

# Owned by another user: only root can make such a file.
if is_root; then
	nobody=$(id -u nobody) || fail "no user nobody"
	chown nobody "$AK" || fail "chown"
	refused "audit key owner" "$C" \
	    "$AK is owned by uid $nobody, not root or the running user"
	chown root "$AK" || fail "chown"
	chown nobody "$KF" || fail "chown"
	refused "keys file owner" "$C" \
	    "$KF is owned by uid $nobody, not root or the running user"
	chown root "$KF" || fail "chown"
fi

# Back to 0600: the daemon starts and the key works (tools/list needs no
# worker, so this checks the key file alone).
"$MCPD" -t -f "$C" > "$OBJ/out" 2> "$OBJ/err" || fail "-t: $(cat "$OBJ/err")"
expect_eq "-t is silent" "$(cat "$OBJ/out" "$OBJ/err")" ""
# mcpctl key list reads the same 0600 file.
"$MCPCTL" key list -f "$KF" > "$OBJ/list" || fail "key list"
expect_eq "key list" "$(grep -c '@example.com' "$OBJ/list")" 3

# The environment credentials: a session with MCPD_API_KEY and MCPD_TOKEN.
TOKEN=tok-$(head -c 24 /dev/urandom | od -An -v -tx1 | tr -d ' \n')
secret_record "$TOKEN"
# MCPD_RATE_LIMIT (the default value) is no secret and stays in the
# monitor's environment: it shows that the children's is really empty.
MCPD_RATE_LIMIT=100 MCPD_TOKEN=$TOKEN KEY=$DEV_KEY start_mcpd
send "$(init_msg | head -n 1)"
wait_answer 0
send '{"jsonrpc":"2.0","id":1,"method":"tools/list"}'
wait_answer 1
expect_eq "tools for dev" "$(answer 1 '.result.tools | length')" 4
if is_root; then
	# Read as root: the monitor is not dumpable, so only root may.
	tr '\0' '\n' < "/proc/$MCPD_PID/environ" > "$OBJ/environ.monitor" ||
	    fail "cannot read the monitor's environ"
	grep -qx 'MCPD_RATE_LIMIT=100' "$OBJ/environ.monitor" ||
	    fail "MCPD_RATE_LIMIT not in the monitor's environ"
	for v in "$DEV_KEY" "${DEV_KEY:14}" "$TOKEN" "${TOKEN:4}"; do
		grep -qF -- "$v" "$OBJ/environ.monitor" &&
		    fail "a credential is still in the monitor's environ"
	done
	pids=$(pgrep -P "$MCPD_PID")
	expect_eq "children" "$(echo "$pids" | wc -w)" 3	# net + 2 workers
	for p in $pids; do
		tr '\0' '\n' < "/proc/$p/environ" > "$OBJ/environ.$p" ||
		    fail "cannot read environ of $p"
		grep -q '^MCPD_' "$OBJ/environ.$p" &&
		    fail "child $p has an MCPD_ variable: $(grep -o '^MCPD_[A-Z_]*' "$OBJ/environ.$p")"
	done
fi
stop_mcpd || fail "exit status $?"
is_root || skip "not root: owner and /proc environ checks skipped"
exit 0
