#!/bin/bash
# The test driver behind "make check": every unit test binary (cmocka),
# then every regress scenario in tests/regress/ (one scenario per file,
# each starting the real mcpd).  Ends with "N passed, N failed".
# A scenario that exits 77 is skipped (it needs something this run lacks,
# e.g. root); it says why.
#
# A part of it, for a developer, as OpenSSH's LTESTS: T="NAME ..." runs
# only the regress scenarios named (tests/regress/NAME.sh; "make check
# T=http-oauth"), UNIT_ONLY=1 only the unit tests ("make unit").  Each
# ends with the same summary line.
set -u
cd "$(dirname "$0")/.."
O=${O:-build}
LOGDIR=${LOGDIR:-$O/test-logs}
mkdir -p "$LOGDIR"
pass=0
fail=0
skip=0
failed=""

# The benchmark peer's packages are compiled while the regress scenarios
# leave a core idle, at the lowest priority so that they take nothing the
# tests want; the benchmark's quick form near the end waits for them
# (tests/bench/peer-install.sh holds a lock, and reports a failure then).
T=${T:-}
UNIT_ONLY=${UNIT_ONLY:-0}
FULL=1
[ -n "$T" ] || [ "$UNIT_ONLY" = 1 ] && FULL=0
if [ "$FULL" = 1 ]; then
	O="$O" nice -n 19 bash tests/bench/peer-install.sh >/dev/null 2>&1 \
	    </dev/null &
	peer_install=$!
fi

# "took" lines say where the time of a run goes (CI allows 20 minutes).
phase_start=$SECONDS
took() {	# phase
	echo "took $1: $((SECONDS - phase_start)) s"
	phase_start=$SECONDS
}

# The closing line, and the exit status.
summary() {
	[ -n "$failed" ] && echo "failed:$failed"
	if [ "$skip" -gt 0 ]; then
		echo "$pass passed, $fail failed, $skip skipped"
	else
		echo "$pass passed, $fail failed"
	fi
	[ "$fail" -eq 0 ]
	exit
}

# The regress scenarios of files $@, one result each.
regress() {
	local t name log limit t0 rc
	for t in "$@"; do
		name=$(basename "$t" .sh)
		[ "$name" = lib ] && continue
		log="$LOGDIR/regress-$name.log"
		# 180 s each, unless the scenario says "# regress-timeout: N"
		# (the conformance suite installs its own Node and runs 86
		# scenarios).
		limit=$(sed -n 's/^# regress-timeout: \([0-9][0-9]*\)$/\1/p' "$t")
		t0=$SECONDS
		timeout "${limit:-180}" bash "$t" >"$log" 2>&1 </dev/null
		rc=$?
		if [ "$rc" -eq 0 ]; then
			pass=$((pass + 1))
			echo "ok   regress $name ($((SECONDS - t0)) s)"
		elif [ "$rc" -eq 77 ]; then
			skip=$((skip + 1))
			echo "skip regress $name: $(tail -n 1 "$log")"
		else
			fail=$((fail + 1))
			failed="$failed $name"
			echo "FAIL regress $name (exit $rc, $((SECONDS - t0)) s)"
			tail -n 40 "$log"
		fi
	done
}

if [ -n "$T" ]; then
	files=()
	for name in ${T//,/ }; do
		name=${name%.sh}
		if [ ! -f "tests/regress/$name.sh" ] || [ "$name" = lib ]; then
			echo "FAIL regress $name (no tests/regress/$name.sh)"
			fail=$((fail + 1))
			failed="$failed $name"
			continue
		fi
		files+=("tests/regress/$name.sh")
	done
	regress "${files[@]}"
	summary
fi

for t in "$O"/tests/test_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	log="$LOGDIR/$name.log"
	timeout 300 "$t" >"$log" 2>&1
	rc=$?
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n 1)
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n 1)
	p=${p:-0}
	f=${f:-0}
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1	# crashed or timed out before its summary
	fi
	pass=$((pass + p))
	fail=$((fail + f))
	if [ "$f" -ne 0 ]; then
		failed="$failed $name"
		echo "FAIL unit $name ($f failed)"
		tail -n 30 "$log"
	else
		echo "ok   unit $name ($p tests)"
	fi
done
took unit
[ "$UNIT_ONLY" = 1 ] && summary

# Static checks (tests/lint.sh), one result each.  They run beside the
# regress scenarios, which mostly wait on sockets and timers, at a lower
# priority than the scenarios; their results are read after the loop.
nice -n 10 bash tests/lint.sh > "$LOGDIR/lint.log" 2>&1 </dev/null &
lint=$!

# --- secret scan, part 1 (issue 3): collect during the regress loop ---
# Each scenario's cleanup (tests/regress/lib.sh) copies its outputs and the
# secrets it used into this fresh directory; part 2 below searches them.
SECRET_SCAN_DIR=$(cd "$LOGDIR" && pwd)/secret-scan
rm -rf "$SECRET_SCAN_DIR" && mkdir -m 700 "$SECRET_SCAN_DIR" || exit 1
export MCPD_SECRET_SCAN_DIR=$SECRET_SCAN_DIR
# --- end of secret scan, part 1 ---

regress tests/regress/*.sh
took regress
wait "$lint"
while read -r status _ name; do
	case "$status" in
	ok)	pass=$((pass + 1)) ;;
	FAIL)	fail=$((fail + 1)); failed="$failed lint-$name" ;;
	*)	continue ;;
	esac
	echo "$status lint $name"
done < "$LOGDIR/lint.log"
grep -q '^FAIL' "$LOGDIR/lint.log" && cat "$LOGDIR/lint.log"
took lint

# Suites that print one "ok   KIND NAME ..." or "FAIL KIND NAME..." line
# per result (issue 5: the soak, the fuzzers' smoke run, the benchmark's
# quick form, the sanitizer runs); other lines they print are shown as
# they come.
suite() {	# command...
	local line kind name
	while IFS= read -r line; do
		case "$line" in
		"ok   "*)
			pass=$((pass + 1)) ;;
		"FAIL "*)
			fail=$((fail + 1))
			read -r _ kind name _ <<< "$line"
			failed="$failed $kind-${name%:}" ;;
		esac
		printf '%s\n' "$line"
	done < <("$@" 2>&1 </dev/null)
}
suite bash tests/soak/ci.sh
took soak
suite bash tests/fuzz/smoke.sh
took fuzz
suite bash tests/bench/compare.sh --ci
wait "$peer_install"	# done by now: compare.sh waited for its lock
took bench
suite env O="$O" LOGDIR="$LOGDIR" bash tests/sanitize/run.sh --quick
took sanitize

# --- secret scan, part 2 (issue 3): no secret in any output ---
# Every output the regress loop collected, and every scenario's own log,
# searched for every secret the scenarios used (keys, the audit key): one
# result.  A finding names the secret by its fingerprint only.
unset MCPD_SECRET_SCAN_DIR
bash -c '. tests/regress/lib.sh && secret_scan "$@"' secret-scan \
    "$SECRET_SCAN_DIR" "$LOGDIR"/regress-*.log > "$LOGDIR/secret-scan.log" 2>&1
if [ $? -eq 0 ]; then
	pass=$((pass + 1))
else
	fail=$((fail + 1))
	failed="$failed secret-scan"
fi
cat "$LOGDIR/secret-scan.log"
took secret-scan
# --- end of secret scan, part 2 ---

summary
