#!/bin/bash
# The short form of "make fuzz" for "make check": build every fuzz target
# (clang, ASan, UBSan; see the Makefile's fuzz block), then run each for
# FUZZ_SECONDS (default 20) over its seed corpus, which replays every seed
# (and so every crash kept as a regression seed) and fuzzes for the rest
# of the time.  One "ok"/"FAIL" line per target (run.sh), exit status the
# number of failures.  After a failure $O/fuzz/smoke keeps the inputs and
# logs the FAIL lines name.
set -u
cd "$(dirname "$0")/../.." || exit 1
O=${O:-build}
export FUZZ_O=$O/fuzz
export FUZZ_SECONDS=${FUZZ_SECONDS:-20}
if ! out=$(make --no-print-directory -j"$(nproc 2>/dev/null || echo 1)" \
    O="$O" fuzz-build 2>&1); then
	echo "FAIL fuzz build"
	printf '%s\n' "$out" | tail -n 20
	exit 1
fi
# A fresh work directory: only the seeds count, and nothing found by
# earlier runs of "make fuzz" (build/fuzz/work) is replayed.
export FUZZ_WORK=$FUZZ_O/smoke
rm -rf "$FUZZ_WORK"
bash tests/fuzz/run.sh "$@"
fails=$?
[ "$fails" -eq 0 ] && rm -rf "$FUZZ_WORK"
exit "$fails"
