#!/bin/bash
# The process boundaries checked on the built executables: what each
# image must not contain (tests/image/rules, the one list).
#
#   tests/image/check.sh [DIR]          check DIR/mcpd, mcpd-net, mcpd-worker
#                                       (default build); prints each
#                                       violation, exits 1 if any
#   tests/image/check.sh --self-test [O]
#                                       links, in O/image-selftest (make
#                                       image-selftest), each executable
#                                       with forbidden objects added,
#                                       and passes only if the check
#                                       catches each, naming the rule
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
	    "mcpd: JSON-RPC/MCP/HTTP parsing (def mcp_registry_new)"; do
		if ! printf '%s\n' "$out" | grep -qxF "$want"; then
			echo "not caught: $want"
			fail=1
		fi
	done
	exit "$fail"
fi

check "${1:-build}"
