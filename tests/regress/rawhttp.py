"""Raw HTTP/1.1 for the python parts of the regress scenarios: reading
one whole answer off a socket, so that each scenario does not carry its
own copy of the reader.  lib.sh puts tests/regress on PYTHONPATH."""


class Closed(Exception):
    """The server closed the connection before the answer's head ended;
    partial holds what came before."""

    def __init__(self, partial):
        super().__init__("closed")
        self.partial = partial


def read_answer(s):
    """Read the next answer from s, its body to its Content-Length (or to
    the end of the connection), and return its status line.  Raises
    Closed, and the socket's own socket.timeout or ConnectionResetError."""
    data = b""
    while b"\r\n\r\n" not in data:
        d = s.recv(4096)
        if not d:
            raise Closed(data)
        data += d
    head, _, rest = data.partition(b"\r\n\r\n")
    n = 0
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() == b"content-length":
            n = int(v)
    while len(rest) < n:
        d = s.recv(4096)
        if not d:
            break
        rest += d
    return head.split(b"\r\n")[0].decode()


def status_code(line):
    """The status code of a status line, as a string."""
    return line.split(" ")[1]
