#!/bin/bash
# HandshakeTimeout (issue 11, item 4; sshd's LoginGraceTime): a connection
# that has not sent a complete request within it is closed, however long
# IdleTimeout and ClientTimeout are: one that sends nothing, one that
# trickles a request, and over TLS one that never starts its handshake,
# one that stops in the middle of it, and one that finishes it and then
# sends nothing.  A connection that made a request in time is then kept
# by IdleTimeout as before.  Every wait is bounded; IdleTimeout and
# ClientTimeout are far above the bounds, so only HandshakeTimeout can
# explain a close.
. "$(dirname "$0")/lib.sh"
setup_http "HandshakeTimeout 2" "IdleTimeout 120" "ClientTimeout 60"
tls_material
cp "$OBJ/mcpd.conf" "$OBJ/base.conf"

PYLIB='
import os, socket, ssl, time
from rawhttp import Closed, read_answer, status_code
PORT = int(os.environ["MCPD_TEST_PORT"])
KEY = os.environ["MCPD_TEST_KEY"].encode()
INIT = (b"{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\","
        b"\"params\":{\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},"
        b"\"clientInfo\":{\"name\":\"regress\",\"version\":\"1\"}}}")
REQ = (b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n"
       b"Content-Type: application/json\r\n"
       b"Authorization: Bearer " + KEY + b"\r\n"
       b"Content-Length: %d\r\n\r\n" % len(INIT)) + INIT

def connect():
    return socket.create_connection(("127.0.0.1", PORT), timeout=10)

def closed_after(s, bound=10, trickle=b""):
    """Seconds until the server closed s (sending trickle a byte every
    0.3 s meanwhile), or "open" if not within bound."""
    t0 = time.monotonic()
    s.settimeout(0.3)
    while time.monotonic() - t0 < bound:
        try:
            if trickle:
                s.send(trickle[:1])
                trickle = trickle[1:]
            if s.recv(4096) == b"":
                break
        except (socket.timeout, ssl.SSLWantReadError):
            continue
        except (ConnectionResetError, BrokenPipeError, ssl.SSLError):
            break
    else:
        return "open"
    t = time.monotonic() - t0
    return "closed-in-2s" if 1.5 <= t < 5 else "closed-after-%.1fs" % t

def status(s):
    s.settimeout(10)
    try:
        return status_code(read_answer(s))
    except Closed:
        return "closed"
'
py() {
	MCPD_TEST_PORT=$PORT MCPD_TEST_KEY=$DEV_KEY python3 -
}

# --- plain HTTP ---
start_http
py > "$OBJ/plain" <<EOF || fail "plain: $(cat "$OBJ/plain")"
$PYLIB
print("silent", closed_after(connect()))
print("trickle", closed_after(connect(), trickle=REQ))
s = connect()
s.sendall(REQ)
print("prompt", status(s))
time.sleep(3)
s.sendall(REQ)
print("kept-by-idletimeout", status(s))
EOF
expect_eq "plain HTTP" "$(cat "$OBJ/plain")" \
"silent closed-in-2s
trickle closed-in-2s
prompt 200
kept-by-idletimeout 200"
stop_http

# --- TLS ---
cp "$OBJ/base.conf" "$OBJ/mcpd.conf"
http_conf "TLSCertificate $OBJ/server.crt" "TLSKey $OBJ/server.key"
start_http
MCPD_TEST_CA=$OBJ/ca.crt py > "$OBJ/tls" <<EOF || fail "TLS: $(cat "$OBJ/tls")"
$PYLIB
ctx = ssl.create_default_context(cafile=os.environ["MCPD_TEST_CA"])
print("no-handshake", closed_after(connect()))
# A ClientHello cut short: the record header announces more than comes.
print("half-handshake", closed_after(connect(), trickle=b"\x16\x03\x01\x02\x00\x01"))
t = ctx.wrap_socket(connect(), server_hostname="127.0.0.1")
print("handshake-then-silent", closed_after(t))
t = ctx.wrap_socket(connect(), server_hostname="127.0.0.1")
t.sendall(REQ)
print("prompt", status(t))
time.sleep(3)
t.sendall(REQ)
print("kept-by-idletimeout", status(t))
EOF
expect_eq "TLS" "$(cat "$OBJ/tls")" \
"no-handshake closed-in-2s
half-handshake closed-in-2s
handshake-then-silent closed-in-2s
prompt 200
kept-by-idletimeout 200"
stop_http
audit_verify
expect_no_secrets
exit 0
