#!/usr/bin/env python3
"""udpclient: clients of seedd's UDP service for tests/system/udp.sh.

  udpclient.py ask HOST PORT OUT COUNT...   one socket: for each COUNT a
        request (2 bytes, big-endian) and its reply, appended to OUT;
        prints each reply's length ("len N"), or "none" after 5 s
  udpclient.py bad HOST PORT HEX... -- COUNT   one socket: each HEX sent as
        a datagram as it is, then a valid request for COUNT; prints the
        length of the first reply that comes ("first N"): COUNT when none of
        the bad ones was answered
  udpclient.py acl HOST PORT SRC_DENIED SRC_ALLOWED   a request from each
        source address (denied first); once the allowed one's reply has
        come, prints "allowed N denied M" (M: bytes the denied socket holds)
  udpclient.py burst HOST PORT SRC N COUNT MARK_SRC   N requests of COUNT
        from SRC at once, then one of 1 byte from MARK_SRC and its reply
        (the service takes datagrams in order: all of SRC's were handled);
        prints "replies R bytes B secs S" for SRC
  udpclient.py send HOST PORT N COUNT   N requests, no reading
Exit 0 unless the socket cannot be used (1)."""
import socket
import sys
import time


def sock_for(host, src=None):
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    if src:
        s.bind((src, 0))
    s.settimeout(5)
    return s


def req(n):
    return bytes([n >> 8 & 0xFF, n & 0xFF])


def pending(s):
    n = 0
    s.setblocking(False)
    try:
        while True:
            n += len(s.recv(65536))
    except BlockingIOError:
        pass
    return n


def main(a):
    cmd, host, port = a[0], a[1], int(a[2])
    dst = (host, port)
    if cmd == "ask":
        s = sock_for(host)
        with open(a[3], "ab") as out:
            for c in a[4:]:
                s.sendto(req(int(c)), dst)
                try:
                    d = s.recv(65536)
                    out.write(d)
                    print("len", len(d))
                except socket.timeout:
                    print("none")
    elif cmd == "bad":
        i = a.index("--")
        s = sock_for(host)
        for h in a[3:i]:
            s.sendto(bytes.fromhex(h), dst)
        s.sendto(req(int(a[i + 1])), dst)
        try:
            print("first", len(s.recv(65536)))
        except socket.timeout:
            print("first none")
    elif cmd == "acl":
        d, ok = sock_for(host, a[3]), sock_for(host, a[4])
        d.sendto(req(16), dst)
        ok.sendto(req(16), dst)
        try:
            n = len(ok.recv(65536))
        except socket.timeout:
            n = -1
        print("allowed", n, "denied", pending(d))
    elif cmd == "burst":
        s, m = sock_for(host, a[3]), sock_for(host, a[6])
        n, c = int(a[4]), int(a[5])
        t0 = time.monotonic()
        for _ in range(n):
            s.sendto(req(c), dst)
        m.sendto(req(1), dst)
        try:
            m.recv(65536)
        except socket.timeout:
            print("no marker reply")
            return 1
        secs = time.monotonic() - t0
        s.settimeout(0.001)
        got = []
        s.setblocking(False)
        try:
            while True:
                got.append(len(s.recv(65536)))
        except BlockingIOError:
            pass
        print("replies %d bytes %d secs %.3f" % (len(got), sum(got), secs))
    elif cmd == "send":
        s = sock_for(host)
        for _ in range(int(a[3])):
            s.sendto(req(int(a[4])), dst)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except OSError as e:
        print("udpclient:", e, file=sys.stderr)
        sys.exit(1)
