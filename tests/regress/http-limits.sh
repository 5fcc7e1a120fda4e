#!/bin/bash
# The HTTP limits (issue 4, item 1; mcpd(8), HTTP TRANSPORT): MaxConnections
# (4 served at once, a 5th waits unanswered until one closes), ClientTimeout
# against a client that trickles its request (slowloris) in its headers or its
# body, IdleTimeout on a connection that sends nothing or waits after an
# answer, MaxMessageSize (413) and MaxHeaderSize (refused) with nothing
# audited.  Every wait is bounded; the bounds are far above the timeouts set,
# and each case sets the other timeout far above the bound, so that only the
# limit under test can explain the outcome.
. "$(dirname "$0")/lib.sh"
setup_http
cp "$OBJ/mcpd.conf" "$OBJ/base.conf"
limits() {	# config lines
	stop_http
	cp "$OBJ/base.conf" "$OBJ/mcpd.conf"
	http_conf "$@"
	start_http
}

# py: the python3 script on stdin, with the port and the key in its
# environment (not on its command line).
py() {
	MCPD_TEST_PORT=$PORT MCPD_TEST_KEY=$DEV_KEY python3 -
}
# Shared by the python snippets: a complete request, and a reader.
PYLIB='
import os, socket, time
from rawhttp import Closed, read_answer
PORT = int(os.environ["MCPD_TEST_PORT"])
KEY = os.environ["MCPD_TEST_KEY"].encode()

INIT = (b"{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\","
        b"\"params\":{\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},"
        b"\"clientInfo\":{\"name\":\"regress\",\"version\":\"1\"}}}")

def request(body=INIT):
    return (b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/json\r\n"
            b"Authorization: Bearer " + KEY + b"\r\n"
            b"Content-Length: %d\r\n\r\n" % len(body)) + body

def connect():
    return socket.create_connection(("127.0.0.1", PORT), timeout=10)

def status(s, timeout):
    """The status line of the next answer, "" on EOF, None on timeout."""
    s.settimeout(timeout)
    try:
        return read_answer(s)
    except Closed as e:
        return e.partial.split(b"\r\n")[0].decode()
    except socket.timeout:
        return None
    except ConnectionResetError:
        return ""

def closed_within(s, bound):
    """Seconds until the server closed s, or None if not within bound."""
    t0 = time.monotonic()
    s.settimeout(0.2)
    while time.monotonic() - t0 < bound:
        try:
            if s.recv(4096) == b"":
                return time.monotonic() - t0
        except socket.timeout:
            continue
        except ConnectionResetError:
            return time.monotonic() - t0
    return None
'

# --- MaxConnections 4 ---
limits "MaxConnections 4" "IdleTimeout 120" "ClientTimeout 60"
py > "$OBJ/maxconn" <<EOF || fail "MaxConnections: $(cat "$OBJ/maxconn")"
$PYLIB
held = []
for i in range(4):
    s = connect()
    s.sendall(request())
    print("conn%d %s" % (i + 1, status(s, 10)))
    held.append(s)
fifth = connect()		# the kernel completes the handshake
fifth.sendall(request())
print("fifth-while-4-open %s" % status(fifth, 3))
held.pop(0).close()
print("fifth-after-one-closed %s" % status(fifth, 10))
# The ones held are still served: they were not dropped to make room.
held[0].sendall(request())
print("held-again %s" % status(held[0], 10))
EOF
expect_eq "MaxConnections" "$(cat "$OBJ/maxconn")" \
"conn1 HTTP/1.1 200 OK
conn2 HTTP/1.1 200 OK
conn3 HTTP/1.1 200 OK
conn4 HTTP/1.1 200 OK
fifth-while-4-open None
fifth-after-one-closed HTTP/1.1 200 OK
held-again HTTP/1.1 200 OK"

# --- slowloris: ClientTimeout 2 (IdleTimeout far longer) ---
limits "ClientTimeout 2" "IdleTimeout 120"
py > "$OBJ/slow" <<EOF || fail "slowloris: $(cat "$OBJ/slow")"
$PYLIB
def trickle(prefix, what):
    s = connect()
    s.sendall(prefix)
    msg = request()[len(prefix):]
    t0 = time.monotonic()
    for b in msg:		# a byte a second: 60 s or more for it all
        try:
            s.send(bytes([b]))
        except OSError:
            break
        t = closed_within(s, 1.0)
        if t is not None:
            break
        if time.monotonic() - t0 > 20:
            print("%s not-closed" % what)
            return
    else:
        print("%s completed" % what)
        return
    print("%s closed-within-20s" % what)

trickle(b"", "headers")
head = request().split(b"\r\n\r\n")[0] + b"\r\n\r\n"
trickle(head, "body")
# A client that is merely quick is not affected.
s = connect()
s.sendall(request())
print("prompt %s" % status(s, 10))
EOF
expect_eq "slowloris" "$(cat "$OBJ/slow")" \
"headers closed-within-20s
body closed-within-20s
prompt HTTP/1.1 200 OK"

# --- IdleTimeout 2 (ClientTimeout far longer) ---
limits "IdleTimeout 2" "ClientTimeout 120"
py > "$OBJ/idle" <<EOF || fail "IdleTimeout: $(cat "$OBJ/idle")"
$PYLIB
s = connect()
print("silent %s" % ("closed" if closed_within(s, 20) is not None else "open"))
s = connect()
s.sendall(request())
print("answer %s" % status(s, 10))
print("after-answer %s" % ("closed" if closed_within(s, 20) is not None else "open"))
# Keep-alive: a request within IdleTimeout is served on the same connection.
s = connect()
for i in range(3):
    time.sleep(0.5)
    s.sendall(request())
    print("keepalive%d %s" % (i + 1, status(s, 10)))
EOF
expect_eq "IdleTimeout" "$(cat "$OBJ/idle")" \
"silent closed
answer HTTP/1.1 200 OK
after-answer closed
keepalive1 HTTP/1.1 200 OK
keepalive2 HTTP/1.1 200 OK
keepalive3 HTTP/1.1 200 OK"

# --- MaxMessageSize 4K, MaxHeaderSize 1024 ---
limits "MaxMessageSize 4K" "MaxHeaderSize 1024"
before=$(wc -l < "$OBJ/audit.log")
# A valid call padded with blanks to just under and just over 4096 bytes.
msg=$(call_msg 1 list_tables '{}')
printf '%s%*s' "$msg" $((4096 - ${#msg})) '' > "$OBJ/fits.json"
printf '%s%*s' "$msg" $((4097 - ${#msg})) '' > "$OBJ/over.json"
expect_eq "sizes" "$(wc -c < "$OBJ/fits.json") $(wc -c < "$OBJ/over.json")" "4096 4097"
AUTH=$DEV_KEY http_post /mcp "@$OBJ/over.json"
expect_status "body over MaxMessageSize" 413
head -c 1000000 /dev/zero | tr '\0' ' ' > "$OBJ/huge.json"
AUTH=$DEV_KEY http_post /mcp "@$OBJ/huge.json"
expect_status "1 MB body" 413
# A client that sends its whole body before it reads: the server reads and
# drops the rest, so the 413 reaches it.  Were the server to close while
# 32 MB are still on their way, the kernel would answer them with a reset,
# and the client would see a broken pipe instead of the 413.
py > "$OBJ/over32" <<EOF || fail "32 MB body: $(cat "$OBJ/over32")"
$PYLIB
s = connect()
try:
    s.sendall(request(b" " * (32 << 20)))
    print(status(s, 10))
except OSError as e:
    print(type(e).__name__)
EOF
expect_eq "32 MB body sent whole, then read" "$(cat "$OBJ/over32")" \
    "HTTP/1.1 413 Request Entity Too Large"
expect_eq "oversized bodies audited" "$(wc -l < "$OBJ/audit.log")" "$before"
AUTH=$DEV_KEY http_post /mcp "@$OBJ/fits.json"
expect_status "body of MaxMessageSize" 400
expect_eq "body of MaxMessageSize: read, and answered" "$(http_body '.error.message')" \
    '"Server not initialized"'

pad=$(head -c 1200 /dev/zero | tr '\0' x)
before=$(wc -l < "$OBJ/audit.log")
AUTH=$DEV_KEY http_post /mcp "$(http_init)" -H "X-Pad: $pad"
expect_status "headers over MaxHeaderSize" 400
expect_eq "oversized headers audited" "$(wc -l < "$OBJ/audit.log")" "$before"
AUTH=$DEV_KEY http_post /mcp "$(http_init)" -H "X-Pad: ${pad:0:200}"
expect_status "headers within MaxHeaderSize" 200
stop_http

audit_verify
expect_eq "no call ran and no authentication failed" \
    "$(audit_select 'select(.decision == "ALLOWED" or .decision == "AUTH_FAILED")' | wc -l)" 0
expect_no_secrets
exit 0
