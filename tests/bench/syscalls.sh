#!/bin/bash
# A measurement for the closing note of issue 3, not a test: how many
# system calls each seccomp profile allows, and which ones each process
# kind actually made once its filter was on, printed against the profile
# (used, allowed but unused, and used but not allowed, which is a kill).
#
#   bash tests/bench/syscalls.sh             one representative session
#   bash tests/bench/syscalls.sh --regress   every regress scenario
#
# The profiles are taken from the code itself: a small program linked with
# $O/libcommon.a asks sandbox_export() for each profile as libseccomp
# compiles it.  The calls are recorded with "strace -D -ff": one file per
# process, split at the process's own seccomp(SECCOMP_SET_MODE_FILTER).
# The representative session uses every built-in tool, a write large
# enough for a WAL checkpoint, a large sort in memory, FTS5, and a denied
# call.  With --regress, mcpd runs under strace in every scenario but
# those that provoke kills on purpose or cannot run under strace.
set -u
cd "$(dirname "$0")/../.."
O=${O:-build}
MODE=${1:-session}
command -v strace > /dev/null || { echo "strace is needed (apt-get install strace)" >&2; exit 1; }
[ -x "$O/mcpd" ] && [ -f "$O/libcommon.a" ] || { echo "build first: make all" >&2; exit 1; }
W=$(mktemp -d /tmp/mcpd-syscalls.XXXXXX) || exit 1
trap '[ -n "${KEEP:-}" ] || rm -rf "$W"' EXIT
chmod 755 "$W"
mkdir "$W/trace"

# --- the profiles, from the code --------------------------------------
cat > "$W/profile.c" <<'EOF'
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sandbox.h"

int
main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	return sandbox_export(strcmp(argv[1], "net") == 0 ? SANDBOX_NET :
	    SANDBOX_WORKER, STDOUT_FILENO) == 0 ? 0 : 1;
}
EOF
# shellcheck disable=SC2046
cc -std=c11 -D_GNU_SOURCE -Isandbox -Isrc/common -o "$W/profile" \
    "$W/profile.c" "$O/libcommon.a" $(pkg-config --libs libevent \
    libevent_openssl openssl jansson libjwt libseccomp sqlite3) ||
    { echo "cannot build the profile exporter" >&2; exit 1; }
for k in net worker; do
	"$W/profile" "$k" > "$W/$k.pfc" || { echo "sandbox_export $k failed" >&2; exit 1; }
	# One line per allowed call: name, then "filtered" if the rule
	# looks at arguments.
	awk '/# filter for syscall "/ {
		if (name != "") print name, filt
		n = $0; sub(/.*syscall "/, "", n); sub(/".*/, "", n)
		name = n; filt = ""
		next
	}
	/^  # default action/ { if (name != "") print name, filt; name = "" }
	name != "" && /\$a[0-9]/ { filt = "filtered" }' "$W/$k.pfc" |
	    sort -u > "$W/$k.allowed"
done

# --- the record --------------------------------------------------------
if [ "$MODE" = --regress ]; then
	# A copy of the tree whose $O/mcpd starts the real one under strace.
	T=$W/tree
	mkdir -p "$T/$O" "$T/tests"
	cat > "$T/$O/mcpd" <<EOF
#!/bin/sh
exec strace -D -ff -o "$W/trace/t" "$PWD/$O/mcpd" "\$@"
EOF
	chmod 755 "$T/$O/mcpd"
	ln -s "$PWD/$O/mcpctl" "$T/$O/mcpctl"
	ln -s "$PWD/$O/test-hooks" "$T/$O/test-hooks"
	cp -r tests/regress "$T/tests/"
	for d in interop unit bench; do ln -s "$PWD/tests/$d" "$T/tests/$d"; done
	ln -s "$PWD/conf" "$T/conf"
	ln -s "$PWD/man" "$T/man"
	for t in "$T"/tests/regress/*.sh; do
		n=$(basename "$t" .sh)
		case $n in
		# These provoke kills on purpose; install rebuilds $O (over
		# the wrapper); systemd-unit runs strace itself.
		lib|sandbox-*|confinement-*|install|systemd-unit) continue ;;
		esac
		timeout 120 bash "$t" > "$W/regress-$n.log" 2>&1 < /dev/null
		echo "  scenario $n: exit $?"
	done
	WHAT="the regress suite (less sandbox-*, confinement-*, install, systemd-unit)"
else
	# shellcheck source=../regress/lib.sh
	. tests/regress/lib.sh
	trap 'cleanup; [ -n "${KEEP:-}" ] || rm -rf "$W"' EXIT
	# One worker: two would race to switch the new database to WAL.
	setup "Workers 1" "RateLimit 100000/min"
	BULK='WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c LIMIT 20000) SELECT randomblob(1000) FROM c'
	{
		init_msg
		printf '{"jsonrpc":"2.0","id":1,"method":"ping"}\n'
		printf '{"jsonrpc":"2.0","id":2,"method":"tools/list"}\n'
		call_msg 3 list_tables '{}'
		call_msg 4 describe_table '{"table":"users"}'
		call_msg 5 query '{"sql":"SELECT name, email FROM users ORDER BY name"}'
		call_msg 6 query '{"sql":"WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c LIMIT 300000) SELECT x FROM c ORDER BY random()"}'
		call_msg 7 execute_sql '{"sql":"CREATE TABLE bulk(id INTEGER PRIMARY KEY, v BLOB)"}'
		call_msg 8 execute_sql "{\"sql\":\"INSERT INTO bulk(v) $BULK\"}"
		call_msg 9 query '{"sql":"SELECT count(*), sum(length(v)) FROM bulk"}'
		call_msg 10 execute_sql '{"sql":"CREATE VIRTUAL TABLE docs USING fts5(body)"}'
		call_msg 11 execute_sql '{"sql":"INSERT INTO docs(body) VALUES (\"privilege separation\"), (\"seccomp filters\"), (\"sandboxed parser\")"}'
		call_msg 12 query '{"sql":"SELECT rowid, body FROM docs WHERE docs MATCH '\''seccomp'\''"}'
		call_msg 13 execute_sql "{\"sql\":\"UPDATE bulk SET v = randomblob(1000) WHERE id % 2 = 0\"}"
		call_msg 14 delete_users '{"userIds":[1,2]}'
		call_msg 15 drop_table '{"table":"bulk"}'
		call_msg 16 query '{"sql":"SELECT count(*) FROM users"}'
		call_msg 17 no_such_tool '{}'
		call_msg 18 drop_table '{"table":"users"}' \
		    "{\"authorization\":\"Bearer $VIEWER_KEY\"}"
	} > "$OBJ/in"
	MCPD_API_KEY=$ADMIN_KEY strace -D -ff -o "$W/trace/t" "$MCPD" \
	    -f "$OBJ/mcpd.conf" --stdio < "$OBJ/in" > "$OBJ/out" 2> "$OBJ/err"
	echo "  session: exit $?, $(grep -c '"isError":false' "$OBJ/out") tool results, $(grep -c '"isError":true' "$OBJ/out") tool errors"
	for i in $(seq 3 16); do
		[ "$(answer "$i" '.result.isError')" = false ] ||
		    echo "  warning: call $i: $(answer "$i" '.result.content[0].text // .error.message')"
	done
	WHAT="one representative session"
fi

# --- the summary -------------------------------------------------------
# kind name count, for every call after the process's own filter.
awk '
FNR == 1 { kind = "monitor"; on = 0 }
/^execve(at)?\(/ && /\["mcpd: net"/ { kind = "net" }
/^execve(at)?\(/ && /\["mcpd: worker"/ { kind = "worker" }
/^seccomp\(SECCOMP_SET_MODE_FILTER, 0,.*= 0$/ { on = 1; procs[kind]++; next }
on && /^[a-z_0-9]+\(/ { n = $0; sub(/\(.*/, "", n); count[kind " " n]++; last[FILENAME] = n }
on && /^\+\+\+ killed by SIGSYS/ { print kind, "KILLED-AT-" last[FILENAME], 1 }
END {
	for (k in count) print k, count[k]
	for (k in procs) print k, "#procs", procs[k]
}' "$W"/trace/t.* > "$W/used"

echo
echo "System calls under the seccomp filters, during $WHAT"
for k in net worker; do
	nallowed=$(wc -l < "$W/$k.allowed")
	nfilt=$(grep -c ' filtered$' "$W/$k.allowed")
	nprocs=$(awk -v k="$k" '$1 == k && $2 == "#procs" { print $3 }' "$W/used")
	awk -v k="$k" '$1 == k && $2 !~ /^#/ { print $2, $3 }' "$W/used" | sort > "$W/$k.used"
	echo
	echo "== $k: $nallowed system calls allowed ($nfilt of them only with" \
	    "certain arguments); ${nprocs:-0} processes recorded"
	echo "   allowed: $(awk '{ printf "%s%s ", $1, ($2 == "filtered" ? "*" : "") }' "$W/$k.allowed")"
	echo "   (* = argument filter)"
	echo "   used, with the number of calls:"
	join "$W/$k.used" <(awk '{ print $1 }' "$W/$k.allowed") |
	    awk '{ printf "      %-18s %d\n", $1, $2 }'
	echo "   allowed but not used: $(join -v 2 "$W/$k.used" <(awk '{ print $1 }' "$W/$k.allowed") | tr '\n' ' ')"
	notallowed=$(join -v 1 "$W/$k.used" <(awk '{ print $1 }' "$W/$k.allowed") | grep -v '^KILLED-AT-' | awk '{ print $1 }' | tr '\n' ' ')
	echo "   used but NOT allowed (each one a kill): ${notallowed:-none}"
	kills=$(awk '$1 ~ /^KILLED-AT-/ { sub(/^KILLED-AT-/, "", $1); printf "%s(%d) ", $1, $2 }' "$W/$k.used")
	echo "   processes killed by SIGSYS, at: ${kills:-none}"
	echo "   used: $(grep -vc '^KILLED-AT-' "$W/$k.used") of $nallowed allowed"
done
