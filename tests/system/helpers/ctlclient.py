#!/usr/bin/env python3
"""ctlclient: control socket clients for tests/system/control.sh.

  ctlclient.py ask SOCK REQ...      one connection: each REQ sent with its NUL,
                                    one reply read per REQ, printed one a line
                                    (NUL removed; bytes < 0x20 as \\xHH)
  ctlclient.py askflag SOCK FILE REQ  as ask with one REQ, writing FILE once
                                    it is sent
  ctlclient.py raw SOCK N CHUNK...  one connection: each CHUNK sent as is
                                    (Python escapes: \\0, \\xHH), then N replies
  ctlclient.py many SOCK N REQ      N clients at once (threads): connect, send
                                    REQ, read its reply, close; prints how many
                                    got EXPECTED (first reply seen) and the
                                    distinct replies
  ctlclient.py deaf SOCK REQ MAX    sends REQ again and again, never reading,
                                    until the server drops us (send fails):
                                    prints "dropped after K"; or "never" after MAX
  ctlclient.py hold SOCK FILE CHUNK connects, sends CHUNK (may be empty), writes
                                    FILE, then waits for EOF from the server
                                    (prints "eof") without reading anything else
  ctlclient.py holdn SOCK N FILE    N connections that send nothing; writes FILE
                                    once all are connected, then waits to be
                                    killed
  ctlclient.py count FILE           counts stdin bytes into FILE (rewritten as
                                    the number grows)
Exit 0 unless the socket cannot be used (1)."""
import os
import socket
import sys
import threading


def connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    # Blocking: a unix connect() to a full backlog waits (with a timeout
    # Python makes it non-blocking, and it fails with EAGAIN).
    s.connect(path)
    s.settimeout(30)
    return s


def read_reply(s, buf):
    while b"\0" not in buf:
        d = s.recv(65536)
        if not d:
            raise EOFError("connection closed")
        buf += d
    i = buf.index(b"\0")
    return buf[:i], buf[i + 1:]


def show(b):
    return "".join(chr(c) if c >= 0x20 and c < 0x7f else "\\x%02x" % c for c in b)


def unescape(s):
    return s.encode("latin-1").decode("unicode_escape").encode("latin-1")


def ask(path, reqs, flag=None):
    s = connect(path)
    if flag:
        # The first request sent: FLAG says so, then the replies are awaited.
        s.sendall(reqs[0].encode() + b"\0")
        with open(flag, "w") as f:
            f.write("sent\n")
        rep, _ = read_reply(s, b"")
        print(show(rep))
        return
    buf = b""
    for r in reqs:
        s.sendall(r.encode() + b"\0")
        rep, buf = read_reply(s, buf)
        print(show(rep))


def raw(path, n, chunks):
    s = connect(path)
    for c in chunks:
        s.sendall(unescape(c))
    buf = b""
    for _ in range(n):
        rep, buf = read_reply(s, buf)
        print(show(rep))


def many(path, n, req):
    replies = [None] * n

    def one(i):
        try:
            s = connect(path)
            s.sendall(req.encode() + b"\0")
            replies[i], _ = read_reply(s, b"")
            s.close()
        except Exception as e:  # counted as unanswered
            replies[i] = ("error: %s" % e).encode()

    ts = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    distinct = sorted(set(replies))
    print("answered %d" % sum(1 for r in replies if r == replies[0] and not r.startswith(b"error")))
    for d in distinct:
        print(show(d))


def deaf(path, req, most):
    s = connect(path)
    msg = req.encode() + b"\0"
    for k in range(most):
        try:
            s.sendall(msg)
        except OSError:
            print("dropped after %d" % k)
            return
    print("never")


def hold(path, flag, chunk):
    s = connect(path)
    s.settimeout(None)
    if chunk:
        s.sendall(unescape(chunk))
    with open(flag, "w") as f:
        f.write("connected\n")
    try:
        while s.recv(1 << 20):
            pass
    except OSError:
        pass
    print("eof")


def holdn(path, n, flag):
    socks = [connect(path) for _ in range(n)]
    with open(flag, "w") as f:
        f.write("connected %d\n" % len(socks))
    threading.Event().wait()


def count(path):
    n = 0
    step = 0
    fd = sys.stdin.buffer.raw
    while True:
        d = fd.read(1 << 16)
        if not d:
            break
        n += len(d)
        if n - step >= 1 << 18:
            step = n
            with open(path + ".tmp", "w") as f:
                f.write("%d\n" % n)
            os.replace(path + ".tmp", path)


def main(a):
    try:
        if a[0] == "ask":
            ask(a[1], a[2:])
        elif a[0] == "askflag":
            ask(a[1], a[3:4], a[2])
        elif a[0] == "raw":
            raw(a[1], int(a[2]), a[3:])
        elif a[0] == "many":
            many(a[1], int(a[2]), a[3])
        elif a[0] == "deaf":
            deaf(a[1], a[2], int(a[3]))
        elif a[0] == "hold":
            hold(a[1], a[2], a[3])
        elif a[0] == "holdn":
            holdn(a[1], int(a[2]), a[3])
        elif a[0] == "count":
            count(a[1])
        else:
            sys.exit("usage: see the comment at the top")
    except (OSError, EOFError) as e:
        print("ctlclient: %s" % e, file=sys.stderr)
        sys.exit(1)


main(sys.argv[1:])
