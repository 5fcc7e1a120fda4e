#!/bin/bash
# Run the libFuzzer targets built in $FUZZ_O, each for FUZZ_SECONDS over
# its corpus, and print one line per target:
#
#   ok   fuzz <name> (<runs> runs, <execs>/s, cov <edges> ft <features>,
#        corpus <n> (+<new>))
#   FAIL fuzz <name> (<what>, input saved as <file>)
#
# then exit with the number of failures.  Usage: run.sh [name...] (all
# targets by default).  "make fuzz" runs it; smoke.sh is the short form.
#
# Environment:
#   FUZZ_O        where the targets are (default build/fuzz)
#   FUZZ_SECONDS  per target (default 300)
#   FUZZ_JOBS     targets run at once (default: the number of CPUs)
#   FUZZ_WORK     kept between runs: corpus/<name> (what the fuzzer found,
#                 read with the seeds next time), artifacts/<name> (crash,
#                 leak, timeout and OOM inputs), logs/<name>.log (default
#                 $FUZZ_O/work)
#   FUZZ_NICE     nice(1) increment for the fuzzers (default 0)
#
# The seeds (tests/fuzz/corpus/<name>) are only read.  A target fails if
# libFuzzer stops before its time with a finding (crash, sanitizer
# report, leak, fatal(), a broken property, an input slower than 10 s or
# one that needs more than 2 GB).
set -u
cd "$(dirname "$0")/../.." || exit 1
FUZZ_O=${FUZZ_O:-build/fuzz}
FUZZ_SECONDS=${FUZZ_SECONDS:-300}
FUZZ_JOBS=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 1)}
FUZZ_WORK=${FUZZ_WORK:-$FUZZ_O/work}
FUZZ_NICE=${FUZZ_NICE:-0}
SEEDS=tests/fuzz/corpus

# The largest input each target tries: room for a few requests or records.
max_len() {
	case $1 in
	monitor|http) echo 16384 ;;
	mcp|msg|audit) echo 8192 ;;
	*) echo 4096 ;;
	esac
}

if [ $# -gt 0 ]; then
	names="$*"
else
	names=$(find tests/fuzz -name 'fuzz_*.c' | sort |
	    sed 's|.*/fuzz_||; s|\.c$||')
fi
mkdir -p "$FUZZ_WORK/logs" "$FUZZ_WORK/results"

# run_one NAME: fuzz it, write one result line to results/NAME.
run_one() {
	local t=$1 bin=$FUZZ_O/fuzz_$1 log=$FUZZ_WORK/logs/$1.log
	local art=$FUZZ_WORK/artifacts/$1 out=$FUZZ_WORK/corpus/$1
	local res=$FUZZ_WORK/results/$1 dict=tests/fuzz/$1.dict rc
	local runs eps cov ft n new what file
	local -a args
	if [ ! -x "$bin" ]; then
		echo "FAIL fuzz $t (not built: $bin)" > "$res"
		return
	fi
	mkdir -p "$art" "$out" "$SEEDS/$t"
	args=(-max_total_time="$FUZZ_SECONDS" -max_len="$(max_len "$t")"
	    -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
	    -artifact_prefix="$art/")
	[ -f "$dict" ] && args+=(-dict="$dict")
	nice -n "$FUZZ_NICE" "$bin" "${args[@]}" "$out" "$SEEDS/$t" \
	    > "$log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	new=$(sed -n 's/^stat::new_units_added: *//p' "$log")
	# The last status line: "#N DONE cov: C ft: F corp: K/..."
	cov=$(grep -E '^#[0-9]+' "$log" | tail -n 1 |
	    sed -n 's/.* cov: \([0-9]*\).*/\1/p')
	ft=$(grep -E '^#[0-9]+' "$log" | tail -n 1 |
	    sed -n 's/.* ft: \([0-9]*\).*/\1/p')
	n=$(grep -E '^#[0-9]+' "$log" | tail -n 1 |
	    sed -n 's/.* corp: \([0-9]*\).*/\1/p')
	file=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" |
	    tail -n 1)
	if [ "$rc" -eq 0 ] && [ -z "$file" ]; then
		echo "ok   fuzz $t (${runs:-?} runs, ${eps:-?}/s," \
		    "cov ${cov:-?} ft ${ft:-?}, corpus ${n:-?} (+${new:-0}))" \
		    > "$res"
		return
	fi
	what=$(grep -m 1 -oE 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer): [a-zA-Z-]+( [a-z-]+)?|runtime error: .*|FUZZ PROPERTY FAILED.*|FUZZ: fatal\(\) reached.*' \
	    "$log" | cut -c 1-160)
	echo "FAIL fuzz $t (${what:-exit status $rc}, input saved as" \
	    "${file:-none}; log $log)" > "$res"
}

running=0
for t in $names; do
	rm -f "$FUZZ_WORK/results/$t"
	run_one "$t" &
	running=$((running + 1))
	if [ "$running" -ge "$FUZZ_JOBS" ]; then
		wait -n
		running=$((running - 1))
	fi
done
wait

fails=0
for t in $names; do
	if [ -f "$FUZZ_WORK/results/$t" ]; then
		cat "$FUZZ_WORK/results/$t"
	else
		echo "FAIL fuzz $t (no result)"
	fi
	grep -q '^ok ' "$FUZZ_WORK/results/$t" 2>/dev/null ||
	    fails=$((fails + 1))
done
exit "$fails"
