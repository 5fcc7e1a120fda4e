#!/bin/bash
# "make sanitize" (issue 5): the test suite under AddressSanitizer and
# UBSan, and the regress suite under valgrind memcheck.  Zero errors and
# zero definite or indirect leaks, in every process: the monitor, mcpctl,
# the unit tests, and the confined net process and workers.
#
#   bash tests/sanitize/run.sh            everything (make sanitize)
#   bash tests/sanitize/run.sh --quick    the short form for make check
#   ... --asan | --memcheck               one half only
#   SANITIZE_SCENARIOS="basic reload"     only these regress scenarios
#                                         ("none": the unit tests and
#                                         selftests only)
#
# Builds (each a separate tree, never the production one; --quick builds
# no $O/memcheck):
#   $O/asan, $O/asan/test-hooks       make SANITIZE=asan (MCPD_SANITIZE 1)
#   $O/memcheck, $O/memcheck/test-hooks   make SANITIZE=valgrind (2)
# valgrind is installed (apt-get, as root) if it is missing.
# What MCPD_SANITIZE changes, and why: the *_san.c files, which only
# such a build compiles (the Makefile's "sanitize" section says which),
# and the hooks of sandbox/sanitize.h.
#
# How every report is collected, whatever the scenario does with mcpd's
# stderr:
#   - the monitor, mcpctl and the unit tests: ASAN_OPTIONS and
#     UBSAN_OPTIONS log_path (AddressSanitizer, LeakSanitizer, UBSan), or
#     valgrind's --log-file (memcheck), one file per process;
#   - the confined children, which run with an empty environment, in a
#     chroot, under seccomp: their stderr goes through a relay process to
#     MCPD_SANITIZE_LOG (src/monitor/spawn_san.c), one file per scenario.  Their
#     AddressSanitizer reports are symbolized here (addr2line), since they
#     cannot open the binary themselves; LeakSanitizer cannot run in them
#     at all (ptrace, /proc), so their leaks are valgrind's part.
# Under valgrind, the children are started through a script that runs
# valgrind on mcpd (MCPD_SANITIZE_EXEC, src/monitor/spawn_san.c).
#
# A scenario passes when it passes as in "make check" and no report came
# from any of its processes.  Every memory error counts; under valgrind a
# leak counts in a process that exited with status 0 (the exit status is
# in valgrind's log: sandbox/runtime_san.c), since one that fails through
# fatal() or dies of a signal leaves as "lost" what its stack held.
# Workers still running when mcpd exits are killed (SIGKILL) and never
# leak-checked; those retired during a scenario are.
# tests/sanitize/selftest.sh makes errors on purpose in a worker and in
# the net process; its line passes when each one was reported from that
# very process and counted.  Scenarios that cannot mean the same thing
# under a sanitizer are skipped with the reason (SKIP_* below).
#
# Prints one "ok   sanitize NAME", "FAIL sanitize NAME" or "skip sanitize
# NAME: why" line per result, as tests/run.sh reads them (NAME: build-DIR,
# or asan/... and memcheck/... for the runs), the reports of each failure,
# a closing "sanitize: N passed, N failed[, N skipped]" line, and exits
# with the number of failures.  Logs: $LOGDIR/sanitize/.
set -u
cd "$(dirname "$0")/../.." || exit 1
TOP=$(pwd)
O=${O:-build}
LOGDIR=${LOGDIR:-$O/test-logs}
L=$(mkdir -p "$LOGDIR/sanitize" && cd "$LOGDIR/sanitize" && pwd) || exit 1
QUICK=0
DO_ASAN=1
DO_MEMCHECK=1
for a in "$@"; do
	case $a in
	--quick)	QUICK=1 ;;
	--asan)		DO_MEMCHECK=0 ;;
	--memcheck)	DO_ASAN=0 ;;
	*)		echo "usage: $0 [--quick] [--asan | --memcheck]" >&2
			exit 2 ;;
	esac
done
# The quick form (make check, about two minutes here with its builds):
# every unit test and these scenarios under AddressSanitizer and UBSan,
# three under valgrind, and the selftest of both.  Under AddressSanitizer
# they cover stdio and HTTP, TLS with every signature the monitor makes,
# client certificates, OAuth and API keys, reload, worker replacement and
# hostile input; under valgrind stdio, HTTP, and the workers that retire
# (the only ones whose leaks valgrind sees: at exit mcpd kills the
# others).  The full run takes about half an hour.
QUICK_ASAN="basic hostile-json protocol-errors http-basic http-tls
http-mtls http-oauth-bad-tokens reload worker-retire"
QUICK_MEMCHECK="basic http-basic worker-retire"

# Scenarios whose meaning a sanitizer build changes (reasons printed).
declare -A SKIP_ASAN=(
[confinement-proc]="checks the workers' RLIMIT_AS, which a sanitizer build leaves unset (AddressSanitizer's shadow memory is far above it)"
[http-key-offload]="searches the whole address space of the net process, terabytes of AddressSanitizer shadow memory"
[sandbox-debug]="builds and runs its own tree without the sanitizer"
[install]="make install refuses a sanitizer build"
[slow-reader]="asserts a bound on every process's RSS (90 MB) that AddressSanitizer's quarantine and shadow memory alone exceed"
)
# Options added for one scenario under AddressSanitizer, with the reason.
declare -A ASAN_EXTRA=(
[systemd-unit]="detect_leaks=0"	# mcpd runs under strace: LeakSanitizer cannot ptrace it
)
declare -A SKIP_MEMCHECK=(
[confinement-proc]="checks RLIMIT_AS (unset in a sanitizer build), the empty environment and descriptors valgrind adds to"
[sandbox-debug]="builds and runs its own tree without valgrind"
[install]="make install refuses a sanitizer build"
[privsep]="reads the credential's absence in the monitor's /proc/PID/environ, valgrind's own copy of the environment, which mcpd cannot wipe"
[secret-files]="reads the credential's absence in the monitor's /proc/PID/environ, valgrind's own copy of the environment, which mcpd cannot wipe"
[http-limits]="MaxConnections is the kernel's RLIMIT_NOFILE, which valgrind keeps for itself and only pretends to set"
[sandbox-net]="the valgrind build's filter allows executable mappings, which valgrind's translations need"
[sandbox-worker]="the valgrind build's filter allows executable mappings, which valgrind's translations need"
[sandbox-hooks]="searches \$O/mcpd for the hooks' strings, here a script that starts valgrind"
[launch-confinement]="executes \$O/mcpd-launch, which this run's tree of valgrind wrappers does not hold"
[slow-reader]="reads its 180 MB of answers within 60 s, which a server under valgrind cannot send that fast"
)

pass=0
fail=0
skip=0
failed=""
result() {	# status kind name [detail]
	local n=$2/$3
	[ "$2" = sanitize ] && n=$3
	case $1 in
	ok)	pass=$((pass + 1)); echo "ok   sanitize $n${4:+ ($4)}" ;;
	FAIL)	fail=$((fail + 1)); failed="$failed $n"
		echo "FAIL sanitize $n${4:+: $4}" ;;
	skip)	skip=$((skip + 1)); echo "skip sanitize $n: $4" ;;
	esac
}

scenarios() {	# the quick list, $SANITIZE_SCENARIOS, or every scenario
	local t n
	if [ "${SANITIZE_SCENARIOS:-}" = none ]; then
		return
	elif [ -n "${SANITIZE_SCENARIOS:-}" ]; then
		echo "$SANITIZE_SCENARIOS"
	elif [ "$QUICK" = 1 ]; then
		echo "$1"
	else
		for t in tests/regress/*.sh; do
			n=$(basename "$t" .sh)
			[ "$n" = lib ] || echo "$n"
		done
	fi
}

# --- what is needed ------------------------------------------------------
if [ "$DO_MEMCHECK" = 1 ] && ! command -v valgrind > /dev/null; then
	if [ "$(id -u)" = 0 ]; then
		echo "installing: valgrind" >&2
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		    --no-install-recommends valgrind > /dev/null 2>&1 ||
		    { apt-get update -qq > /dev/null 2>&1 &&
		    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		    --no-install-recommends valgrind > /dev/null 2>&1; }
	fi
	if ! command -v valgrind > /dev/null; then
		result FAIL sanitize valgrind "not installed (apt-get install valgrind)"
		DO_MEMCHECK=0
	fi
fi

# build DIR SANITIZE TEST_HOOKS TARGET...: a sanitizer tree, remembered
# in DIR/.sanitize (see the Makefile).  The environment's MAKEFLAGS (make
# check runs this) must not carry another tree's variables in.
build() {
	local dir=$1 san=$2 hooks=$3 log
	shift 3
	log=$L/build-$(echo "$dir" | tr / -).log
	if mkdir -p "$dir" && echo "$san" > "$dir/.sanitize" &&
	    env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS make -s \
	    -j"$(nproc 2>/dev/null || echo 2)" O="$dir" SANITIZE="$san" \
	    TEST_HOOKS="$hooks" "$@" > "$log" 2>&1; then
		result ok sanitize "build-$dir"
		return 0
	fi
	result FAIL sanitize "build-$dir" "see $log"
	tail -n 30 "$log"
	return 1
}

# --- reports ---------------------------------------------------------------

# The lines of an AddressSanitizer report on stdin, with the frames that
# a confined child could not symbolize ("#3 0x... (/path/mcpd+0x1f2e)")
# resolved by addr2line.
symbolize() {
	local line re='^( *#[0-9]+ 0x[0-9a-f]+) +\((/[^+]+)\+(0x[0-9a-f]+)\)$'
	while IFS= read -r line; do
		if [[ $line =~ $re ]]; then
			printf '%s in %s\n' "${BASH_REMATCH[1]}" \
			    "$(addr2line -f -i -p -C -e "${BASH_REMATCH[2]}" \
			    "${BASH_REMATCH[3]}" 2>/dev/null | head -n 1)"
		else
			printf '%s\n' "$line"
		fi
	done
}

# The sanitizer reports of a scenario's log directory $1, on stdout, and
# whether there were any (0: none).
ASAN_RE='ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|SUMMARY: (AddressSanitizer|UndefinedBehaviorSanitizer)'
asan_reports() {
	local d=$1 f found=1
	for f in "$d"/asan.* "$d"/ubsan.*; do
		[ -s "$f" ] || continue
		echo "--- $(basename "$f")"
		cat "$f"
		found=0
	done
	if [ -s "$d/children.log" ] &&
	    grep -qE "$ASAN_RE" "$d/children.log"; then
		echo "--- the confined children"
		symbolize < "$d/children.log"
		found=0
	fi
	return "$found"
}

# The valgrind reports of a scenario's log directory $1 (its vg.* files,
# one process each, and the children's log), on stdout, and whether there
# were any (0: some).  Every error is between VGERR-BEGIN and VGERR-END.
# A memory error always counts; a leak counts in a process that exited
# with status 0 (sandbox/runtime_san.c writes "mcpd-sanitize: exit status N"
# to the log): one that fails, through fatal(), or dies of a signal
# leaves behind as lost what its stack frames held.  Sets VG_COUNTS to
# "N exited 0, M did not" (SIGKILL leaves no trace at all).
memcheck_reports() {
	local d=$1 f
	local -a files=()
	for f in "$d"/vg.* "$d/children.log"; do
		[ -s "$f" ] && files+=("$f")
	done
	VG_COUNTS="0 exited 0, 0 did not"
	[ ${#files[@]} -gt 0 ] || return 1
	awk -v counts="$d/counts" '
	match($0, /^\*\*[0-9]+\*\* mcpd-sanitize: exit status /) {
		pid = substr($0, 3, index(substr($0, 3), "*") - 1)
		status[pid] = $NF
		seen[pid] = 1
		next
	}
	match($0, /^==[0-9]+==/) {
		pid = substr($0, 3, RLENGTH - 4)
		rest = substr($0, RLENGTH + 2)
		seen[pid] = 1
		if (rest ~ /^VGERR-BEGIN/) {
			nb[pid]++
			inblk[pid] = 1
			next
		}
		if (rest ~ /^VGERR-END/) {
			inblk[pid] = 0
			next
		}
		if (inblk[pid]) {
			k = pid SUBSEP nb[pid]
			if (!(k in first))
				first[k] = rest
			txt[k] = txt[k] $0 "\n"
		}
	}
	END {
		bad = 0
		for (p in seen) {
			clean = (p in status) && status[p] == 0
			if (clean)
				n0++
			else
				n1++
			for (i = 1; i <= nb[p]; i++) {
				k = p SUBSEP i
				if (first[k] ~ /are (definitely|indirectly) lost/ &&
				    !clean)
					continue
				printf "%s", txt[k]
				bad = 1
			}
		}
		printf "%d exited 0, %d did not\n", n0, n1 > counts
		exit bad ? 0 : 1
	}' "${files[@]}"
	f=$?
	[ -s "$d/counts" ] && VG_COUNTS=$(cat "$d/counts")
	return "$f"
}

# run_scenario KIND NAME SCRIPT DIR LIMIT: run a regress scenario with the
# environment of the current half ($RUN_O, $RUN_ENV) and its logs in DIR;
# sets $rc.  Not into make check's secret scan (tests/run.sh): the
# outputs of a scenario's second run would replace those of its first.
run_scenario() {
	local kind=$1 name=$2 script=$3 d=$4 limit=$5 t0=$SECONDS
	rm -rf "$d" && mkdir -p "$d" || exit 1
	env -u MCPD_SECRET_SCAN_DIR O="$RUN_O" \
	    MCPD_SANITIZE_LOG="$d/children.log" SAN_DIR="$d" \
	    "${RUN_ENV[@]}" timeout "$limit" bash "$script" \
	    > "$d/scenario.log" 2>&1 < /dev/null
	rc=$?
	ELAPSED="$((SECONDS - t0)) s"
}

# The verdict on scenario NAME of KIND: its exit status $rc and the reports
# found by REPORTER in DIR.
verdict() {
	local kind=$1 name=$2 d=$3 reporter=$4 extra=${5:-}
	if "$reporter" "$d" > "$d/reports" 2>&1; then
		result FAIL "$kind" "$name" "sanitizer reports${extra:+ ($extra)}"
		head -n 80 "$d/reports"
	elif [ "$rc" -eq 77 ]; then
		result skip "$kind" "$name" "$(tail -n 1 "$d/scenario.log")"
	elif [ "$rc" -ne 0 ]; then
		result FAIL "$kind" "$name" "exit $rc${extra:+ ($extra)}"
		tail -n 40 "$d/scenario.log" | cut -c1-300
	else
		result ok "$kind" "$name" "$extra"
	fi
}

# selftest_verdict KIND DIR REPORTER "PROCESS WHAT"...: each error that
# selftest.sh made (its "selftest: PROCESS WHAT PID" lines) was reported
# in the children's log, matched by SELFTEST_PAT[WHAT], and from that very
# pid where the report names one (UBSan's do not: "file:line:col:
# runtime error: ...").
selftest_verdict() {
	local kind=$1 d=$2 reporter=$3 what pid pat missing=""
	shift 3
	[ "$rc" -eq 0 ] || { result FAIL "$kind" selftest "exit $rc"
		tail -n 40 "$d/scenario.log" | cut -c1-300; return; }
	for what in "$@"; do
		pid=$(sed -n "s/^selftest: $what \\([0-9]*\\)$/\\1/p" \
		    "$d/scenario.log" | head -n 1)
		pat=${SELFTEST_PAT[${what#* }]}
		case $pat in
		*"runtime error"*) pid='[^=]*' ;;	# UBSan: no pid
		*) pid="==$pid==" ;;
		esac
		if ! grep -qE "^$pid.*($pat)" "$d/children.log" 2>/dev/null
		then
			missing="$missing ${what// /-}"
		fi
	done
	# And each must be among what the scenarios' verdict counts.
	"$reporter" "$d" > "$d/reports" 2>&1
	for what in "$@"; do
		grep -qE "${SELFTEST_PAT[${what#* }]}" "$d/reports" ||
		    missing="$missing ${what// /-}(uncounted)"
	done
	if [ -n "$missing" ]; then
		result FAIL "$kind" selftest "not reported:$missing"
		tail -n 40 "$d/scenario.log" | cut -c1-300
		[ -f "$d/children.log" ] && tail -n 40 "$d/children.log"
	else
		result ok "$kind" selftest "$*"
	fi
}

# --- AddressSanitizer and UBSan ----------------------------------------
asan_env() {	# $1: the directory of the per-process logs, $2: the scenario
	RUN_ENV=(
	    "ASAN_OPTIONS=log_path=$1/asan:detect_leaks=1:color=never${2:+${ASAN_EXTRA[$2]:+:${ASAN_EXTRA[$2]}}}"
	    "UBSAN_OPTIONS=log_path=$1/ubsan:print_stacktrace=1:color=never"
	)
}

if [ "$DO_ASAN" = 1 ] &&
    build "$O/asan" asan 0 all unit-build &&
    build "$O/asan/test-hooks" asan 1 all; then
	# Unit tests: their cmocka summary, as tests/run.sh reads it.
	for t in "$O"/asan/tests/test_*; do
		[ -x "$t" ] || continue
		name=$(basename "$t")
		d=$L/asan/unit/$name
		rm -rf "$d" && mkdir -p "$d" || exit 1
		asan_env "$d"
		env "${RUN_ENV[@]}" timeout 600 "$t" > "$d/scenario.log" 2>&1
		rc=$?
		f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' \
		    "$d/scenario.log" | tail -n 1)
		p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' \
		    "$d/scenario.log" | tail -n 1)
		[ -n "${f:-}" ] && [ "$f" -ne 0 ] && rc=1
		verdict asan "unit/$name" "$d" asan_reports "${p:-0} tests"
	done

	RUN_O=$O/asan
	for name in $(scenarios "$QUICK_ASAN"); do
		if [ -n "${SKIP_ASAN[$name]:-}" ]; then
			result skip asan "regress/$name" "${SKIP_ASAN[$name]}"
			continue
		fi
		d=$L/asan/regress/$name
		asan_env "$d" "$name"
		run_scenario asan "$name" "tests/regress/$name.sh" "$d" 600
		verdict asan "regress/$name" "$d" asan_reports "$ELAPSED"
	done

	declare -A SELFTEST_PAT=(
	[int-overflow]="runtime error: signed integer overflow"
	[heap-overflow]="ERROR: AddressSanitizer: heap-buffer-overflow"
	)
	d=$L/asan/selftest
	asan_env "$d"
	run_scenario asan selftest tests/sanitize/selftest.sh "$d" 300
	selftest_verdict asan "$d" asan_reports "worker int-overflow" \
	    "worker heap-overflow" "net heap-overflow"
fi

# --- valgrind memcheck -------------------------------------------------
# The run's tree, $O/memcheck-run: what tests/regress/lib.sh takes for
# $O/mcpd, $O/mcpctl and $O/test-hooks/mcpd are scripts that start the
# real ones, built in $O/memcheck, under valgrind; "child" is the
# MCPD_SANITIZE_EXEC script through which the monitor starts its
# children.  A scenario's logs go to $SAN_DIR, from its environment (the
# children's through MCPD_SANITIZE_LOG: they get no environment).
VG_OPTS="--tool=memcheck --leak-check=full \
--show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect \
--error-markers=VGERR-BEGIN,VGERR-END --child-silent-after-fork=yes \
--vgdb=no --num-callers=30 --suppressions=$TOP/tests/sanitize/valgrind.supp"
memcheck_tree() {	# $1: the tree of mcpd and mcpctl
	local r=$O/memcheck-run main=$TOP/$1 hooks=$TOP/$O/memcheck/test-hooks
	local p v vg real
	rm -rf "$r" && mkdir -p "$r/test-hooks" || return 1
	# Debian's valgrind is a script that execs valgrind.bin, which
	# would lose the argv[0] given below.
	vg=$(command -v valgrind) || return 1
	[ -x "$vg.bin" ] && vg=$vg.bin
	# The children: started as "child PROGRAM" (mcpd-net, mcpd-worker)
	# with no environment.  The title the monitor gives them (spawn.c)
	# is put back as argv[0], which valgrind passes on, so that
	# "pgrep -f '^mcpd: worker'" finds them.  Their valgrind writes to
	# stderr, the relay to MCPD_SANITIZE_LOG; -q: nothing but the errors.
	for v in "" test-hooks/; do
		real=$main
		[ -n "$v" ] && real=$hooks
		cat > "$r/${v}child" <<EOF
#!/bin/bash
# tests/sanitize/run.sh: a child of $real/mcpd under valgrind.
echo "\${1#mcpd-} \$\$" >> "$TOP/$r/started"
exec -a "mcpd: \${1#mcpd-}" $vg $VG_OPTS -q --log-fd=2 \\
    "$real/\$1"
EOF
		chmod 755 "$r/${v}child" || return 1
	done
	for p in mcpd mcpctl test-hooks/mcpd; do
		v=$(dirname "$p")
		real=$main/$p
		[ "$v" = . ] || real=$hooks/mcpd
		cat > "$r/$p" <<EOF
#!/bin/bash
# tests/sanitize/run.sh: $real under valgrind, its log in \$SAN_DIR.
export MCPD_SANITIZE_EXEC=$TOP/$r/$v/child
exec $vg $VG_OPTS \\
    --log-file="\${SAN_DIR:-/tmp}/vg.$(basename "$p").%p" \\
    "$real" "\$@"
EOF
		chmod 755 "$r/$p" || return 1
	done
}

# The quick form builds the tree with the test hooks only, and runs its
# scenarios on it (none of them sees the hooks' extra tool).
MC_MAIN=$O/memcheck
[ "$QUICK" = 1 ] && MC_MAIN=$O/memcheck/test-hooks
if [ "$DO_MEMCHECK" = 1 ] &&
    { [ "$QUICK" = 1 ] || build "$O/memcheck" valgrind 0 all; } &&
    build "$O/memcheck/test-hooks" valgrind 1 all; then
	if ! memcheck_tree "$MC_MAIN"; then
		result FAIL sanitize memcheck-tree "cannot write $O/memcheck-run"
	else
		RUN_O=$O/memcheck-run
		RUN_ENV=()
		for name in $(scenarios "$QUICK_MEMCHECK"); do
			if [ -n "${SKIP_MEMCHECK[$name]:-}" ]; then
				result skip memcheck "regress/$name" \
				    "${SKIP_MEMCHECK[$name]}"
				continue
			fi
			d=$L/memcheck/regress/$name
			: > "$O/memcheck-run/started"
			run_scenario memcheck "$name" "tests/regress/$name.sh" \
			    "$d" 1200
			mv "$O/memcheck-run/started" "$d/children.started"
			memcheck_reports "$d" > /dev/null 2>&1
			verdict memcheck "regress/$name" "$d" memcheck_reports \
			    "$ELAPSED; $(wc -l < "$d/children.started") children; $VG_COUNTS"
		done

		declare -A SELFTEST_PAT=(
		[uninit]="Conditional jump or move depends on uninitialised"
		[leak]="definitely lost"
		[heap-overflow]="Invalid write of size 1"
		)
		d=$L/memcheck/selftest
		run_scenario memcheck selftest tests/sanitize/selftest.sh "$d" 600
		selftest_verdict memcheck "$d" memcheck_reports "worker uninit" \
		    "worker leak" \
		    "worker heap-overflow" "net heap-overflow"
	fi
fi

[ -n "$failed" ] && echo "failed:$failed"
if [ "$skip" -gt 0 ]; then
	echo "sanitize: $pass passed, $fail failed, $skip skipped"
else
	echo "sanitize: $pass passed, $fail failed"
fi
exit "$fail"
