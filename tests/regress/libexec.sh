#!/bin/bash
# The monitor executes its children (mcpd-net, mcpd-worker; it opens
# and checks mcpd-launch with them) from its
# libexec directory, checked at start as sshd checks sshd-session: each a
# regular executable file, and, when mcpd runs as root, owned by root and
# writable by nobody else, in a directory of which the same holds.  It
# executes the file it opened then, whatever later replaces it on disk.
# A child started by hand refuses to run, and one that an init message
# tells to stay root refuses to go on.
. "$(dirname "$0")/lib.sh"
setup
LX=$OBJ/lx
# An mcpd that looks for its children in $LX (linked as "make install"
# links the installed one, in a directory of this scenario's own).
make -s -C "$TOP" O="$O" INSTALL_O="$OBJ/mk" LIBEXECDIR="$LX" \
    "$OBJ/mk/mcpd" > "$OBJ/make.out" 2>&1 ||
    fail "linking mcpd for $LX: $(cat "$OBJ/make.out")"
MCPD=$OBJ/mk/mcpd
install -d -m 755 "$LX" || fail "install -d"
install -m 755 "$TOP/$O/mcpd-net" "$TOP/$O/mcpd-worker" \
    "$TOP/$O/mcpd-launch" "$LX/" ||
    fail "install children"

# mcpd -t fails with the message $1 once the change $2... made; the
# change is undone by $UNDO.
expect_refused() {	# message command...
	local msg=$1
	shift
	"$@" || fail "setting up: $*"
	"$MCPD" -t -f "$OBJ/mcpd.conf" 2> "$OBJ/err" &&
	    fail "mcpd -t passed after: $*"
	grep -qF "$msg" "$OBJ/err" ||
	    fail "after $*: expected \"$msg\", got: $(cat "$OBJ/err")"
	eval "$UNDO" || fail "undo: $UNDO"
	"$MCPD" -t -f "$OBJ/mcpd.conf" 2> "$OBJ/err" ||
	    fail "mcpd -t after undoing $*: $(cat "$OBJ/err")"
}

"$MCPD" -t -f "$OBJ/mcpd.conf" 2> "$OBJ/err" || fail "mcpd -t: $(cat "$OBJ/err")"

UNDO="rm -f '$LX/mcpd-worker'; install -m 755 '$TOP/$O/mcpd-worker' '$LX/'"
expect_refused "$LX/mcpd-worker: No such file or directory" \
    rm "$LX/mcpd-worker"
expect_refused "$LX/mcpd-worker is not a regular file" \
    sh -c "rm '$LX/mcpd-worker' && ln -s '$TOP/$O/mcpd-worker' '$LX/mcpd-worker'"
UNDO="rm -f '$LX/mcpd-launch'; install -m 755 '$TOP/$O/mcpd-launch' '$LX/'"
expect_refused "$LX/mcpd-launch: No such file or directory" \
    rm "$LX/mcpd-launch"
UNDO="chmod 755 '$LX/mcpd-net'"
expect_refused "$LX/mcpd-net is not executable" chmod 644 "$LX/mcpd-net"
if is_root; then
	expect_refused "$LX/mcpd-net must not be writable by group or others" \
	    chmod 775 "$LX/mcpd-net"
	expect_refused "$LX/mcpd-net must not be writable by group or others" \
	    chmod 757 "$LX/mcpd-net"
	UNDO="chown 0 '$LX/mcpd-net'"
	expect_refused "$LX/mcpd-net must be owned by root" \
	    chown 65534 "$LX/mcpd-net"
	UNDO="chmod 755 '$LX'"
	expect_refused "$LX must not be writable by group or others" \
	    chmod 775 "$LX"
fi

# The children run the programs of $LX; replaced on disk while mcpd
# runs, a program is not what a new child runs: the monitor executes
# the file it opened and checked at start.
KEY=$DEV_KEY start_mcpd
for k in net worker; do
	p=$(child_pids "$k" | head -n 1)
	[ -n "$p" ] || fail "no $k process"
	expect_eq "program of the $k process" "$(readlink "/proc/$p/exe")" \
	    "$LX/mcpd-$k"
done
mv "$LX/mcpd-worker" "$LX/mcpd-worker.old" || fail "mv"
printf '#!/bin/sh\necho replaced > %s/replaced\n' "$OBJ" > "$LX/mcpd-worker"
chmod 755 "$LX/mcpd-worker"
old=$(child_pids worker | tr '\n' ' ')
for p in $old; do kill -KILL "$p"; done
for i in $(seq 1 200); do
	new=$(child_pids worker | tr '\n' ' ')
	n=0
	for p in $new; do
		case " $old " in *" $p "*) ;; *) n=$((n + 1)) ;; esac
	done
	[ "$n" -ge 2 ] && break
	sleep 0.05
done
[ "$n" -ge 2 ] || fail "workers not replaced"
for p in $new; do
	expect_eq "program of a new worker" "$(readlink "/proc/$p/exe")" \
	    "$LX/mcpd-worker.old"
done
send "$(init_msg | head -n 1)"
send "$(init_msg | tail -n 1)"
send "$(call_msg 1 list_tables '{}')"
wait_answer 1
expect_eq "call after the replacement" "$(answer 1 '.result.isError')" false
[ -e "$OBJ/replaced" ] && fail "the replaced program ran"
stop_mcpd || fail "mcpd exited with $?"
mv "$LX/mcpd-worker.old" "$LX/mcpd-worker" || fail "mv back"

# Started by hand: with no monitor channel, or with any argument, a child
# refuses before it does anything.
for k in net worker; do
	"$LX/mcpd-$k" > "$OBJ/out.hand" 2>&1 && fail "mcpd-$k ran by hand"
	expect_eq "mcpd-$k by hand" "$(cat "$OBJ/out.hand")" \
	    "mcpd-$k: started only by mcpd(8)"
done
# The channel a Unix stream socket at fd 3, as the monitor gives it, but
# an argument: refused all the same.  Then no argument, and an init
# message that says "do not drop privileges" to a child running as root:
# it refuses to go on (the monitor sends that only when it is not root
# itself).
python3 - "$LX" "$OBJ/demo.db" "$(is_root && echo 1 || echo 0)" > "$OBJ/hand.out" 2>&1 <<'EOF' ||
import os, socket, struct, subprocess, sys
lx, db, root = sys.argv[1], sys.argv[2], sys.argv[3] == "1"

def start(args):
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    def child():
        os.dup2(b.fileno(), 3)
    # close_fds would close fd 3 again after preexec_fn.
    p = subprocess.Popen(args, close_fds=False, preexec_fn=child,
                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, env={})
    b.close()
    return a, p

def msg(t, payload):
    return struct.pack(">IB", 1 + len(payload), t) + payload

def u32(v):
    return struct.pack(">I", v)

def string(s):
    return u32(len(s)) + s

a, p = start([lx + "/mcpd-worker", "-R", "worker"])
out, err = p.communicate(timeout=10)
assert p.returncode == 1, p.returncode
assert err == b"mcpd-worker: started only by mcpd(8)\n", err
print("argument refused")

if root:
    a, p = start([lx + "/mcpd-worker"])
    # PS_INIT_REQ: version 1, kind worker, log level 1, drop 0, uid,
    # gid, database, rows, timeout, result cap.
    a.sendall(msg(2, u32(1) + u32(2) + u32(1) + u32(0) + u32(0) + u32(0) +
                  string(db.encode()) + u32(100) + u32(5000) + u32(65536)))
    a.settimeout(10)
    got = b""
    while True:
        d = a.recv(65536)
        if not d:
            break
        got += d
    p.wait(timeout=10)
    assert p.returncode != 0, p.returncode
    assert b"refusing to run without dropping privileges" in got, got
    print("root without drop refused")
EOF
    fail "hand start: $(cat "$OBJ/hand.out")"
grep -q "argument refused" "$OBJ/hand.out" || fail "no argument case"
if is_root; then
	grep -q "root without drop refused" "$OBJ/hand.out" ||
	    fail "no root case: $(cat "$OBJ/hand.out")"
fi
exit 0
