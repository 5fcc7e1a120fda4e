#!/bin/bash
# The privsep message list of doc/privsep.md must not drift from the code.
# Run by tests/lint.sh (so by "make check" and "make lint"); silent and
# exit 0 when everything agrees, else one line per disagreement, exit 1.
#
#   tests/doc-check.sh               check this tree
#   tests/doc-check.sh --root DIR    check the tree at DIR
#   tests/doc-check.sh --self-test   show that the check fails when it
#                                    must: on copies of the files, with a
#                                    message added to proto.h only, one
#                                    named in the document only, and the
#                                    like (silent and exit 0 if it does)
#
# What is compared, both ways:
#  1. The message table of doc/privsep.md (between the lines
#     "<!-- doc-check: message table begin -->" and "... end -->"), one
#     row per message: "| NUMBER | `PS_NAME` | `receiver` ... | ...".
#  2. The "#define PS_*_REQ/_ANS NUMBER" lines of privsep/proto.h: the
#     same names with the same numbers; requests even, answers odd, each
#     answer numbered its request + 1.
#  3. For each receiver token of the table's third column, the types that
#     receiver's dispatch accepts, read from the code as RECEIVERS below
#     says.
#  4. A "### `PS_NAME`" section in the document for each message, and none
#     for a message that is not in the table.
#
# RECEIVERS says where each receiver's accepted types are in the code.  A
# line is: token, file, an ERE for the first line of the region (a table
# initialiser), an ERE for its last line, and an ERE for the lines in it
# that accept a type; the first PS_*_REQ or PS_*_ANS name of each such line
# is taken.  Every channel end has one "struct ps_dispatch" table
# (privsep/dispatch.h); a table that is renamed or moved must be named
# here: a region that yields no type at all is reported, never taken as
# empty.
RECEIVERS='
mon-net	src/monitor/mon_net.c	ps_dispatch mon_net_ent\[\] = \{	^\};	TABLE
mon-worker	src/monitor/mon_workers.c	ps_dispatch mon_worker_ent\[\] = \{	^\};	TABLE
mon-key	src/monitor/mon_key.c	ps_dispatch mon_key_ent\[\] = \{	^\};	TABLE
net	src/net/net_wrap.c	ps_dispatch mm_ent\[\] = \{	^\};	TABLE
net-key	src/net/key_wrap.c	ps_dispatch key_ent\[\] = \{	^\};	TABLE
worker	src/worker/worker.c	ps_dispatch worker_ent\[\] = \{	^\};	TABLE
child-init	privsep/child.c	ps_dispatch child_ent\[\] = \{	^\};	TABLE
launch	src/launch/launch.c	ps_dispatch launch_ent\[\] = \{	^\};	TABLE
'
# A table entry: "{ PS_X, ..." or a designated ".type = PS_X".
TABLE_LINE='(^[[:space:]]*\{[[:space:]]*|\.type[[:space:]]*=[[:space:]]*)PS_'
DOC=doc/privsep.md
PROTO=privsep/proto.h
BEGIN_MARK='<!-- doc-check: message table begin -->'
END_MARK='<!-- doc-check: message table end -->'
set -u

# The table rows of the document as "NAME NUMBER RECEIVER...", sorted.
doc_rows() {	# root
	awk -v b="$BEGIN_MARK" -v e="$END_MARK" -v f="$1/$DOC" '
	$0 == b { inside = 1; seen = 1; next }
	$0 == e { inside = 0; next }
	!inside { next }
	/^\| *(type|---)/ { next }
	{
		n = split($0, col, "|")
		num = col[2]; name = col[3]; recv = col[4]
		gsub(/[ \t]/, "", num); gsub(/[ \t`]/, "", name)
		gsub(/`/, " ", recv)
		if (n < 5 || num !~ /^[0-9]+$/ ||
		    name !~ /^PS_[A-Z0-9_]+_(REQ|ANS)$/) {
			printf("BAD %s: malformed message table row: %s\n",
			    f, $0)
			next
		}
		gsub(/^ +| +$/, "", recv); gsub(/ +/, " ", recv)
		print name, num, recv
	}
	END { if (!seen) printf("BAD %s: no message table (\"%s\")\n", f, b) }
	' "$1/$DOC" | sort
}

# The "#define PS_*_REQ/_ANS N" of proto.h as "NAME NUMBER", sorted.
proto_types() {	# root
	sed -nE 's/^#define[[:space:]]+(PS_[A-Z0-9_]+_(REQ|ANS))[[:space:]]+([0-9]+)([[:space:]].*)?$/\1 \3/p' \
	    "$1/$PROTO" | sort
}

# The types a receiver accepts, one per line, sorted.
receiver_types() {	# root file start end linere
	local re=$5
	[ "$re" = TABLE ] && re=$TABLE_LINE
	# Through the environment: awk -v would take the backslashes.
	S=$3 E=$4 L=$re awk '
	!inside && $0 ~ ENVIRON["S"] { inside = 1; next }
	inside && $0 ~ ENVIRON["E"] { exit }
	inside && $0 ~ ENVIRON["L"] {
		if (match($0, /PS_[A-Z0-9_]+_(REQ|ANS)/))
			print substr($0, RSTART, RLENGTH)
	}' "$1/$2" | sort -u
}

# Print one line per disagreement in the tree at root.
check_tree() {	# root
	local root=$1 rows defs tok file start end re got want
	rows=$(doc_rows "$root")
	printf '%s\n' "$rows" | grep '^BAD ' | sed 's/^BAD //'
	rows=$(printf '%s\n' "$rows" | grep -v '^BAD ' | grep -v '^$')
	defs=$(proto_types "$root")
	if [ -z "$defs" ]; then
		echo "$PROTO: no #define PS_*_REQ/_ANS found"
		return
	fi

	# 1 and 2: names and numbers, both ways.
	comm -23 <(printf '%s\n' "$defs") \
	    <(printf '%s\n' "$rows" | awk '{ print $1, $2 }' | sort) |
	    while read -r name num; do
		if printf '%s\n' "$rows" | grep -q "^$name "; then
			echo "$name is $num in $PROTO but not in $DOC"
		else
			echo "$name ($num) is in $PROTO but not in $DOC's message table"
		fi
	done
	comm -13 <(printf '%s\n' "$defs") \
	    <(printf '%s\n' "$rows" | awk '{ print $1, $2 }' | sort) |
	    while read -r name num; do
		if printf '%s\n' "$defs" | grep -q "^$name "; then
			echo "$name is $num in $DOC but not in $PROTO"
		else
			echo "$name ($num) is in $DOC's message table but not defined in $PROTO"
		fi
	done
	printf '%s\n' "$defs" | awk -v f="$PROTO" '
	{ num[$1] = $2; if (seen[$2]++) printf("%s: type %s used twice\n", f, $2) }
	$1 ~ /_REQ$/ && $2 % 2 != 0 { printf("%s: request %s is odd (%s)\n", f, $1, $2) }
	$1 ~ /_ANS$/ && $2 % 2 != 1 { printf("%s: answer %s is even (%s)\n", f, $1, $2) }
	END {
		for (n in num) {
			if (n !~ /_ANS$/)
				continue
			r = n; sub(/_ANS$/, "_REQ", r)
			if (!(r in num) || num[r] + 1 != num[n])
				printf("%s: answer %s is not its request %s + 1\n", f, n, r)
		}
	}'

	# 3: each receiver, both ways.
	printf '%s\n' "$rows" | awk '{ for (i = 3; i <= NF; i++) print $i }' |
	    sort -u | while read -r tok; do
		printf '%s\n' "$RECEIVERS" | grep -q "^$tok	" ||
		    echo "$DOC names an unknown receiver \"$tok\" (known: $(printf '%s\n' "$RECEIVERS" | cut -f1 | tr '\n' ' '| sed 's/^ *//;s/ *$//'))"
	done
	printf '%s\n' "$RECEIVERS" | grep -v '^$' |
	    while IFS='	' read -r tok file start end re; do
		if [ ! -f "$root/$file" ]; then
			echo "receiver $tok: $file is missing (update RECEIVERS in tests/doc-check.sh)"
			continue
		fi
		got=$(receiver_types "$root" "$file" "$start" "$end" "$re")
		if [ -z "$got" ]; then
			echo "receiver $tok: no accepted type found in $file between /$start/ and /$end/ (update RECEIVERS in tests/doc-check.sh)"
			continue
		fi
		want=$(printf '%s\n' "$rows" | awk -v t="$tok" '
		    { for (i = 3; i <= NF; i++) if ($i == t) print $1 }' | sort -u)
		comm -23 <(printf '%s\n' "$got") <(printf '%s\n' "$want") |
		    while read -r name; do
			echo "receiver $tok ($file) accepts $name, but $DOC does not say so"
		done
		comm -13 <(printf '%s\n' "$got") <(printf '%s\n' "$want") |
		    grep -v '^$' | while read -r name; do
			echo "$DOC says receiver $tok accepts $name, but $file does not"
		done
	done

	# 4: a section per message.
	want=$(printf '%s\n' "$rows" | awk '{ print $1 }' | sort -u)
	# shellcheck disable=SC2016
	got=$(sed -nE 's/^### `(PS_[A-Z0-9_]+_(REQ|ANS))`[[:space:]]*$/\1/p' \
	    "$root/$DOC" | sort -u)
	comm -23 <(printf '%s\n' "$want") <(printf '%s\n' "$got") |
	    grep -v '^$' | while read -r name; do
		echo "$name has no \"### \`$name\`\" section in $DOC"
	done
	comm -13 <(printf '%s\n' "$want") <(printf '%s\n' "$got") |
	    grep -v '^$' | while read -r name; do
		echo "$DOC has a section for $name, which is not in its message table"
	done
}

# A copy of the files the check reads, under a new temporary root.
copy_tree() {	# dest
	local f
	for f in "$DOC" "$PROTO" $(printf '%s\n' "$RECEIVERS" | cut -f2 | sort -u); do
		mkdir -p "$1/$(dirname "$f")" && cp "$f" "$1/$f" || return 1
	done
}

self_test() {
	local tmp n=0 out
	tmp=$(mktemp -d) || exit 2
	# shellcheck disable=SC2064
	trap "rm -rf '$tmp'" EXIT
	# case name ~ file ~ sed script ~ text the report must contain
	while IFS='~' read -r name file script expect; do
		[ -n "$name" ] || continue
		n=$((n + 1))
		rm -rf "${tmp:?}/$n" && mkdir "$tmp/$n" && copy_tree "$tmp/$n" ||
		    exit 2
		if [ "$file" != - ] &&
		    ! sed -i -E "$script" "$tmp/$n/$file"; then
			echo "self-test $name: sed failed"
			continue
		fi
		out=$(check_tree "$tmp/$n")
		if [ "$file" = - ]; then
			[ -z "$out" ] || printf 'self-test %s: the unchanged copy fails:\n%s\n' \
			    "$name" "$out"
		elif ! printf '%s\n' "$out" | grep -qF -- "$expect"; then
			printf 'self-test %s: no "%s" in the report:\n%s\n' \
			    "$name" "$expect" "$out"
		fi
	done <<'EOF'
unchanged~-~-~-
added to proto.h only~privsep/proto.h~s/^(#define PS_EXEC_ANS.*)$/\1\n#define PS_BOGUS_REQ\t\t40/~PS_BOGUS_REQ (40) is in privsep/proto.h but not in doc/privsep.md's message table
named in the doc only~doc/privsep.md~s/^(\| 33 \| `PS_EXEC_ANS`.*)$/\1\n| 40 | `PS_BOGUS_REQ` | `mon-net` | net | nobody |/~PS_BOGUS_REQ (40) is in doc/privsep.md's message table but not defined in privsep/proto.h
number differs~doc/privsep.md~s/^\| 18 \| `PS_CERT_REQ`/| 24 | `PS_CERT_REQ`/~PS_CERT_REQ is 18 in privsep/proto.h but not in doc/privsep.md
dropped from the monitor's table~src/monitor/mon_net.c~/^[[:space:]]*\{ PS_CERT_REQ,/d~says receiver mon-net accepts PS_CERT_REQ, but src/monitor/mon_net.c does not
added to the monitor's table~src/monitor/mon_net.c~s/^([[:space:]]*)\{ PS_AUTH_REQ,(.*)$/&\n\1{ PS_SIGN_REQ,\2/~receiver mon-net (src/monitor/mon_net.c) accepts PS_SIGN_REQ, but doc/privsep.md does not say so
added to the net side's table~src/net/net_wrap.c~s/^([[:space:]]*)\{ PS_AUTH_ANS,(.*)$/&\n\1{ PS_SIGN_ANS,\2/~receiver net (src/net/net_wrap.c) accepts PS_SIGN_ANS
worker table changed~src/worker/worker.c~s/^([[:space:]]*)\{ PS_EXEC_REQ,/\1{ PS_INIT_REQ,/~says receiver worker accepts PS_EXEC_REQ, but src/worker/worker.c does not
table not found~src/monitor/mon_workers.c~s/mon_worker_ent\[\] = \{/mon_wtable[] = {/~receiver mon-worker: no accepted type found
section missing~doc/privsep.md~s/^### `PS_CANCEL_REQ`$/### Cancel/~PS_CANCEL_REQ has no
answer numbered wrong~privsep/proto.h~s/^(#define PS_SIGN_ANS[[:space:]]+)23/\125/~answer PS_SIGN_ANS is not its request PS_SIGN_REQ + 1
EOF
}

case "${1:-}" in
--self-test)
	cd "$(dirname "$0")/.." || exit 2
	out=$(self_test)
	[ -z "$out" ] || { printf '%s\n' "$out"; exit 1; } ;;
--root)
	[ $# -eq 2 ] || { echo "usage: $0 [--root DIR | --self-test]" >&2; exit 2; }
	out=$(check_tree "$2")
	[ -z "$out" ] || { printf '%s\n' "$out"; exit 1; } ;;
'')
	cd "$(dirname "$0")/.." || exit 2
	out=$(check_tree .)
	[ -z "$out" ] || { printf '%s\n' "$out"; exit 1; } ;;
*)
	echo "usage: $0 [--root DIR | --self-test]" >&2
	exit 2 ;;
esac
