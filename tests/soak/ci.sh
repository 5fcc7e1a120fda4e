#!/bin/bash
# The short form of "make soak" for "make check": the same soak for
# SOAK_SECONDS (default 60), which takes about 70 seconds in all.  Prints
# only the "ok   soak NAME" / "FAIL soak NAME: ..." lines; the figures
# and the rest go to $LOGDIR/soak.log (and, on a failure, the last lines
# of it to stdout).  Exits with the number of failures.
cd "$(dirname "$0")/../.." || exit 1
O=${O:-build}
LOGDIR=${LOGDIR:-$O/test-logs}
mkdir -p "$LOGDIR" || exit 1
log=$LOGDIR/soak.log
SOAK_SECONDS=${SOAK_SECONDS:-60} O=$O timeout 600 bash tests/soak/soak.sh \
    > "$log" 2>&1 < /dev/null
rc=$?
grep -E '^(ok   |FAIL )' "$log"
n=$(grep -c '^FAIL ' "$log")
if [ "$rc" -ne 0 ] && [ "$n" -eq 0 ]; then
	# Killed or broken before any verdict: that is a failure too.
	echo "FAIL soak run (exit $rc)"
	n=1
fi
if [ "$n" -ne 0 ]; then
	echo "--- $log (last lines)"
	grep -vE '^(ok   |FAIL )' "$log" | tail -n 40
fi
exit "$n"
