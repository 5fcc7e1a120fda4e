#!/usr/bin/env python3
# Search the memory of a running process for byte strings, for the key
# offloading scenario (http-key-offload.sh): which secrets a process holds.
#
# usage: memgrep.py PID NAME=HEX...
# Prints "NAME found" or "NAME absent" for each, in order; exits 2 if the
# memory cannot be read at all (so that "absent" never means "not looked").
# Every readable private or shared mapping is read through /proc/PID/mem
# (this needs ptrace rights over PID: root, or the same uid and dumpable).
import re
import sys

CHUNK = 1 << 20


def regions(pid):
    with open("/proc/%d/maps" % pid) as f:
        for line in f:
            m = re.match(r"([0-9a-f]+)-([0-9a-f]+) (\S+)", line)
            if m is None or m.group(3)[0] != "r":
                continue
            name = line.split()[5] if len(line.split()) > 5 else ""
            if name in ("[vvar]", "[vsyscall]", "[vvar_vclock]"):
                continue
            yield int(m.group(1), 16), int(m.group(2), 16)


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: memgrep.py PID NAME=HEX...")
    pid = int(sys.argv[1])
    needles = []
    for a in sys.argv[2:]:
        name, _, hexs = a.partition("=")
        b = bytes.fromhex(hexs)
        if len(b) < 8:
            sys.exit("memgrep: %s: needle too short" % name)
        needles.append((name, b))
    longest = max(len(b) for _, b in needles)
    found = set()
    nread = 0
    with open("/proc/%d/mem" % pid, "rb", buffering=0) as mem:
        for start, end in regions(pid):
            tail = b""
            off = start
            while off < end:
                n = min(CHUNK, end - off)
                try:
                    mem.seek(off)
                    data = mem.read(n)
                except OSError:
                    break
                if not data:
                    break
                nread += len(data)
                buf = tail + data
                for name, b in needles:
                    if name not in found and b in buf:
                        found.add(name)
                tail = buf[-(longest - 1):]
                off += len(data)
    if nread == 0:
        sys.exit("memgrep: nothing readable in process %d" % pid)
    for name, _ in needles:
        print("%s %s" % (name, "found" if name in found else "absent"))


if __name__ == "__main__":
    main()
