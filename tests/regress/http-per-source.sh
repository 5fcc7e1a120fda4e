#!/bin/bash
# MaxConnectionsPerSource (issue 11, item 4; sshd's PerSourceMaxStartups):
# idle sockets from one address beyond the cap are closed at once, while
# the ones within it are still served, and another address (127.0.0.2,
# and ::1 where the host has it) is served as if nothing happened.  Once
# the held sockets close, the address gets its share back.  Before, 300
# idle sockets from one address took every slot of MaxConnections and
# locked every other client out.  An IPv6 client's failed authentications
# count by its /64.
. "$(dirname "$0")/lib.sh"
setup_http "MaxConnectionsPerSource 4" "MaxConnections 20" \
    "IdleTimeout 120" "ClientTimeout 60" "HandshakeTimeout 60"
# The same port on ::1 as well, if this host has IPv6 loopback.
V6=0
if python3 -c 'import socket
s = socket.socket(socket.AF_INET6)
s.bind(("::1", '"$PORT"'))' 2>/dev/null; then
	V6=1
	http_conf "Listen [::1]:$PORT"
fi
start_http

MCPD_TEST_PORT=$PORT MCPD_TEST_KEY=$DEV_KEY MCPD_TEST_V6=$V6 python3 - \
    > "$OBJ/src" <<'EOF' ||
import os, socket, time
from rawhttp import Closed, read_answer, status_code
PORT = int(os.environ["MCPD_TEST_PORT"])
KEY = os.environ["MCPD_TEST_KEY"].encode()
INIT = (b"{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\","
        b"\"params\":{\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},"
        b"\"clientInfo\":{\"name\":\"regress\",\"version\":\"1\"}}}")

def request():
    return (b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/json\r\n"
            b"Authorization: Bearer " + KEY + b"\r\n"
            b"Content-Length: %d\r\n\r\n" % len(INIT)) + INIT

def connect(src):
    if ":" in src:
        return socket.create_connection(("::1", PORT), timeout=10)
    return socket.create_connection(("127.0.0.1", PORT), timeout=10,
                                    source_address=(src, 0))

def status(s, timeout=10):
    s.settimeout(timeout)
    try:
        return status_code(read_answer(s))
    except socket.timeout:
        return "timeout"
    except (Closed, ConnectionResetError):
        return "closed"

def closed_within(socks, bound):
    """How many of socks the server closes within bound seconds."""
    import select
    t0 = time.monotonic()
    left, n = list(socks), 0
    while left and time.monotonic() - t0 < bound:
        r, _, _ = select.select(left, [], [], 0.2)
        for s in r:
            try:
                d = s.recv(1)
            except ConnectionResetError:
                d = b""
            if d == b"":
                n += 1
                left.remove(s)
    return n

# Four idle sockets, then 30 more, from 127.0.0.1.
held = [connect("127.0.0.1") for i in range(4)]
time.sleep(0.5)
extra = [connect("127.0.0.1") for i in range(30)]
print("beyond-cap-closed %d/30" % closed_within(extra, 5))
print("held-open %d/4" % (4 - closed_within(held, 0.5)))
# Another address is served; so is each of the held ones.
o = connect("127.0.0.2")
o.sendall(request())
print("other-address %s" % status(o))
if os.environ["MCPD_TEST_V6"] == "1":
    o = connect("::1")
    o.sendall(request())
    print("ipv6 %s" % status(o))
else:
    print("ipv6 200")
for i, s in enumerate(held):
    s.sendall(request())
    print("held%d %s" % (i + 1, status(s)))
# Their closing gives the address its share back.
for s in held:
    s.close()
time.sleep(0.5)
again = [connect("127.0.0.1") for i in range(4)]
for i, s in enumerate(again):
    s.sendall(request())
    print("again%d %s" % (i + 1, status(s)))
EOF
    fail "python: $(cat "$OBJ/src")"
expect_eq "per-source limit" "$(cat "$OBJ/src")" \
"beyond-cap-closed 30/30
held-open 4/4
other-address 200
ipv6 200
held1 200
held2 200
held3 200
held4 200
again1 200
again2 200
again3 200
again4 200"
# AuthFailureLimit counts an IPv6 client by its /64 (the default
# PerSourceNetBlockSize): its refusals are summed up under that block.
if [ "$V6" = 1 ]; then
	BASE=http://[::1]:$PORT
	for i in 1 2 3; do
		http_post /mcp "$(http_init)"
		expect_status "no credential over IPv6 ($i)" 401
	done
fi
stop_http
if [ "$V6" = 1 ]; then
	expect_eq "IPv6 refusals summed up by /64" \
	    "$(audit_select 'select(.count != null) | [.decision, .source, .count]')" \
	    '["AUTH_FAILED","::/64",2]'
fi
audit_verify
expect_no_secrets
exit 0
