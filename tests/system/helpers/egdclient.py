#!/usr/bin/env python3
"""EGD client for tests/system/egd.sh (protocol: src/lib/egdproto.h).

  egdclient.py basics ADDR SEEDD_PID OUT    every command once; bytes read to OUT
  egdclient.py bad ADDR                     0x05: the server closes (prints "closed")
  egdclient.py many ADDR N READS            N clients, each READS blocking reads of
                                            64 bytes, concurrently; prints the
                                            clients done and min/max bytes
  egdclient.py deaf ADDR FLAG               blocking reads of 255, never read back,
                                            until the server drops it ("dropped
                                            after N requests"); FLAG written at start
  egdclient.py burst ADDR N                 N non-blocking reads of 255 at once;
                                            prints "BYTES ELAPSED_S"
  egdclient.py nothing ADDR SECS            prints the available bits, the count of
                                            a non-blocking read, and whether a
                                            blocking read of 1 got a byte in SECS
ADDR: a unix socket path, or tcp:HOST:PORT.
"""
import os
import selectors
import socket
import struct
import sys
import time


def connect(addr):
    if addr.startswith("tcp:"):
        host, port = addr[4:].rsplit(":", 1)
        return socket.create_connection((host, int(port)), timeout=30)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(30)
    s.connect(addr)
    return s


def rd(s, n):
    b = b""
    while len(b) < n:
        x = s.recv(n - len(b))
        if not x:
            raise EOFError("the server closed after %d of %d bytes" % (len(b), n))
        b += x
    return b


def basics(addr, pid, out):
    s = connect(addr)
    got = b""
    s.sendall(b"\x00")
    bits = struct.unpack(">I", rd(s, 4))[0]
    print("avail %d" % bits)
    s.sendall(b"\x04")
    print("pid %s" % rd(s, rd(s, 1)[0]).decode())
    s.sendall(b"\x01\x10")
    c = rd(s, 1)[0]
    got += rd(s, c)
    print("nb16 %d" % c)
    s.sendall(b"\x01\x00")
    print("nb0 %d" % rd(s, 1)[0])
    s.sendall(b"\x02\x00\x02\xff")  # an empty blocking read, then 255
    got += rd(s, 255)
    print("block255 ok")
    # a write (refused, no reply) then a read: still in step
    s.sendall(b"\x03\x00\x10\x02ab\x02\x07")
    got += rd(s, 7)
    print("after-write 7")
    # requests split over several sends
    s.sendall(b"\x02")
    time.sleep(0.05)
    s.sendall(b"\x09")
    got += rd(s, 9)
    print("split 9")
    s.sendall(b"\x04")
    print("pid-again %s" % (rd(s, rd(s, 1)[0]).decode() == pid))
    with open(out, "wb") as f:
        f.write(got)


def bad(addr):
    s = connect(addr)
    s.sendall(b"\x05\x02\x01")
    try:
        print("closed" if s.recv(16) == b"" else "answered")
    except ConnectionResetError:
        print("closed")


def many(addr, n, reads):
    sel = selectors.DefaultSelector()
    socks = []
    for i in range(n):
        s = connect(addr)
        s.setblocking(False)
        socks.append(s)
        sel.register(s, selectors.EVENT_READ, [i, 0, reads])  # idx, bytes of this read, reads left
        s.sendall(b"\x02\x40")
    total = [0] * n
    done = 0
    deadline = time.monotonic() + 60
    while done < n and time.monotonic() < deadline:
        for key, _ in sel.select(timeout=5):
            st = key.data
            data = key.fileobj.recv(4096)
            if not data:
                raise EOFError("client %d: the server closed" % st[0])
            total[st[0]] += len(data)
            st[1] += len(data)
            while st[1] >= 64:
                st[1] -= 64
                st[2] -= 1
                if st[2] > 0:
                    key.fileobj.sendall(b"\x02\x40")
            if st[2] == 0:
                sel.unregister(key.fileobj)
                key.fileobj.close()
                done += 1
    print("done %d min %d max %d" % (done, min(total), max(total)))


def deaf(addr, flag):
    s = connect(addr)
    with open(flag, "w") as f:
        f.write("connected\n")
    s.settimeout(None)
    n = 0
    try:
        while n < 100000:
            s.sendall(b"\x02\xff")
            n += 1
    except (BrokenPipeError, ConnectionResetError):
        print("dropped after %d requests" % n)
        return
    print("not dropped after %d requests" % n)


def burst(addr, n):
    s = connect(addr)
    t0 = time.monotonic()
    s.sendall(b"\x01\xff" * n)
    total = 0
    for _ in range(n):
        c = rd(s, 1)[0]
        total += len(rd(s, c))
    print("%d %.3f" % (total, time.monotonic() - t0))


def nothing(addr, secs):
    s = connect(addr)
    s.sendall(b"\x00")
    bits = struct.unpack(">I", rd(s, 4))[0]
    s.sendall(b"\x01\xff")
    c = rd(s, 1)[0]
    rd(s, c)
    s.sendall(b"\x02\x01")
    s.settimeout(float(secs))
    try:
        got = len(s.recv(1))
    except socket.timeout:
        got = 0
    print("avail %d nb %d block %d" % (bits, c, got))


def main(a):
    try:
        if a[0] == "basics":
            basics(a[1], a[2], a[3])
        elif a[0] == "bad":
            bad(a[1])
        elif a[0] == "many":
            many(a[1], int(a[2]), int(a[3]))
        elif a[0] == "deaf":
            deaf(a[1], a[2])
        elif a[0] == "burst":
            burst(a[1], int(a[2]))
        elif a[0] == "nothing":
            nothing(a[1], a[2])
        else:
            sys.exit(__doc__)
    except (OSError, EOFError) as e:
        print("egdclient: %s" % e, file=sys.stderr)
        sys.exit(1)


main(sys.argv[1:])
