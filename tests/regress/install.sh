#!/bin/bash
# make install honours PREFIX and DESTDIR, installs the programs, the three
# man pages, the example configuration and the systemd unit (its paths
# rewritten to the installed ones), creates the directories mcpd needs with
# their modes, and keeps an existing config.  With DESTDIR set it creates
# no user but prints the useradd lines; as root, "make install-users"
# alone creates the missing system users and is idempotent.
. "$(dirname "$0")/lib.sh"
setup
D=$OBJ/root
USERADD="useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin"
sum_users() {
	cat /etc/passwd /etc/group /etc/shadow 2>/dev/null | sha256sum
}
users_before=$(sum_users)
# INSTALL_O: the installed mcpd is linked here, not in the shared tree.
make -s -C "$TOP" install O="$O" INSTALL_O="$OBJ/inst" DESTDIR="$D" \
    PREFIX=/opt/mcpd SYSCONFDIR=/etc > "$OBJ/out" 2>&1 ||
    fail "make install: $(cat "$OBJ/out")"
for f in /opt/mcpd/sbin/mcpd /opt/mcpd/bin/mcpctl \
    /opt/mcpd/libexec/mcpd/mcpd-net /opt/mcpd/libexec/mcpd/mcpd-worker \
    /opt/mcpd/libexec/mcpd/mcpd-launch; do
	[ -x "$D$f" ] || fail "$f missing"
	expect_eq "mode of $f" "$(stat -c %a "$D$f")" 755
done
# The installed monitor executes its children from the installed libexec
# directory, not from the build tree.
grep -q /opt/mcpd/libexec/mcpd "$D/opt/mcpd/sbin/mcpd" ||
    fail "installed mcpd does not name /opt/mcpd/libexec/mcpd"
grep -q "$(cd "$TOP/$O" && pwd)" "$D/opt/mcpd/sbin/mcpd" &&
    fail "installed mcpd names the build tree"
for f in man1/mcpctl.1 man5/mcpd.conf.5 man8/mcpd.8; do
	[ -f "$D/opt/mcpd/share/man/$f" ] || fail "$f missing"
done
expect_eq "config mode" "$(stat -c %a "$D/etc/mcpd/mcpd.conf")" 644
cmp -s "$D/etc/mcpd/mcpd.conf" "$TOP/conf/mcpd.conf" || fail "config differs"

# The unit, with the installed paths in every command and nowhere else
# changed.
U=$D/lib/systemd/system/mcpd.service
[ -f "$U" ] || fail "unit not installed in /lib/systemd/system"
expect_eq "unit mode" "$(stat -c %a "$U")" 644
expect_eq "ExecStart" "$(grep '^ExecStart=' "$U")" \
    "ExecStart=/opt/mcpd/sbin/mcpd -D -f /etc/mcpd/mcpd.conf"
expect_eq "ExecStartPre" "$(grep '^ExecStartPre=' "$U")" \
    "ExecStartPre=/opt/mcpd/sbin/mcpd -t -f /etc/mcpd/mcpd.conf"
expect_eq "ExecReload" "$(grep '^ExecReload=' "$U" | tr '\n' ';')" \
    "ExecReload=/opt/mcpd/sbin/mcpd -t -f /etc/mcpd/mcpd.conf;ExecReload=/bin/kill -HUP \$MAINPID;"
grep -q /usr/local "$U" && fail "unit still names /usr/local"
diff <(grep -v '^Exec' "$U") <(grep -v '^Exec' "$TOP/conf/mcpd.service") \
    > /dev/null || fail "unit changed beyond its Exec lines"

# The directories, with their modes (and owned by root when installed by
# root).
for dm in /etc/mcpd:755 /var/lib/mcpd:755 /var/lib/mcpd/empty:755 \
    /var/log/mcpd:750; do
	d=${dm%:*}
	[ -d "$D$d" ] || fail "$d not created"
	expect_eq "mode of $d" "$(stat -c %a "$D$d")" "${dm#*:}"
	if is_root; then
		expect_eq "owner of $d" "$(stat -c %u:%g "$D$d")" 0:0
	fi
done
[ -z "$(ls -A "$D/var/lib/mcpd/empty")" ] || fail "empty is not empty"

# With DESTDIR, no user is created; the lines to create them are printed,
# each exactly as it is to be run.
expect_eq "users unchanged" "$(sum_users)" "$users_before"
grep -qxF "$USERADD _mcpd" "$OBJ/out" || fail "no useradd line for _mcpd"
grep -qxF "$USERADD _mcpdtool" "$OBJ/out" ||
    fail "no useradd line for _mcpdtool"

# Staged under DESTDIR, the installed daemon cannot find its children
# where it was built to look, and says so.
"$D/opt/mcpd/sbin/mcpd" -t -f "$OBJ/mcpd.conf" 2>"$OBJ/err" &&
    fail "staged mcpd -t passed without /opt/mcpd/libexec/mcpd"
grep -q "/opt/mcpd/libexec/mcpd: No such file or directory" "$OBJ/err" ||
    fail "staged mcpd -t: $(cat "$OBJ/err")"

# In place (a mount namespace of its own puts the staged /opt/mcpd at
# /opt/mcpd, over an empty tmpfs /opt that no one else sees), it works:
# a whole session with a tool call in a worker.
if is_root && command -v unshare > /dev/null; then
	cat > "$OBJ/in-place" <<EOF
#!/bin/sh
exec unshare -m --propagation private sh -c 'mount -t tmpfs -o mode=755 tmpfs /opt &&
    mkdir /opt/mcpd && mount --bind "\$0" /opt/mcpd && exec /opt/mcpd/sbin/mcpd "\$@"' \
    "$D/opt/mcpd" "\$@"
EOF
	chmod 755 "$OBJ/in-place"
	"$OBJ/in-place" -t -f "$OBJ/mcpd.conf" 2>"$OBJ/err" ||
	    fail "installed mcpd -t: $(cat "$OBJ/err")"
	{ init_msg; call_msg 1 list_tables '{}'; } > "$OBJ/in"
	KEY=$DEV_KEY MCPD=$OBJ/in-place run_mcpd ||
	    fail "installed mcpd: $(cat "$OBJ/err")"
	expect_eq "installed mcpd: tool call" "$(answer 1 '.result.isError')" false
fi

# An existing configuration is kept; a directory with a wrong mode is
# repaired; SYSTEMDUNITDIR moves the unit.
echo "# local" > "$D/etc/mcpd/mcpd.conf"
chmod 0777 "$D/var/log/mcpd"
make -s -C "$TOP" install O="$O" INSTALL_O="$OBJ/inst" DESTDIR="$D" \
    PREFIX=/opt/mcpd SYSCONFDIR=/etc SYSTEMDUNITDIR=/usr/lib/systemd/system \
    > "$OBJ/out" 2>&1 || fail "second make install"
expect_eq "config kept" "$(cat "$D/etc/mcpd/mcpd.conf")" "# local"
expect_eq "log dir mode repaired" "$(stat -c %a "$D/var/log/mcpd")" 750
grep -q '^ExecStart=/opt/mcpd/sbin/mcpd ' "$D/usr/lib/systemd/system/mcpd.service" ||
    fail "unit not installed in SYSTEMDUNITDIR"

# install-users alone, as root, for this system: both users exist
# afterwards as system accounts without a home or a shell, and a second
# run changes nothing and prints nothing.
is_root || skip "not root: install-users for this system not tested"
make -s -C "$TOP" install-users DESTDIR= > "$OBJ/out" 2>&1 ||
    fail "make install-users: $(cat "$OBJ/out")"
for u in _mcpd _mcpdtool; do
	ent=$(getent passwd "$u") || fail "install-users did not create $u"
	IFS=: read -r _ _ uid gid _ home shell <<< "$ent"
	if [ "$uid" -le 0 ] || [ "$uid" -ge 1000 ]; then
		fail "$u: uid $uid, not a system account's"
	fi
	[ "$gid" -gt 0 ] || fail "$u: gid $gid"
	expect_eq "$u home" "$home" /nonexistent
	expect_eq "$u shell" "$shell" /usr/sbin/nologin
	grep -vxF "$USERADD $u" "$OBJ/out" | grep -q "$u" &&
	    fail "unexpected output about $u: $(cat "$OBJ/out")"
done
users_before=$(sum_users)
make -s -C "$TOP" install-users DESTDIR= > "$OBJ/out" 2>&1 ||
    fail "second make install-users: $(cat "$OBJ/out")"
expect_eq "second install-users output" "$(cat "$OBJ/out")" ""
expect_eq "users unchanged by a second install-users" "$(sum_users)" \
    "$users_before"
exit 0
