#!/bin/bash
# Static checks behind "make check" and "make lint": the man pages, cppcheck,
# clang-tidy (.clang-tidy), the banned libc calls, the process boundaries of
# the executables (tests/image/rules), and the privsep message list of
# doc/privsep.md against the code (tests/doc-check.sh).  Prints one
# "ok"/"FAIL" line per check and exits with the number of failures.
set -u
cd "$(dirname "$0")/.."
INCS="-Isrc/common -Isrc/net -Isrc/monitor -Isrc/worker -Isrc/launch -Isrc/ctl -Iprivsep -Isandbox"
# As the Makefile defines it for src/monitor/pathnames.c; clang-tidy's
# form goes through one more shell.
LIBEXEC_DEF='-DMCPD_LIBEXECDIR="/x"'
TIDY_LIBEXEC_DEF="-DMCPD_LIBEXECDIR='\"/x\"'"
SRCS=$(find src privsep sandbox -name '*.c' | sort | tr '\n' ' ')
fails=0
check() {	# name command...
	local name=$1 out
	shift
	if out=$("$@" 2>&1) && [ -z "$out" ]; then
		echo "ok   lint $name"
	else
		echo "FAIL lint $name"
		printf '%s\n' "$out" | head -n 30
		fails=$((fails + 1))
	fi
}

check mandoc mandoc -Tlint -W warning man/mcpd.8 man/mcpd.conf.5 man/mcpctl.1
# shellcheck disable=SC2086
check cppcheck cppcheck --quiet --error-exitcode=1 \
    --enable=warning,portability,performance --std=c11 $INCS "$LIBEXEC_DEF" -D__linux__ \
    -D_GNU_SOURCE --suppress=missingIncludeSystem --inline-suppr \
    src privsep sandbox tests/fuzz
# One clang-tidy per CPU, a few files each: it is the slowest check.
tidy() {
	# shellcheck disable=SC2016,SC2086
	printf '%s\n' $SRCS | xargs -P "$(nproc 2>/dev/null || echo 1)" -n 4 \
	    sh -c 'clang-tidy --quiet "$@" -- -std=c11 -D_GNU_SOURCE '"$INCS $TIDY_LIBEXEC_DEF" \
	    tidy 2>&1 | grep -E 'warning:|error:'
	true
}
check clang-tidy tidy
check banned-calls sh -c "grep -nE '\\b(sprintf|vsprintf|strcpy|strcat|atoi|atol|strtok|gets)[[:space:]]*\\(' \
    src privsep sandbox tests/fuzz tests/unit tests/bench/*.c -r \
    --include='*.[ch]'; true"

# The process boundaries, on the built images (tests/image/rules: what
# each executable must not contain), and the proof that the check fails
# when a forbidden object is linked in.  That a process's file cannot
# include another process's headers is the build's own doing (Makefile:
# each folder is compiled with its own include directories).
check images bash tests/image/check.sh "${O:-build}"
check images-selftest bash tests/image/check.sh --self-test "${O:-build}"
# The message table of doc/privsep.md against privsep/proto.h and the
# receivers' dispatch (tests/doc-check.sh says where it looks), and the
# proof that this check fails when the two drift apart.
check doc-messages bash tests/doc-check.sh
check doc-messages-selftest bash tests/doc-check.sh --self-test
exit "$fails"
