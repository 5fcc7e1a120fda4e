#!/bin/bash
# make install honours PREFIX and DESTDIR, installs the programs, the three
# man pages and the example configuration, and keeps an existing config.
. "$(dirname "$0")/lib.sh"
setup
D=$OBJ/root
make -s -C "$TOP" install O="$O" DESTDIR="$D" PREFIX=/opt/mcpd \
    SYSCONFDIR=/etc > "$OBJ/out" 2>&1 || fail "make install: $(cat "$OBJ/out")"
for f in /opt/mcpd/sbin/mcpd /opt/mcpd/bin/mcpctl; do
	[ -x "$D$f" ] || fail "$f missing"
done
for f in man1/mcpctl.1 man5/mcpd.conf.5 man8/mcpd.8; do
	[ -f "$D/opt/mcpd/share/man/$f" ] || fail "$f missing"
done
expect_eq "config mode" "$(stat -c %a "$D/etc/mcpd/mcpd.conf")" 644
cmp -s "$D/etc/mcpd/mcpd.conf" "$TOP/conf/mcpd.conf" || fail "config differs"
# The installed daemon works.
"$D/opt/mcpd/sbin/mcpd" -t -f "$OBJ/mcpd.conf" 2>"$OBJ/err" || fail "installed mcpd -t"
# An existing configuration is kept.
echo "# local" > "$D/etc/mcpd/mcpd.conf"
make -s -C "$TOP" install O="$O" DESTDIR="$D" PREFIX=/opt/mcpd \
    SYSCONFDIR=/etc > "$OBJ/out" 2>&1 || fail "second make install"
expect_eq "config kept" "$(cat "$D/etc/mcpd/mcpd.conf")" "# local"
exit 0
