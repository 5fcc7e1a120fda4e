#!/bin/bash
# The process boundaries checked on the built executables: what each
# image must not contain (tests/image/rules, the one list).
#
#   tests/image/check.sh [DIR]          check DIR/mcpd, mcpd-net, mcpd-worker,
#                                       mcpd-launch (default build); prints
#                                       each violation, exits 1 if any
#   tests/image/check.sh --self-test [O]
#                                       links, in O/image-selftest (make
#                                       image-selftest), each executable
#                                       with forbidden objects added,
#                                       and passes only if the check
#                                       catches each, naming the rule;
#                                       and compiles a file of each
#                                       process that includes another's
#                                       header, which must fail
set -u
cd "$(dirname "$0")/../.."
RULES=tests/image/rules

# defs IMAGE: the names of the functions and objects it defines, without
# the compiler's suffixes (.constprop.0, .isra.0, .part.0).
defs() {
	nm --defined-only "$1" | awk 'NF == 3 { print $3 }' | sed 's/\..*$//' |
	    sort -u
}
imps() {
	nm -D --undefined-only "$1" | awk '{ print $NF }' | sed 's/@.*$//' |
	    sort -u
}
libs() {
	readelf -d "$1" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p'
}

# check DIR: one line per rule broken, "IMAGE: WHAT (KIND NAME)".
check() {
	local dir=$1 image kind pat what names n bad=0
	while read -r image kind pat what; do
		case $image in ''|'#'*) continue ;; esac
		if [ ! -f "$dir/$image" ]; then
			echo "$dir/$image: missing"
			bad=1
			continue
		fi
		case $kind in
		def)	names=$(defs "$dir/$image") ;;
		imp)	names=$(imps "$dir/$image") ;;
		lib)	names=$(libs "$dir/$image") ;;
		*)	echo "$RULES: bad kind $kind"; return 2 ;;
		esac
		for n in $(printf '%s\n' "$names" | grep -E "^($pat)\$"); do
			echo "$image: $what ($kind $n)"
			bad=1
		done
	done < "$RULES"
	return "$bad"
}

if [ "${1:-}" = --self-test ]; then
	O=${2:-build}
	make -s --no-print-directory O="$O" image-selftest >/dev/null ||
	    { echo "make image-selftest failed"; exit 1; }
	out=$(check "$O/image-selftest")
	fail=0
	# Each image has forbidden objects linked in (Makefile,
	# image-selftest); the check must name each.
	for want in "mcpd-net: config parsing (def config_load_file)" \
	    "mcpd-net: the workers' seccomp profile (def sandbox_worker_apply)" \
	    "mcpd-worker: HTTP or MCP parsing (def mcp_session_new)" \
	    "mcpd-worker: the net process's seccomp profile (def sandbox_net_apply)" \
	    "mcpd: JSON-RPC/MCP/HTTP parsing (def mcp_registry_new)" \
	    "mcpd-launch: config parsing (def config_load_file)" \
	    "mcpd-launch: the audit (def audit_open)" \
	    "mcpd-launch: SQLite (def sqltools_open)"; do
		if ! printf '%s\n' "$out" | grep -qxF "$want"; then
			echo "not caught: $want"
			fail=1
		fi
	done
	# And a file of one process that includes another's header does not
	# compile: each folder sees only its own headers and the shared ones.
	t=$(mktemp -d /tmp/mcpd-image.XXXXXX) || exit 1
	make -s --no-print-directory print-incs > "$t/incs" ||
	    { echo "make print-incs failed"; exit 1; }
	while read -r who header; do
		flags=$(sed -n "s/^$who //p" "$t/incs")
		[ -n "$flags" ] || { echo "no include flags for $who"; fail=1; }
		printf '#include "%s"\n' "$header" > "$t/probe.c"
		# shellcheck disable=SC2086
		if cc -fsyntax-only $flags "$t/probe.c" 2> "$t/err"; then
			echo "$who code can include $header"
			fail=1
		elif ! grep -q "$header: No such file" "$t/err"; then
			echo "$who including $header: $(cat "$t/err")"
			fail=1
		fi
	done <<-EOF
	net config.h
	net audit.h
	net authn.h
	net tlskey.h
	net sqltools.h
	worker http.h
	worker mcp.h
	worker config.h
	worker audit.h
	monitor mcp.h
	monitor http.h
	monitor schema.h
	monitor net_wrap.h
	shared config.h
	shared net.h
	shared worker.h
	launch config.h
	launch mcp.h
	launch worker.h
	shared launch.h
	EOF
	# The same probe with a header of its own process compiles, so the
	# failures above are the boundary's and not the probe's.
	printf '#include "net_wrap.h"\n' > "$t/probe.c"
	# shellcheck disable=SC2046
	cc -fsyntax-only $(sed -n 's/^net //p' "$t/incs") \
	    $(pkg-config --cflags libevent jansson) "$t/probe.c" ||
	    { echo "net code cannot include net_wrap.h"; fail=1; }
	rm -rf "$t"
	exit "$fail"
fi

check "${1:-build}"
