#!/bin/bash
# Install the benchmark peer's npm packages from its lockfile, once.
# compare.sh calls it before it starts the peer; tests/run.sh also starts
# it in the background, at the lowest CPU priority, while the regress
# scenarios leave a core idle, because better-sqlite3 is compiled by
# node-gyp and that takes about two minutes here.  Whoever comes second
# waits on the lock and then finds the packages in place.
#
# npm writes node_modules/.package-lock.json on every install; when it is
# missing or older than the committed lockfile, the packages are installed
# again.  The log is $O/bench-npm.log; the exit status is npm's.
set -u
cd "$(dirname "$0")/../.." || exit 1
TOP=$PWD
O=${O:-build}
case "$O" in /*) ;; *) O=$TOP/$O ;; esac
PEER=$TOP/tests/bench/peer
mkdir -p "$O" || exit 1

exec 9> "$O/bench-npm.lock" || exit 1
flock 9 || exit 1
if [ -f "$PEER/node_modules/.package-lock.json" ] &&
    ! [ "$PEER/package-lock.json" -nt "$PEER/node_modules/.package-lock.json" ]
then
	exit 0
fi
(cd "$PEER" && timeout 900 npm ci --no-audit --no-fund) \
    > "$O/bench-npm.log" 2>&1
