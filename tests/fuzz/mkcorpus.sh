#!/bin/bash
# Regenerate the fuzzers' seeds and their key material (tests/fuzz/data):
# "make fuzz-corpus".  mkseeds.c makes every key it needs and drops the
# private ones; the seeds it writes are named seed-*, and any other file
# in a corpus directory (a minimised crash kept as a regression seed) is
# left as it is.  Dictionaries (*.dict) are written by hand.
set -eu
cd "$(dirname "$0")"
: "${FUZZ_MKSEEDS:?set FUZZ_MKSEEDS to the mkseeds program}"
case $FUZZ_MKSEEDS in /*) ;; *) FUZZ_MKSEEDS=$OLDPWD/$FUZZ_MKSEEDS ;; esac
rm -f corpus/*/seed-*
"$FUZZ_MKSEEDS" .
