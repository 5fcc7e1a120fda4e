#!/bin/bash
# "make demo": build the demo data under demo/ and run one scripted MCP
# client session against mcpd over stdio, as dev@example.com: an allowed
# call, a denied one, then the audit log.
set -eu
cd "$(dirname "$0")/.."
top=$(pwd)
MCPD=${MCPD:-$top/build/mcpd}
MCPCTL=${MCPCTL:-$top/build/mcpctl}

umask 077
rm -rf demo
mkdir -p demo
chmod 755 demo
sqlite3 demo/demo.db < conf/demo.sql
head -c 32 /dev/urandom > demo/audit.key
for who in admin:admin,developer,viewer dev:developer,viewer viewer:viewer; do
	name=${who%%:*}
	roles=${who#*:}
	"$MCPCTL" key new --user "$name@example.com" --roles "$roles" \
	    -f demo/authorized_keys > "demo/$name.key"
done

# As root the net process is chrooted to the default PrivsepChroot, whose
# every path component must belong to root (a checkout under /tmp would
# not do); make install creates it too.
if [ "$(id -u)" -eq 0 ]; then
	mkdir -p /var/lib/mcpd/empty
	chmod 755 /var/lib/mcpd /var/lib/mcpd/empty
	for u in _mcpd _mcpdtool; do
		if ! getent passwd "$u" >/dev/null; then
			echo "creating system user $u (privilege separation)"
			useradd --system --no-create-home --home-dir /nonexistent \
			    --shell /usr/sbin/nologin "$u"
		fi
	done
fi

echo "== demo data in demo/: demo.db, authorized_keys, {admin,dev,viewer}.key, audit.key"
"$MCPCTL" key list -f demo/authorized_keys
echo

echo "\$ mcpd -f conf/demo.conf --stdio    (started by the client below, MCPD_API_KEY=<demo/dev.key>)"
MCPD_API_KEY=$(cat demo/dev.key)
export MCPD_API_KEY
coproc MCPD { exec "$MCPD" -f conf/demo.conf --stdio; }
# Bash unsets a coprocess's variables as soon as it has reaped it, which
# may happen at any point once the server exits: keep copies.
mcpd_pid=$MCPD_PID
in=${MCPD[1]}
out=${MCPD[0]}
unset MCPD_API_KEY

# Send one request and print the answer; bounded by read's timeout.
call() {
	local label=$1 req=$2 resp
	echo "client (as dev@example.com) -> $label"
	printf '%s\n' "$req" >&"$in"
	if ! IFS= read -r -t 20 resp <&"$out"; then
		echo "no answer from mcpd" >&2
		exit 1
	fi
	if jq -e '.result.tools' >/dev/null <<<"$resp"; then
		echo "<- tools: $(jq -r '[.result.tools[].name] | join(", ")' <<<"$resp")"
	elif jq -e '.result.protocolVersion' >/dev/null <<<"$resp"; then
		echo "<- $(jq -r '.result | "\(.serverInfo.name) \(.serverInfo.version), protocol \(.protocolVersion)"' <<<"$resp")"
	elif jq -e '.result.isError == true' >/dev/null <<<"$resp"; then
		echo "<- isError: true"
		jq -r '.result.content[0].text' <<<"$resp"
	elif jq -e '.result.content' >/dev/null <<<"$resp"; then
		echo "<- isError: false"
		jq -r '.result.content[0].text' <<<"$resp" | jq -c . 2>/dev/null ||
		    jq -r '.result.content[0].text' <<<"$resp"
	else
		echo "<- $(jq -c . <<<"$resp")"
	fi
	echo
}

sleep 0.5
call "initialize" '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"mcpd-demo","version":"1.0"}}}'
printf '%s\n' '{"jsonrpc":"2.0","method":"notifications/initialized"}' >&"$in"
call "tools/list" '{"jsonrpc":"2.0","id":2,"method":"tools/list"}'
call "tools/call list_tables" '{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"list_tables","arguments":{}}}'
call "tools/call query" '{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"query","arguments":{"sql":"SELECT name, email, role FROM users ORDER BY id LIMIT 3"}}}'
call "tools/call delete_users" '{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"delete_users","arguments":{"userIds":["2"]}}}'

exec {in}>&-
rc=0
wait "$mcpd_pid" || rc=$?
if [ "$rc" -ne 0 ]; then
	echo "mcpd exited with status $rc" >&2
	exit 1
fi

echo "\$ mcpctl audit show demo/audit.log"
"$MCPCTL" audit show demo/audit.log
echo
echo "\$ mcpctl audit verify demo/audit.log --key-file demo/audit.key"
"$MCPCTL" audit verify demo/audit.log --key-file demo/audit.key
