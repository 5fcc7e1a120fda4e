#!/bin/bash
# Line coverage of the fuzz corpora: builds every target once more with
# clang's source-based coverage (no sanitizers) into $O/fuzz-cov, replays
# each target's seeds and what the fuzzer found (FUZZ_WORK/corpus/<name>,
# default build/fuzz/work) and prints, per target, the line coverage of
# the source files it is about, then the same for all targets together.
# Usage: coverage.sh [name...]   ("make fuzz-coverage")
set -eu
cd "$(dirname "$0")/../.."
O=${O:-build}
C=$O/fuzz-cov
FUZZ_WORK=${FUZZ_WORK:-$O/fuzz/work}
PKGS="libevent libevent_openssl openssl jansson libjwt libseccomp sqlite3"
# shellcheck disable=SC2046,SC2086,SC2207
CFLAGS=(-std=c11 -D_GNU_SOURCE -O1 -g -w -fprofile-instr-generate
    -fcoverage-mapping -Isrc/common -Isrc/net -Isrc/monitor -Isrc/worker
    -Isrc/ctl -Iprivsep -Isandbox -Itests/fuzz -DSANDBOX_DEBUG=0
    -DMCPD_TEST_HOOKS=0 -DMCPD_FUZZ=1 -DFUZZ_COVERAGE
    "-DFUZZ_DATA_DIR=\"$PWD/tests/fuzz/data\"" $(pkg-config --cflags $PKGS))
# shellcheck disable=SC2046,SC2086,SC2207
LIBS=($(pkg-config --libs $PKGS) -lm)

# The source files each target is about.
files_of() {
	case $1 in
	mcp) echo src/net/mcp_*.c ;;
	schema) echo src/net/schema.c ;;
	http) echo src/net/http_*.c src/net/mcp_*.c ;;
	jwt) echo src/monitor/jwt.c src/monitor/jwtclaims.c \
	    src/monitor/jwtcache.c src/common/b64url.c ;;
	jwks) echo src/monitor/jwks.c src/monitor/jwt.c src/common/b64url.c ;;
	authkeys) echo src/monitor/authkeys.c src/monitor/apikey.c \
	    src/common/hex.c ;;
	config) echo src/monitor/config*.c ;;
	monitor) echo src/monitor/monitor.c src/monitor/mon_*.c \
	    src/monitor/authn.c src/monitor/policy.c src/monitor/ratelimit.c \
	    src/monitor/audit.c src/monitor/audit_record.c ;;
	msg) echo privsep/msg.c src/common/sbuf.c src/monitor/tlskey.c \
	    src/monitor/mtls.c ;;
	audit) echo src/ctl/ctl_audit.c src/monitor/auditchain.c ;;
	esac
}

if [ $# -gt 0 ]; then
	names="$*"
else
	names=$(find tests/fuzz -name 'fuzz_*.c' | sort |
	    sed 's|.*/fuzz_||; s|\.c$||')
fi
mkdir -p "$C/obj" "$C/prof"
# Objects made with other flags are made again.
if ! echo "${CFLAGS[*]}" | cmp -s - "$C/.cflags"; then
	rm -f "$C"/obj/*.o
	echo "${CFLAGS[*]}" > "$C/.cflags"
fi
objs=()
for f in src/common/*.c src/net/*.c src/monitor/*.c src/worker/*.c \
    src/ctl/*.c privsep/*.c sandbox/*.c tests/fuzz/harness.c; do
	o=$C/obj/$(echo "$f" | tr / _).o
	[ "$o" -nt "$f" ] || clang "${CFLAGS[@]}" -c -o "$o" "$f"
	objs+=("$o")
done
rm -f "$C/lib.a"
ar rcs "$C/lib.a" "${objs[@]}"
for t in $names; do
	clang "${CFLAGS[@]}" -fsanitize=fuzzer -o "$C/fuzz_$t" \
	    "tests/fuzz/fuzz_$t.c" "$C/lib.a" "${LIBS[@]}"
	rm -f "$C/prof/$t".*
	dirs=("tests/fuzz/corpus/$t")
	[ -d "$FUZZ_WORK/corpus/$t" ] && dirs+=("$FUZZ_WORK/corpus/$t")
	# A crash or fatal() ends the replay: the rest of it is not counted.
	LLVM_PROFILE_FILE="$C/prof/$t.%p.profraw" "$C/fuzz_$t" -runs=0 \
	    "${dirs[@]}" > "$C/prof/$t.log" 2>&1 || true
	llvm-profdata merge -sparse "$C/prof/$t".*.profraw \
	    -o "$C/prof/$t.profdata"
	echo "== $t"
	# shellcheck disable=SC2046
	llvm-cov report "$C/fuzz_$t" -instr-profile="$C/prof/$t.profdata" \
	    $(files_of "$t") | awk -v top="$PWD/" '
	    NF >= 13 && $1 != "Filename" {
		f = $1
		if (index(f, top) == 1)
			f = substr(f, length(top) + 1)
		printf "  %-26s lines %5d of %5d (%s), branches %s\n", f,
		    $8 - $9, $8, $10, $13 }'
done
