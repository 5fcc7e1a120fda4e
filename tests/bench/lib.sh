# Shared by the benchmark scripts (compare.sh, against.sh): sourced, not run.

# The privilege-separation users and the default PrivsepChroot, as
# "make install" makes them, when run as root.
bench_privsep_setup() {
	local u
	[ "$(id -u)" -eq 0 ] || return 0
	mkdir -p /var/lib/mcpd/empty
	chmod 755 /var/lib/mcpd /var/lib/mcpd/empty
	for u in _mcpd _mcpdtool; do
		getent passwd "$u" >/dev/null || useradd --system \
		    --no-create-home --home-dir /nonexistent \
		    --shell /usr/sbin/nologin "$u"
	done
}

free_port() {
	python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# RSS of a server: its process and its children.  Prints the total in KB
# and the processes as "name=KB ...".
rss_of() {
	ps -o rss=,comm= -p "$1" --ppid "$1" 2>/dev/null | awk '
	    { t += $1; d = d (d == "" ? "" : " ") $2 "=" $1 }
	    END { printf "%d\t%s\n", t, d }'
}

# CPU time of a server in clock ticks: its own, its reaped children's and
# its live children's.  Taken before and after a run, it gives the CPU a
# call costs, which other load on the machine does not change much.
cpu_ticks() {
	local p t=0
	for p in "$1" $(pgrep -P "$1"); do
		t=$((t + $(awk -v top="$([ "$p" = "$1" ] && echo 1 || echo 0)" '{
		    s = $0; sub(/^.*\) /, "", s); split(s, f, " ")
		    print f[12] + f[13] + (top ? f[14] + f[15] : 0) }' \
		    "/proc/$p/stat" 2>/dev/null || echo 0)))
	done
	echo "$t"
}
HZ=$(getconf CLK_TCK)

# The RESULT line of a wrk output (tests/bench/http_call.lua) as shell
# variables.
result() {
	local r
	r=$(grep '^RESULT' "$1") || return 1
	eval "${r#RESULT }"
}
