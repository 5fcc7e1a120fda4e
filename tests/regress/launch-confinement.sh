#!/bin/bash
# mcpd-launch starts a stdio upstream confined (DESIGN.md section 11;
# doc/privsep.md, section 6): a python driver executes build/mcpd-launch
# as the gateway will, with a socket at fd 3 and pipes at fds 0-2, sends
# one PS_LAUNCH_REQ, and the upstream is a probe (a python3 script) that
# tries what it must not do.  Checked from /proc/PID and by the probe's
# own tries, each with its exact outcome:
#   the uid and gid of the test user, no supplementary group, no
#   capability; NoNewPrivs 1, Seccomp 2; exactly the given environment,
#   argv and cwd; no signal ignored or blocked by the starter; only
#   fds 0-2 (a descriptor of a stand-in for mcpd's configuration, leaked
#   on purpose into mcpd-launch, is gone); the rlimits; with network=none, a namespace of its own with only lo,
#   down: UDP to 127.0.0.1 is unreachable and TCP refused by Landlock;
#   Landlock: reading outside read= fails (stand-ins for mcpd's config
#   and audit key in a world-readable directory, a world-readable file
#   in /etc, /etc/hostname), writing outside write= fails (in a
#   world-writable directory) and inside succeeds, nothing written
#   there executes, /usr and /etc/passwd stay readable; the seccomp deny
#   list: ptrace, mount, unshare(CLONE_NEWUSER), bpf, keyctl,
#   perf_event_open, init_module fail with EPERM, clone3 with ENOSYS,
#   while fork, exec and threads still work, and a call through the i386
#   entry point kills the process (SIGSYS); and the upstream dies with
#   the process that started mcpd-launch.  Started as another user than
#   root (development), the uid is kept with a log line and the answer's
#   flag, RLIMIT_NPROC is left alone, and network=none is refused.
# And mcpd-launch refuses: to run by hand (no socket at fd 3, or an
# argument), with a closed fd 0, an upstream as uid 0 or gid 0, a cwd the
# upstream's user cannot reach, and each malformed request, each answered
# with its exact reason.
. "$(dirname "$0")/lib.sh"
is_root || skip "needs root (the uid change and network=none)"
[ "$(uname -m)" = x86_64 ] || skip "the probe's system call numbers are x86_64's"
LAUNCH=$TOP/$O/mcpd-launch
[ -x "$LAUNCH" ] || fail "no $LAUNCH (make all)"
setup
ETCFILE=/etc/mcpd-launch-regress.$$
reap() {	# the probes this scenario started, if they outlived it
	local p
	for p in $(cat "$OBJ/probes" 2>/dev/null); do
		tr '\0' ' ' < "/proc/$p/cmdline" 2>/dev/null |
		    grep -q "$OBJ/ro/probe.py" && kill -9 "$p" 2>/dev/null
	done
	rm -f "$ETCFILE"
}
trap 'reap; cleanup' EXIT

# Directories anyone may read or write, so that only Landlock stands
# between the probe and what it must not touch.
mkdir -p "$OBJ/ro" "$OBJ/rw" "$OBJ/secret" "$OBJ/private/dir" || fail mkdir
chmod 700 "$OBJ/private" || fail chmod
chmod 777 "$OBJ/ro" "$OBJ/rw" "$OBJ/secret" || fail chmod
echo readable > "$OBJ/ro/data"
echo "AuditKeyFile $OBJ/secret/audit.key" > "$OBJ/secret/mcpd.conf"
head -c 32 /dev/urandom > "$OBJ/secret/audit.key"
echo "secret" > "$ETCFILE"
chmod 644 "$OBJ/ro/data" "$ETCFILE" || fail chmod
chmod 666 "$OBJ/secret/mcpd.conf" "$OBJ/secret/audit.key" || fail chmod
install -m 755 /usr/bin/true "$OBJ/rw/true" || fail "install true"
ensure_user "$TEST_TOOL_USER"
ensure_user "$TEST_NET_USER"
TUID=$(id -u "$TEST_TOOL_USER")
TGID=$(id -g "$TEST_TOOL_USER")

cat > "$OBJ/ro/probe.py" <<'EOF'
# The upstream: tries, and says what each try gave (ok or the errno).
import ctypes, errno, fcntl, json, os, socket, struct, subprocess, sys
import threading, time

if sys.argv[1] == "sleep":
    # The death test: stdin is not what ends it (see the driver).
    print("ready", flush=True)
    while True:
        time.sleep(1)
if sys.argv[1] == "foreign":
    # getpid through the i386 entry point (mov eax, 20; int 0x80; ret):
    # numbers the filter does not check, so it kills.
    import mmap
    m = mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE |
                  mmap.PROT_EXEC)
    m.write(b"\xb8\x14\x00\x00\x00\xcd\x80\xc3")
    f = ctypes.CFUNCTYPE(ctypes.c_int)(
        ctypes.addressof(ctypes.c_char.from_buffer(m)))
    print("i386 getpid returned %d" % f(), flush=True)
    sys.exit(0)
obj, etcfile = sys.argv[2], sys.argv[3]
res = {}

def attempt(name, fn):
    try:
        fn()
        res[name] = "ok"
    except OSError as e:
        res[name] = errno.errorcode.get(e.errno, str(e.errno))

def rd(p):
    with open(p, "rb") as f:
        f.read(1)

def wr(p):
    with open(p, "wb") as f:
        f.write(b"x")

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long

def sc(nr, *args):
    def f():
        if libc.syscall(ctypes.c_long(nr),
                        *[ctypes.c_long(a) for a in args]) == -1:
            e = ctypes.get_errno()
            raise OSError(e, os.strerror(e))
    return f

def connect(kind):
    def f():
        with socket.socket(socket.AF_INET, kind) as s:
            s.settimeout(2)
            s.connect(("127.0.0.1", 9))
    return f

def lo_up():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    r = fcntl.ioctl(s, 0x8913, struct.pack("16sH22x", b"lo", 0))
    s.close()
    if struct.unpack("16sH22x", r)[1] & 1:
        raise OSError(errno.EEXIST, "lo is up")

def thread():
    t = threading.Thread(target=lambda: None)
    t.start()
    t.join()

attempt("read ro", lambda: rd(obj + "/ro/data"))
attempt("read config", lambda: rd(obj + "/secret/mcpd.conf"))
attempt("read audit key", lambda: rd(obj + "/secret/audit.key"))
attempt("read etc file", lambda: rd(etcfile))
attempt("read hostname", lambda: rd("/etc/hostname"))
attempt("read passwd", lambda: rd("/etc/passwd"))
attempt("list usr", lambda: os.listdir("/usr"))
attempt("fd 7", lambda: os.fstat(7))
attempt("write rw", lambda: wr(obj + "/rw/new"))
attempt("mkdir rw", lambda: os.mkdir(obj + "/rw/dir%d" % os.getpid()))
attempt("write ro", lambda: wr(obj + "/ro/new"))
attempt("write secret", lambda: wr(obj + "/secret/mcpd.conf"))
attempt("create in secret", lambda: wr(obj + "/secret/new"))
attempt("exec rw", lambda: subprocess.run([obj + "/rw/true"], check=True))
attempt("exec usr", lambda: subprocess.run(["/usr/bin/true"], check=True))
attempt("thread", thread)
attempt("tcp 127.0.0.1", connect(socket.SOCK_STREAM))
attempt("udp 127.0.0.1", connect(socket.SOCK_DGRAM))
attempt("lo down", lo_up)
attempt("ptrace", sc(101, 0, 0, 0, 0))
attempt("mount", sc(165, 0, 0, 0, 0, 0))
attempt("unshare user", sc(272, 0x10000000))
attempt("bpf", sc(321, 0, 0, 0))
attempt("keyctl", sc(250, 0, -3, 0))
attempt("perf_event_open", sc(298, 0, 0, -1, -1, 0))
attempt("init_module", sc(175, 0, 0, 0))
attempt("clone3", sc(435, 0, 0))
print(json.dumps(res), flush=True)
sys.stdin.read()
EOF
chmod 644 "$OBJ/ro/probe.py"

python3 - "$LAUNCH" "$OBJ" "$TUID" "$TGID" "$ETCFILE" \
    "$(id -u "$TEST_NET_USER")" "$(id -g "$TEST_NET_USER")" \
    > "$OBJ/out" 2>&1 <<'EOF' ||
import ctypes, fcntl, json, os, signal, socket, struct, subprocess, sys
import time
LAUNCH, OBJ, UID, GID, ETCFILE = sys.argv[1], sys.argv[2], \
    int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
DEV = (int(sys.argv[6]), int(sys.argv[7]))
PROBE = OBJ + "/ro/probe.py"
PY = "/usr/bin/python3"
ENV = ["PATH=/usr/bin:/bin", "LANG=C.UTF-8", "MCPD_LAUNCH_TEST=x y"]
PS_LOG_REQ, PS_LAUNCH_REQ, PS_LAUNCH_ANS = 4, 48, 49
failures = []

def check(what, got, want):
    if got != want:
        failures.append("%s: got %r, want %r" % (what, got, want))

def u32(v):
    return struct.pack(">I", v)

def string(s):
    s = s.encode() if isinstance(s, str) else s
    return u32(len(s)) + s

def strs(v):
    return u32(len(v)) + b"".join(string(s) for s in v)

def frame(t, payload):
    return struct.pack(">IB", 1 + len(payload), t) + payload

def request(uid=UID, gid=GID, cwd=OBJ + "/ro", network=0, nofile=1024,
            nproc=1024, rd=(OBJ + "/ro",), wr=(OBJ + "/rw",), env=ENV,
            argv=(PY, PROBE, "check", OBJ, ETCFILE), version=1, extra=b""):
    return frame(PS_LAUNCH_REQ, u32(version) + u32(uid) + u32(gid) +
                 string(cwd) + u32(network) + u32(nofile) + u32(nproc) +
                 strs(rd) + strs(wr) + strs(env) + strs(argv) + extra)

def start(args=(LAUNCH,), leak=None, close0=False, channel=True, as_user=None):
    """mcpd-launch as the gateway starts it; leak: a fd it gets at 7;
    as_user: (uid, gid) it runs as instead of root."""
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    def child():
        # Both lifted above their targets first, so that placing one
        # cannot overwrite the other.
        hi = fcntl.fcntl(b.fileno(), fcntl.F_DUPFD, 20)
        if leak is not None:
            os.dup2(fcntl.fcntl(leak, fcntl.F_DUPFD, 20), 7)
        if channel:
            os.dup2(hi, 3)
        if close0:
            os.close(0)
        # What a starter may leave behind, which the upstream must not
        # inherit: an ignored signal, a blocked one.
        signal.signal(signal.SIGUSR1, signal.SIG_IGN)
        signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGUSR2])
        if as_user is not None:
            os.setgroups([])
            os.setgid(as_user[1])
            os.setuid(as_user[0])
    # close_fds would close fd 3 again after preexec_fn.
    p = subprocess.Popen(list(args), close_fds=False, preexec_fn=child,
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE,
                         env={"LEAK_FROM_STARTER": "starter-secret"})
    b.close()
    return a, p

def read_answer(a):
    """The PS_LOG_REQ lines, then PS_LAUNCH_ANS: (logs, answer or None)."""
    a.settimeout(20)
    buf, logs = b"", []
    while True:
        while len(buf) >= 5:
            n, t = struct.unpack(">IB", buf[:5])
            if len(buf) < 4 + n:
                break
            body, buf = buf[5:4 + n], buf[4 + n:]
            if t == PS_LOG_REQ:
                ln = struct.unpack(">I", body[4:8])[0]
                logs.append(body[8:8 + ln].decode())
                continue
            assert t == PS_LAUNCH_ANS, "message type %d" % t
            st, abi, flags, ln = struct.unpack(">IIII", body[:16])
            assert len(body) == 16 + ln, "answer length"
            return logs, (st, abi, flags, body[16:].decode())
        d = a.recv(65536)
        if not d:
            return logs, None
        buf += d

# A refusal: its exact reason, exit status 1, nothing executed.
def refused(what, req, reason, **kw):
    a, p = start(**kw)
    try:
        a.sendall(req)
    except BrokenPipeError:
        pass
    if req == b"":
        a.shutdown(socket.SHUT_WR)
    logs, ans = read_answer(a)
    check(what, ans and (ans[0], ans[3]), (1, reason))
    # Were it running the probe after all, this ends it.
    p.stdin.close()
    check(what + ": exit", p.wait(timeout=20), 1)
    check(what + ": upstream output", p.stdout.read(), b"")


# --- The confined probe. ---
leak = os.open(OBJ + "/secret/mcpd.conf", os.O_RDONLY)
a, p = start(leak=leak)
os.close(leak)
a.sendall(request())
logs, ans = read_answer(a)
assert ans is not None, "no answer; stderr %r" % p.stderr.read()
st, abi, flags, reason = ans
check("answer status", (st, reason), (0, ""))
check("answer flags", flags, 0)
# The kernel's own answer: landlock_create_ruleset(NULL, 0, VERSION).
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
kabi = libc.syscall(ctypes.c_long(444), None, ctypes.c_long(0),
                    ctypes.c_long(1))
check("Landlock ABI", abi, max(kabi, 0))
line = p.stdout.readline()
assert line, "probe said nothing; stderr %r" % p.stderr.read()
res = json.loads(line)
pid = p.pid

# From /proc, while the probe waits on its stdin.
status = dict(l.split(":", 1) for l in open("/proc/%d/status" % pid)
              .read().splitlines())
status = {k: v.split() for k, v in status.items()}
check("Uid", status["Uid"], [str(UID)] * 4)
check("Gid", status["Gid"], [str(GID)] * 4)
check("Groups", status["Groups"], [str(GID)])
check("NoNewPrivs", status["NoNewPrivs"], ["1"])
check("Seccomp", status["Seccomp"], ["2"])
for c in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"):
    check(c, status[c], ["0000000000000000"])
check("SIGUSR1 not ignored", int(status["SigIgn"][0], 16) &
      (1 << (signal.SIGUSR1 - 1)), 0)
check("no signal blocked", status["SigBlk"], ["0000000000000000"])
environ = open("/proc/%d/environ" % pid, "rb").read()
check("environment", environ.split(b"\0")[:-1], [e.encode() for e in ENV])
cmdline = open("/proc/%d/cmdline" % pid, "rb").read()
check("argv", cmdline.split(b"\0")[:-1],
      [s.encode() for s in (PY, PROBE, "check", OBJ, ETCFILE)])
check("cwd", os.readlink("/proc/%d/cwd" % pid), OBJ + "/ro")
check("fds", sorted(os.listdir("/proc/%d/fd" % pid)), ["0", "1", "2"])
limits = {}
for l in open("/proc/%d/limits" % pid).read().splitlines()[1:]:
    name = l[:26].strip()
    limits[name] = l[26:].split()[:2]
check("core limit", limits["Max core file size"], ["0", "0"])
check("nofile limit", limits["Max open files"], ["1024", "1024"])
check("nproc limit", limits["Max processes"], ["1024", "1024"])
check("network namespace differs",
      os.readlink("/proc/%d/ns/net" % pid) != os.readlink("/proc/self/ns/net"),
      True)
ifaces = [l.split(":")[0].strip() for l in
          open("/proc/%d/net/dev" % pid).read().splitlines()[2:]]
check("interfaces", ifaces, ["lo"])

want = {
    "read ro": "ok", "read passwd": "ok", "list usr": "ok",
    "fd 7": "EBADF",
    "write rw": "ok", "mkdir rw": "ok",
    "exec usr": "ok", "thread": "ok",
    "udp 127.0.0.1": "ENETUNREACH", "lo down": "ok",
    "ptrace": "EPERM", "mount": "EPERM", "unshare user": "EPERM",
    "bpf": "EPERM", "keyctl": "EPERM", "perf_event_open": "EPERM",
    "init_module": "EPERM", "clone3": "ENOSYS",
}
# What Landlock refuses, if the kernel has it (whatever the answer says).
if kabi > 0:
    want.update({
        "read config": "EACCES", "read audit key": "EACCES",
        "read etc file": "EACCES", "read hostname": "EACCES",
        "write ro": "EACCES", "write secret": "EACCES",
        "create in secret": "EACCES", "exec rw": "EACCES",
    })
# Landlock ABI 4 refuses TCP before the route is looked up.
want["tcp 127.0.0.1"] = "EACCES" if kabi >= 4 else "ENETUNREACH"
for k in sorted(want):
    check("probe: " + k, res.get(k), want[k])
check("probe wrote inside write=",
      open(OBJ + "/rw/new", "rb").read(), b"x")
check("owner of what it wrote", os.stat(OBJ + "/rw/new").st_uid, UID)
p.stdin.close()
check("probe exit", p.wait(timeout=20), 0)

# --- network=host keeps the host's namespace. ---
a, p = start()
a.sendall(request(network=1))
logs, ans = read_answer(a)
check("network=host answer", ans[0], 0)
json.loads(p.stdout.readline())
check("network=host namespace",
      os.readlink("/proc/%d/ns/net" % p.pid), os.readlink("/proc/self/ns/net"))
p.stdin.close()
check("network=host exit", p.wait(timeout=20), 0)

# --- Not started as root (development): the uid is kept, with a log
# line and the flag; network=none cannot be had, and fails the start;
# RLIMIT_NPROC is left alone; the rest of the confinement holds. ---
a, p = start(as_user=DEV)
a.sendall(request(network=1))
logs, ans = read_answer(a)
check("development answer", ans, (0, max(kabi, 0), 1, ""))
check("development log", logs, [
    "mcpd-launch: not started as root: the upstream keeps uid %d (not %d)"
    % (DEV[0], UID)])
res = json.loads(p.stdout.readline())
status = {k: v.split() for k, v in (l.split(":", 1) for l in
          open("/proc/%d/status" % p.pid).read().splitlines())}
check("development Uid", status["Uid"], [str(DEV[0])] * 4)
check("development NoNewPrivs", status["NoNewPrivs"], ["1"])
check("development Seccomp", status["Seccomp"], ["2"])
check("development ptrace", res["ptrace"], "EPERM")
if kabi > 0:
    check("development read config", res["read config"], "EACCES")
nproc = [l.split()[2:4] for l in open("/proc/%d/limits" % p.pid)
         if l.startswith("Max processes")][0]
check("development nproc limit", nproc,
      [l.split()[2:4] for l in open("/proc/self/limits")
       if l.startswith("Max processes")][0])
p.stdin.close()
check("development exit", p.wait(timeout=20), 0)
refused("development network=none", request(),
        "network=none: unshare(CLONE_NEWNET): Operation not permitted "
        "(needs root)", as_user=DEV)

# --- A system call through a foreign architecture's entry point kills.
a, p = start()
a.sendall(request(argv=(PY, PROBE, "foreign")))
check("foreign answer", read_answer(a)[1][0], 0)
out, err = p.communicate(timeout=20)
check("foreign architecture", (p.returncode, out), (-signal.SIGSYS, b""))

# --- Death with the starting process. ---
holder = subprocess.Popen([sys.executable, "-c", r'''
import os, socket, fcntl, subprocess, struct, sys, time
launch, req = sys.argv[1], bytes.fromhex(sys.argv[2])
a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
def child():
    os.dup2(fcntl.fcntl(b.fileno(), fcntl.F_DUPFD, 20), 3)
p = subprocess.Popen([launch], close_fds=False, preexec_fn=child,
                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, env={})
b.close()
a.sendall(req)
assert p.stdout.readline() == b"ready\n"
print(p.pid, flush=True)
time.sleep(600)
''', LAUNCH, request(argv=(PY, PROBE, "sleep")).hex()],
    stdout=subprocess.PIPE, stdin=subprocess.DEVNULL)
probe = int(holder.stdout.readline())
with open(OBJ + "/probes", "a") as f:
    f.write("%d\n" % probe)
check("the probe sleeps", PROBE.encode() in
      open("/proc/%d/cmdline" % probe, "rb").read(), True)
holder.kill()
holder.wait()

def alive(pid):
    try:
        st = open("/proc/%d/stat" % pid).read()
    except FileNotFoundError:
        return False
    return st[st.rindex(")") + 2] != "Z"

for _ in range(40):
    if not alive(probe):
        break
    time.sleep(0.05)
check("probe alive 2 s after its starter died", alive(probe), False)

# --- Refusals, each with its exact reason. ---
refused("uid 0", request(uid=0),
        "refusing to run an upstream as uid 0 gid %d" % GID)
refused("gid 0", request(gid=0),
        "refusing to run an upstream as uid %d gid 0" % UID)
refused("version", request(version=2), "protocol version 2, expected 1")
refused("relative cwd", request(cwd="ro"),
        'cwd "ro" is not an absolute path')
refused("missing cwd", request(cwd="/nonexistent"),
        "cwd /nonexistent: No such file or directory")
refused("cwd the user cannot reach", request(cwd=OBJ + "/private/dir"),
        "cwd %s/private/dir: Permission denied" % OBJ)
refused("network", request(network=2), "bad network 2")
refused("nofile low", request(nofile=15), "nofile 15 out of range 16..65536")
refused("nofile high", request(nofile=65537),
        "nofile 65537 out of range 16..65536")
refused("nproc high", request(nproc=65537), "nproc 65537 above 65536")
refused("relative read path", request(rd=("ro",)),
        'read path "ro" is not an absolute path')
refused("relative write path", request(wr=("rw",)),
        'write path "rw" is not an absolute path')
refused("too many read paths", request(rd=(OBJ,) * 65),
        "malformed request: 65 read paths, at most 64")
refused("missing read path", request(rd=("/nonexistent",)),
        "Landlock: /nonexistent: No such file or directory")
refused("environment", request(env=("NOEQUALS",)),
        "environment string 0 is not NAME=VALUE")
refused("environment name", request(env=("=x",)),
        "environment string 0 is not NAME=VALUE")
refused("environment NUL", request(env=("A=\0",)),
        "malformed request: environment strings 0: invalid format")
refused("no program", request(argv=()), "no program to execute")
refused("relative program", request(argv=("python3",)),
        'program "python3" is not an absolute path')
refused("missing program", request(argv=("/nonexistent/prog",)),
        "program /nonexistent/prog: No such file or directory")
refused("trailing bytes", request(extra=b"x"),
        "malformed request: invalid format")
refused("short", frame(PS_LAUNCH_REQ, u32(1) + u32(UID)),
        "malformed request: message incomplete")
refused("another type", frame(2, u32(1)),
        "unexpected message: launch: message type 2 not permitted in "
        "state 0xffffffff")
refused("no request", b"", "reading the request: end of file")
refused("fd 0 closed", request(), "fd 0 is not open", close0=True)

# --- Started by hand: no socket at fd 3, or an argument. ---
for what, kw in (("by hand", dict(channel=False)),
                 ("with an argument", dict(args=(LAUNCH, "-x")))):
    a, p = start(**kw)
    out, err = p.communicate(timeout=20)
    check(what + ": exit", p.returncode, 1)
    check(what + ": stderr", err, b"mcpd-launch: started only by mcpd(8)\n")
    check(what + ": stdout", out, b"")

if failures:
    print("\n".join(failures))
    sys.exit(1)
print("all checked (Landlock ABI %d)" % abi)
EOF
    fail "$(cat "$OBJ/out")"
grep -q "^all checked" "$OBJ/out" || fail "the driver did not finish"
exit 0
