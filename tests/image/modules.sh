#!/bin/bash
# What each executable is made of: its size, the libraries it needs, and
# the project's objects the linker took into it (from the link map the
# Makefile writes beside it), one line per executable.
#
#   tests/image/modules.sh [DIR]     (default build)
set -u
cd "$(dirname "$0")/../.."
dir=${1:-build}
for p in mcpd mcpd-net mcpd-worker mcpd-launch mcpctl; do
	[ -f "$dir/$p" ] && [ -f "$dir/$p.map" ] ||
	    { echo "$dir/$p or its map is missing: make all" >&2; exit 1; }
	# Archive members, "lib*.a(name.o)", and objects linked directly.
	mods=$(grep -oE '(lib[a-z]+\.a\([a-z0-9_]+\.o\)|/src/[a-z]+/[a-z0-9_]+\.o)' \
	    "$dir/$p.map" | sed -E 's/.*\(([a-z0-9_]+)\.o\)/\1/; s|.*/([a-z0-9_]+)\.o|\1|' |
	    sort -u | tr '\n' ' ')
	libs=$(readelf -d "$dir/$p" | sed -n 's/.*Shared library: \[\(lib[^.]*\).*/\1/p' |
	    grep -v '^libc$' | tr '\n' ' ')
	printf '%s: %s bytes (text %s); libraries: %s\n  modules: %s\n' "$p" \
	    "$(stat -c %s "$dir/$p")" "$(size -A "$dir/$p" | awk '$1 == ".text" { print $2 }')" \
	    "$libs" "$mods"
done
