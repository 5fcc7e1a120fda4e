#!/bin/bash
# The audit log and its directory are checked like the secret files
# (issue 11, item 3): owned by root or the running user, not writable by
# group or others; otherwise mcpd refuses to start, naming the file.  A
# log readable by a group (0640) is fine: it holds no secret.
. "$(dirname "$0")/lib.sh"
setup
init_msg > "$OBJ/in"
KEY=$DEV_KEY run_mcpd || fail "first start: $(tail -n 1 "$OBJ/err")"

refused() {	# what message
	KEY=$DEV_KEY run_mcpd && fail "$1: mcpd started"
	expect_eq "$1" "$(grep -o 'fatal: .*' "$OBJ/err")" "fatal: audit log: $2"
}

chmod 0666 "$OBJ/audit.log"
refused "log 0666" "audit log $OBJ/audit.log is writable by group or others (mode 0666); it must not be"
chmod 0602 "$OBJ/audit.log"
refused "log 0602" "audit log $OBJ/audit.log is writable by group or others (mode 0602); it must not be"
chmod 0640 "$OBJ/audit.log"
KEY=$DEV_KEY run_mcpd || fail "log 0640: $(tail -n 1 "$OBJ/err")"

chmod 0775 "$OBJ"
refused "directory 0775" "audit log directory $OBJ is writable by group or others (mode 0775); it must not be"
chmod 1777 "$OBJ"
refused "directory 1777" "audit log directory $OBJ is writable by group or others (mode 1777); it must not be"
chmod 0755 "$OBJ"

if is_root; then
	ensure_user "$TEST_NET_USER"
	chown "$TEST_NET_USER" "$OBJ/audit.log"
	refused "log owner" "audit log $OBJ/audit.log is owned by uid $(id -u "$TEST_NET_USER"), not root or the running user"
	chown 0 "$OBJ/audit.log"
	chown "$TEST_NET_USER" "$OBJ"
	refused "directory owner" "audit log directory $OBJ is owned by uid $(id -u "$TEST_NET_USER"), not root or the running user"
	chown 0 "$OBJ"
fi
KEY=$DEV_KEY run_mcpd || fail "last start: $(tail -n 1 "$OBJ/err")"
audit_verify
exit 0
