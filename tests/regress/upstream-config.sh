#!/bin/bash
# Upstream lines (mcpd.conf(5), UPSTREAMS) before the gateway exists:
# mcpd -t checks them, envfile= and credential= as the secret files they
# are; mcpd -T prints them in a form that reads back to the same lines;
# a start with one fails with one clear message, and so does a reload
# that adds one, the running configuration staying in force.
. "$(dirname "$0")/lib.sh"
setup
C=$OBJ/mcpd.conf
ENVF=$OBJ/fs.env
CRED=$OBJ/gh.token
(umask 077 && printf '# the upstream'"'"'s own secret\nGITHUB_TOKEN=ghp_upstream_%s\n' $$ > "$ENVF")
(umask 077 && printf 'upstream-bearer-%s\n' $$ > "$CRED")
UP1="Upstream fs user=nobody cwd=/srv env=HOME,LANG envfile=$ENVF read=/srv/data:/usr/share write=/srv/out timeout=1m max-inflight=4 command /usr/bin/node \"/opt/my server.js\" --root=/srv"
UP2="Upstream gh credential=$CRED prefix= url https://api.example.com/mcp"
{ printf '%s\n%s\n' "$UP1" "$UP2"; cat "$C"; } > "$OBJ/up.conf"

"$MCPD" -t -f "$OBJ/up.conf" > "$OBJ/out" 2> "$OBJ/err" ||
    fail "-t with Upstream lines: $(cat "$OBJ/err")"
expect_eq "-t is silent" "$(cat "$OBJ/out" "$OBJ/err")" ""

# -T: the canonical lines, which read back to themselves.
"$MCPD" -T -f "$OBJ/up.conf" 2> "$OBJ/err" | grep '^upstream ' > "$OBJ/dump1" ||
    fail "-T: $(cat "$OBJ/err")"
expect_eq "-T" "$(cat "$OBJ/dump1")" \
"upstream fs user=nobody cwd=/srv env=HOME,LANG envfile=$ENVF read=/srv/data:/usr/share write=/srv/out timeout=60 max-inflight=4 command /usr/bin/node \"/opt/my server.js\" --root=/srv
upstream gh prefix= credential=$CRED url https://api.example.com/mcp"
cat "$OBJ/dump1" "$C" > "$OBJ/again.conf"
"$MCPD" -T -f "$OBJ/again.conf" | grep '^upstream ' > "$OBJ/dump2" || fail "-T again"
expect_eq "-T of -T" "$(cat "$OBJ/dump2")" "$(cat "$OBJ/dump1")"

# A start with an Upstream line fails, with the message alone.
init_msg > "$OBJ/in"
env MCPD_API_KEY="$DEV_KEY" timeout 30 "$MCPD" -f "$OBJ/up.conf" --stdio \
    < "$OBJ/in" > "$OBJ/out" 2> "$OBJ/err"
expect_eq "start exit status" "$?" 1
expect_eq "start stdout" "$(cat "$OBJ/out")" ""
sed 's/^mcpd\[[0-9]*\]: //' "$OBJ/err" |
    grep -qxF "fatal: Upstream fs: the gateway is not in this build yet" ||
    fail "start: message missing: $(cat "$OBJ/err")"
grep -q 'Server ready' "$OBJ/err" && fail "server became ready"

# The secret files: checked by -t (and at start) as AuthorizedKeysFile is.
refused() {	# what message
	"$MCPD" -t -f "$OBJ/up.conf" > "$OBJ/out" 2> "$OBJ/err" &&
	    fail "$1: -t accepted"
	expect_eq "$1" "$(sed 's/^mcpd\[[0-9]*\]: //' "$OBJ/err")" "fatal: $2"
}
unprotected() {	# path mode
	printf 'UNPROTECTED SECRET FILE: %s is accessible by group or others (mode %s); it must be 0600 or stricter' "$1" "$2"
}
chmod 0640 "$ENVF"
refused "envfile 0640" "Upstream fs: $(unprotected "$ENVF" 0640)"
chmod 0600 "$ENVF"
chmod 0604 "$CRED"
refused "credential 0604" "Upstream gh: $(unprotected "$CRED" 0604)"
chmod 0600 "$CRED"
cp "$ENVF" "$ENVF.save"
printf 'MCPD_API_KEY=x\n' >> "$ENVF"
refused "envfile MCPD_" "Upstream fs: $ENVF line 3: 'MCPD_API_KEY' is reserved for mcpd (MCPD_*)"
printf 'not a variable\n' > "$ENVF"
refused "envfile line" "Upstream fs: $ENVF line 1: expected NAME=VALUE"
mv "$ENVF.save" "$ENVF"
cp "$CRED" "$CRED.save"
printf 'two words\n' > "$CRED"
refused "credential" "Upstream gh: $CRED: not one bearer token (letters, digits and -._~+/, then any =)"
mv "$CRED.save" "$CRED"
ln -s "$CRED" "$OBJ/cred.link"
sed -i "s|credential=$CRED|credential=$OBJ/cred.link|" "$OBJ/up.conf"
refused "credential link" "Upstream gh: $OBJ/cred.link: is a symbolic link"
sed -i "s|credential=$OBJ/cred.link|credential=$OBJ/missing|" "$OBJ/up.conf"
refused "credential missing" "Upstream gh: $OBJ/missing: No such file or directory"
# Neither secret is ever in a message.
grep -q "ghp_upstream_$$\|upstream-bearer-$$" "$OBJ"/err "$OBJ"/out && fail "a secret in the output"

# A reload that adds an Upstream line is refused; calls go on.
KEY=$DEV_KEY start_mcpd
send "$(init_msg | head -n 1)"
wait_answer 0
cp "$C" "$C.good"
printf '%s\n' "$UP2" >> "$C"
kill -HUP "$MCPD_PID"
for i in $(seq 1 100); do
	grep -q "reload failed" "$OBJ/err" && break
	sleep 0.05
done
grep -qF "reload failed, the running configuration stays in force: Upstream gh: the gateway is not in this build yet" "$OBJ/err" ||
    fail "reload not refused: $(cat "$OBJ/err")"
send "$(call_msg 1 list_tables '{}')"
wait_answer 1
expect_eq "still serving" "$(answer 1 '.result.isError')" false
stop_mcpd || fail "exit status $?"
audit_verify
exit 0
