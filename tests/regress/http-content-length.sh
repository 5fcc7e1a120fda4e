#!/bin/bash
# Content-Length (issue 11, item 5): a repeated Content-Length, or one that
# is not plain digits, is answered 400 and the connection is closed, so
# that no byte after it is read as a request of its own (request
# smuggling behind a proxy that picked another value).  Each bad form is
# sent on a raw socket with a second request right behind it: the answer
# must be a single 400, and the connection closed, the second request never
# answered.  Good lengths are served, keep-alive and pipelining intact.
. "$(dirname "$0")/lib.sh"
setup_http
start_http

py() {
	MCPD_TEST_PORT=$PORT MCPD_TEST_KEY=$DEV_KEY python3 -
}
py > "$OBJ/cl" <<'EOF' || fail "python: $(cat "$OBJ/cl")"
import os, re, socket
PORT = int(os.environ["MCPD_TEST_PORT"])
KEY = os.environ["MCPD_TEST_KEY"].encode()
BODY = (b"{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\","
        b"\"params\":{\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},"
        b"\"clientInfo\":{\"name\":\"regress\",\"version\":\"1\"}}}")

# Sent right after each request: were it read as a request of its own (a
# smuggled one), a second answer would follow.
SMUGGLED = b"GET /.well-known/oauth-protected-resource HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"

def read_all(s):
    """Everything the server sends until it closes s or falls silent (the
    socket's timeout), and whether it closed."""
    data = b""
    try:
        while True:
            d = s.recv(65536)
            if not d:
                return data, True
            data += d
    except socket.timeout:
        return data, False
    except ConnectionResetError:
        return data, True

def answer(lengths):
    """The status of the answer to a POST with these Content-Length header
    lines (raw bytes after the colon) and a request behind it, how many
    answers came, and whether the server closed the connection at once."""
    s = socket.create_connection(("127.0.0.1", PORT), timeout=5)
    head = (b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/json\r\n"
            b"Authorization: Bearer " + KEY + b"\r\n")
    for v in lengths:
        head += b"Content-Length:" + v + b"\r\n"
    s.sendall(head + b"\r\n" + BODY + SMUGGLED)
    data, closed = read_all(s)
    s.close()
    if not data:
        return "no-answer"
    status = data.split(b"\r\n")[0].decode()
    return "%s answers=%d %s" % (status, data.count(b"HTTP/1.1 "),
                                 "closed" if closed else "open")

n = len(BODY)
cases = [
    ("good", [b" %d" % n]),
    ("good-no-space", [b"%d" % n]),
    ("repeated-same", [b" %d" % n, b" %d" % n]),
    ("repeated-differing", [b" %d" % n, b" %d" % (n - 10)]),
    ("plus", [b" +%d" % n]),
    ("minus-zero", [b" -0"]),
    ("tab", [b" \t%d" % n]),
    ("inner-space", [b" %d %d" % (n // 10, n % 10)]),
    ("empty", [b""]),
    ("hex", [b" 0x%x" % n]),
    ("huge", [b" 99999999999999999999999999"]),
    ("huge-int64", [b" 9223372036854775807"]),
    ("comma-list", [b" %d, %d" % (n, n)]),
]
for name, v in cases:
    print("%s %s" % (name, answer(v)))

# Pipelined: a good request, and behind it in the same write one whose
# length is too large for a number.  The second is looked at only once the
# first is answered; it too is refused.
s = socket.create_connection(("127.0.0.1", PORT), timeout=5)
good = (b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/json\r\n"
        b"Authorization: Bearer " + KEY + b"\r\n"
        b"Content-Length: %d\r\n\r\n" % n) + BODY
bad = good.replace(b"Content-Length: %d" % n,
                   b"Content-Length: 99999999999999999999")
s.sendall(good + bad)
data, closed = read_all(s)
# An answer's body ends without a newline: the next status line follows it.
print("pipelined %s" % " ".join(
    l.decode() for l in re.findall(rb"HTTP/1\.1 [0-9]{3} [^\r]*", data)),
    "closed" if closed else "open")
EOF
expect_eq "Content-Length forms" "$(cat "$OBJ/cl")" \
"good HTTP/1.1 200 OK answers=2 open
good-no-space HTTP/1.1 200 OK answers=2 open
repeated-same HTTP/1.1 400 Bad Request answers=1 closed
repeated-differing HTTP/1.1 400 Bad Request answers=1 closed
plus HTTP/1.1 400 Bad Request answers=1 closed
minus-zero HTTP/1.1 400 Bad Request answers=1 closed
tab HTTP/1.1 400 Bad Request answers=1 closed
inner-space HTTP/1.1 400 Bad Request answers=1 closed
empty HTTP/1.1 400 Bad Request answers=1 closed
hex HTTP/1.1 400 Bad Request answers=1 closed
huge HTTP/1.1 400 Bad Request answers=1 closed
huge-int64 HTTP/1.1 400 Bad Request answers=1 closed
comma-list HTTP/1.1 400 Bad Request answers=1 closed
pipelined HTTP/1.1 200 OK HTTP/1.1 400 Bad Request closed"
stop_http
audit_verify
expect_eq "only the good requests ran" \
    "$(audit_select 'select(.event == "initialize")' | wc -l)" 3
expect_no_secrets
exit 0
