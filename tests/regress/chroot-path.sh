#!/bin/bash
# As root, PrivsepChroot and every directory above it must belong to root
# and be writable by nobody else (as sshd checks its chroot): otherwise
# mcpd -t and mcpd refuse, naming the component.
. "$(dirname "$0")/lib.sh"
is_root || skip "not root: the net process is not chrooted"
setup
t() { "$MCPD" -t -f "$OBJ/mcpd.conf" -o "PrivsepChroot=$1" 2>&1; }
out=$(t "/var/lib/mcpd/no-such-dir.$$"); rc=$?
expect_eq "missing rc" "$rc" 1
case "$out" in *"Missing privilege separation directory: /var/lib/mcpd/no-such-dir.$$"*) ;;
*) fail "missing: $out" ;; esac
mkdir -m 755 "$OBJ/empty-under-tmp"
out=$(t "$OBJ/empty-under-tmp"); rc=$?
expect_eq "under /tmp rc" "$rc" 1
case "$out" in *'bad ownership or modes for chroot directory component "/tmp"'*) ;;
*) fail "under /tmp: $out" ;; esac
d=/var/lib/mcpd/regress-chroot.$$
mkdir -p "$d/empty"
chmod 775 "$d"
out=$(t "$d/empty"); rc=$?
expect_eq "group-writable rc" "$rc" 1
case "$out" in *"bad ownership or modes for chroot directory component \"$d\""*) ;;
*) rm -rf "$d"; fail "group-writable: $out" ;; esac
chmod 755 "$d"
chown nobody "$d/empty"
out=$(t "$d/empty"); rc=$?
case "$out" in *"component \"$d/empty\""*) ;;
*) rm -rf "$d"; fail "not root's: $out" ;; esac
chown root "$d/empty"
t "$d/empty" > /dev/null || { rm -rf "$d"; fail "a good chroot refused"; }
rm -rf "$d"
exit 0
