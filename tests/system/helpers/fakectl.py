#!/usr/bin/env python3
"""A fake seedd control socket for the client tests (bbctl.sh, munin.sh).

Speaks the framing of spec §7.2 (one JSON text + NUL each way, several
requests per connection) on a unix socket (--socket PATH) or TCP
(--tcp HOST:PORT), and answers from canned replies in --replies DIR
(written by tests/system/golden/ctl/gen.py):

  "Cmd"                 -> DIR/Cmd.reply
  ["Cmd",T,"arg"]       -> DIR/Cmd@<arg %-quoted>.reply, else ["Cmd",T,{}]
                           for ReportStats/GetRawData (no such monitor)
  ["SetLogVerbosity",T,N] -> ["SetLogVerbosity",T,N]
  anything else         -> ["UnknownRequest",...] / ["BadRequest",...]

Every request is appended to --log FILE (one line each, as received).
--ready FILE is created once the socket listens.  Faults, for the tests:
  --delay-start S   sleep S seconds before listening
  --absent-for N    the first N ["ReportStats",T,"id"] requests get {} (the
                    monitor not registered yet)
  --mode silent     read requests, never answer
  --mode garbage    answer "this is not json"
  --mode wrong      answer ["GetIDs",0,[]] to everything
  --mode close      close the connection after the first request
  --mode huge       answer with more than 64 MiB without a NUL
"""
import argparse
import json
import os
import signal
import socket
import socketserver
import stat
import sys
import threading
import time
import urllib.parse

ARGS = None
LOCK = threading.Lock()
ABSENT_LEFT = [0]


def log_request(raw):
    if ARGS.log:
        with LOCK, open(ARGS.log, "ab") as fh:
            fh.write(raw.replace(b"\n", b"\\n") + b"\n")


def canned(name):
    path = os.path.join(ARGS.replies, name + ".reply")
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except FileNotFoundError:
        return None


def bad(err, raw):
    return json.dumps(["BadRequest", 0, {"Error": err, "Request": raw.decode("utf-8", "replace")}],
                      separators=(",", ":")).encode()


def answer(raw):
    if ARGS.mode == "garbage":
        return b"this is not json"
    if ARGS.mode == "wrong":
        return b'["GetIDs",0,[]]'
    try:
        req = json.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as e:
        return bad(str(e), raw)
    if isinstance(req, str):
        r = canned(req)
        return r if r is not None else json.dumps(["UnknownRequest", 0, raw.decode()]).encode()
    if not isinstance(req, list) or len(req) < 2 or not isinstance(req[0], str):
        return bad("Invalid request, not an array or string", raw)
    cmd, tok = req[0], req[1]
    arg = req[2] if len(req) > 2 else None
    if cmd == "SetLogVerbosity" and isinstance(arg, int):
        return json.dumps([cmd, tok, arg], separators=(",", ":")).encode()
    if cmd in ("ReportStats", "GetRawData") and isinstance(arg, str):
        if cmd == "ReportStats":
            with LOCK:
                if ABSENT_LEFT[0] > 0:
                    ABSENT_LEFT[0] -= 1
                    return json.dumps([cmd, tok, {}]).encode()
        r = canned(cmd + "@" + urllib.parse.quote(arg, safe=""))
        return r if r is not None else json.dumps([cmd, tok, {}]).encode()
    return json.dumps(["UnknownRequest", tok, raw.decode("utf-8", "replace")]).encode()


class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        buf = b""
        while True:
            try:
                data = self.request.recv(65536)
            except OSError:
                return
            if not data:
                return
            buf += data
            while b"\0" in buf:
                raw, buf = buf.split(b"\0", 1)
                log_request(raw)
                if ARGS.mode == "silent":
                    continue
                if ARGS.mode == "close":
                    return
                if ARGS.mode == "huge":
                    chunk = b"[" + b" " * (1 << 20)
                    try:
                        for _ in range(65):
                            self.request.sendall(chunk)
                    except OSError:
                        pass
                    return
                try:
                    self.request.sendall(answer(raw) + b"\0")
                except OSError:
                    return


class UnixServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


class TCPServer(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    global ARGS
    p = argparse.ArgumentParser()
    p.add_argument("--socket")
    p.add_argument("--tcp")
    p.add_argument("--replies", required=True)
    p.add_argument("--log")
    p.add_argument("--ready")
    p.add_argument("--delay-start", type=float, default=0)
    p.add_argument("--absent-for", type=int, default=0)
    p.add_argument("--mode", default="normal",
                   choices=["normal", "silent", "garbage", "wrong", "close", "huge"])
    ARGS = p.parse_args()
    ABSENT_LEFT[0] = ARGS.absent_for
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    if ARGS.delay_start:
        time.sleep(ARGS.delay_start)
    if ARGS.tcp:
        host, port = ARGS.tcp.rsplit(":", 1)
        srv = TCPServer((host, int(port)), Handler)
    else:
        # A stale socket (a server that died) is replaced, as seedd does.
        try:
            if stat.S_ISSOCK(os.lstat(ARGS.socket).st_mode):
                os.unlink(ARGS.socket)
        except FileNotFoundError:
            pass
        srv = UnixServer(ARGS.socket, Handler)
    if ARGS.ready:
        with open(ARGS.ready, "w") as fh:
            fh.write("%d\n" % srv.server_address[1] if ARGS.tcp else "unix\n")
    try:
        srv.serve_forever()
    finally:
        if ARGS.socket:
            try:
                os.unlink(ARGS.socket)
            except OSError:
                pass


if __name__ == "__main__":
    main()
