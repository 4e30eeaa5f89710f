#!/bin/sh
# The control socket against a real seedd -o on two emulated devices, its
# output counted by helpers/ctlclient.py (so "the data path keeps
# streaming" is a byte count that grows, never a rate or a time):
#   1. default limits: the socket's mode, owner and group; GetIDs lists the
#      devices; malformed, unknown, partial, empty and oversize requests get
#      their replies (and the connection goes on); 200 simultaneous clients
#      are all answered; while clients that never send, send half a request
#      or never read are connected, other clients are answered and the
#      output keeps growing; a client that never reads is dropped once its
#      queued replies pass 1 MiB.
#   2. short limits (SEEDD_TEST_CONTROL_LIMITS, docs/design.md): a stale
#      socket at the path is replaced; idle clients (nothing, or half a
#      request) dropped; a never-reading client dropped for its queue
#      (output), not for time; 50 clients through 8 slots all answered.
#   3. accept() failing (EMFILE under a low RLIMIT_NOFILE): logged once,
#      the server keeps going and serves again once descriptors are free.
#   4. tcp:127.0.0.1:PORT answers; -b N makes no socket.
#   SIGTERM: exit 0, the socket file removed.
# Pool and Kernel in GetIDs need -k (CAP_SYS_ADMIN and a real /dev/random):
# not here (kernel.sh's tier).
. "$SRC/tests/system/lib.sh"

command -v python3 >/dev/null || { skip_check "control socket" "python3 missing"; finish; exit 77; }
CLI="python3 $SRC/tests/system/helpers/ctlclient.py"
S=$T/run/seedd.socket
GRP=$(getent group daemon >/dev/null 2>&1 && echo daemon || id -gn)
DEVS="--device CTLA01@1-1 --device CTLB01@1-2"

logged() { grep -q -- "$1" "$T/err"; }
gone() { ! kill -0 "$1" 2>/dev/null; }
count() { cat "$T/count" 2>/dev/null || echo 0; }
grown_by() { [ "$(count)" -ge $(($1 + $2)) ]; }
ask() { $CLI ask "$S" "$@" 2>>"$T/cli.err"; }
both_ids() {
    r=$(ask '"GetIDs"')
    [ "$r" = '["GetIDs",0,["CTLA01","CTLB01"]]' ] || [ "$r" = '["GetIDs",0,["CTLB01","CTLA01"]]' ]
}
has() { [ "$(cat "$1" 2>/dev/null)" = "$2" ]; }
# Clients connected now, by seedd's log (-vvv).
live() {
    awk '/control socket: client [0-9]+ connected/ { n++ }
         /control socket: client [0-9]+ (closed|stopped|dropped)/ { n-- }
         END { print n + 0 }' "$T/err"
}

# start_seedd [SEEDD-ARGS]: seedd -o under bbemu into the counter, in the
# background ($PID: timeout's, which passes SIGTERM on to seedd).
start_seedd() {
    rm -f "$T/count" "$T/fifo"
    mkfifo "$T/fifo"
    $CLI count "$T/count" <"$T/fifo" &
    BG_PIDS="$BG_PIDS $!"
    # shellcheck disable=SC2086
    timeout -k 3 200 "$BBEMU" $DEVS -- "$SEEDD" -o --no-qa -v -c "$S" "$@" \
        >"$T/fifo" 2>"$T/err" &
    PID=$!
    BG_PIDS="$BG_PIDS $PID"
}

stop_seedd() {
    kill -TERM "$PID"
    wait "$PID"
    RC=$?
}

# === 1. default limits =========================================================
# -vvv: clients connecting and leaving are logged (level 3), counted by live().
start_seedd --socket-group "$GRP" -vv
check "socket: listening" wait_for test -S "$S"
check "socket: mode 0660, our uid, group $GRP" \
    equals "$(stat -c '%a %u %G' "$S")" "660 $(id -u) $GRP"
check "GetIDs: both devices" wait_for both_ids
check "the output streams" wait_for grown_by 0 1048576

ask '["GetIDs"' >"$T/mal"
check "malformed JSON: BadRequest naming the request" sh -c \
    "grep -q '^\\[\"BadRequest\",0,{\"Error\":' '$T/mal' && grep -qF '\"Request\":\"[\\\"GetIDs\\\"\"}]' '$T/mal'"
check "unknown request: UnknownRequest, then the connection goes on" equals \
    "$(ask '"Nope"' '"GetIDs"' | sed 's/CTLB01","CTLA01/CTLA01","CTLB01/')" \
    "$(printf '%s\n' '["UnknownRequest",0,"\"Nope\""]' '["GetIDs",0,["CTLA01","CTLB01"]]')"
check "empty request: BadRequest" sh -c "$CLI raw '$S' 1 '\\0' | grep -q '^\[\"BadRequest\",0,'"
# A request in two writes, the first answered only once the second came (a
# whole request on another connection in between).
partial() {
    python3 - "$S" <<'EOF'
import socket, sys
a = socket.socket(socket.AF_UNIX); a.settimeout(30); a.connect(sys.argv[1])
b = socket.socket(socket.AF_UNIX); b.settimeout(30); b.connect(sys.argv[1])
a.sendall(b'["Get')
b.sendall(b'"GetIDs"\0')
rb = b.recv(4096)
a.setblocking(False)
try:
    early = a.recv(4096)
except BlockingIOError:
    early = b''
a.setblocking(True)
a.sendall(b'IDs",5]\0')
ra = b''
while not ra.endswith(b'\0'):
    ra += a.recv(4096)
print(rb.startswith(b'["GetIDs",0,') and early == b'' and ra.startswith(b'["GetIDs",5,['))
EOF
}
check "partial frame: answered once complete" equals "$(partial)" True
BIG=$(head -c 1100 /dev/zero | tr '\0' a)
$CLI raw "$S" 2 "$BIG" '\0"GetIDs"\0' >"$T/big" 2>>"$T/cli.err"
check "oversize: one BadRequest 'Request too large' with the first 1024 bytes" \
    equals "$(head -1 "$T/big")" \
    "[\"BadRequest\",0,{\"Error\":\"Request too large\",\"Request\":\"$(head -c 1024 /dev/zero | tr '\0' a)\"}]"
check "oversize: the rest discarded up to its NUL, the next request answered" \
    sh -c "sed -n 2p '$T/big' | grep -q '^\[\"GetIDs\",0,\['"
check "oversize: logged" logged "request over 1024 bytes"

$CLI many "$S" 200 '"GetIDs"' >"$T/many" 2>>"$T/cli.err"
check "200 simultaneous clients: all answered ($(head -1 "$T/many"))" \
    sh -c "head -1 '$T/many' | grep -qx 'answered 200' && [ \$(wc -l <'$T/many') = 2 ]"

# At the limit (64 here) a newcomer waits, unserved, while the others stay;
# the data flow (1 MiB more) shows seedd went round its loop meanwhile.
$CLI holdn "$S" 64 "$T/h64" >/dev/null 2>&1 &
H64=$!
BG_PIDS="$BG_PIDS $H64"
check "64 clients: connected" wait_for test -s "$T/h64"
live_is() { [ "$(live)" = "$1" ]; }
check "64 clients: all accepted" wait_for live_is 64
$CLI askflag "$S" "$T/sent65" '"GetIDs"' >"$T/ask65" 2>>"$T/cli.err" &
A65=$!
BG_PIDS="$BG_PIDS $A65"
check "the 65th client: connected, request sent" wait_for test -s "$T/sent65"
c0=$(count)
check "64 clients: the output keeps growing" wait_for grown_by "$c0" 1048576
check "the 65th client waits, unserved, while 64 are connected" test ! -s "$T/ask65"
check "at most 64 clients accepted at a time ($(live) now)" test "$(live)" -le 64
kill "$H64"
check "the 65th client is served once the others left" wait_for test -s "$T/ask65"

# Clients that hold on while others are served and the data flows.
$CLI hold "$S" "$T/h1" "" >"$T/h1.out" 2>&1 &
H1=$!
$CLI hold "$S" "$T/h2" '["GetI' >"$T/h2.out" 2>&1 &
H2=$!
BG_PIDS="$BG_PIDS $H1 $H2"
check "hanging clients: connected" wait_for sh -c "[ -s '$T/h1' ] && [ -s '$T/h2' ]"
$CLI deaf "$S" '"ReportStats"' 100000 >"$T/deaf1" 2>>"$T/cli.err"
check "never-reading client: dropped ($(cat "$T/deaf1"))" grep -q '^dropped after' "$T/deaf1"
check "never-reading client: for its queued output" logged "dropped (output)"
c0=$(count)
check "while clients hang: other clients answered" both_ids
check "while clients hang: the output keeps growing (4 MiB more)" wait_for grown_by "$c0" 4194304
check "while clients hang: they are still connected (60 s idle)" \
    sh -c "[ ! -s '$T/h1.out' ] && [ ! -s '$T/h2.out' ] && ! grep -q 'dropped (idle)' '$T/err'"

stop_seedd
check "SIGTERM: exit 0" equals "$RC" 0
both_eof() { has "$T/h1.out" eof && has "$T/h2.out" eof; }
check "SIGTERM: the hanging clients see the end" wait_for both_eof
check "SIGTERM: the socket file removed" test ! -e "$S"
check "SIGTERM: the lock removed" test ! -e "$S.lock"

# === 2. short limits ===========================================================
# A stale socket (bound, nobody listening) at the path.
python3 -c "import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])" "$S"
check "stale socket: in place" test -S "$S"
SEEDD_TEST_CONTROL_LIMITS=idle_ms=1000,clients=8,output=65536 start_seedd -v
check "stale socket: replaced, logged" wait_for logged "Removed the stale socket $S"
check "stale socket: served" wait_for both_ids
check "socket: mode 0600 without a group" equals "$(stat -c '%a' "$S")" 600
$CLI hold "$S" "$T/h3" "" >"$T/h3.out" 2>&1 &
H3=$!
$CLI hold "$S" "$T/h4" '"GetIDs' >"$T/h4.out" 2>&1 &
H4=$!
BG_PIDS="$BG_PIDS $H3 $H4"
check "idle client (sends nothing): dropped" wait_for has "$T/h3.out" eof
check "idle client (half a request): dropped" wait_for has "$T/h4.out" eof
check "idle clients: logged as idle" \
    test "$(grep -c 'control socket: client [0-9]* dropped (idle)' "$T/err")" -ge 2
$CLI deaf "$S" '"ReportStats"' 100000 >"$T/deaf2" 2>>"$T/cli.err"
check "never-reading client, 64 KiB bound: dropped ($(cat "$T/deaf2"))" grep -q '^dropped after' "$T/deaf2"
check "never-reading client: for its output, not for time" logged "dropped (output)"
check "never-reading client: not stalled" sh -c "! grep -q 'dropped (stalled)' '$T/err'"
c0=$(count)
$CLI many "$S" 50 '"GetIDs"' >"$T/many2" 2>>"$T/cli.err"
check "50 clients through 8 slots: all answered ($(head -1 "$T/many2"))" \
    sh -c "head -1 '$T/many2' | grep -qx 'answered 50'"
check "8 slots: accepting paused at the limit" logged "8 clients: not accepting more"
check "short limits: the output keeps growing" wait_for grown_by "$c0" 2097152
stop_seedd
check "short limits, SIGTERM: exit 0, no socket file" sh -c "[ $RC = 0 ] && [ ! -e '$S' ]"

# === 3. accept() errors =========================================================
# 40 descriptors: seedd's own (libusb, udev, epoll, ...) and a few clients
# use them up; the rest of 60 connections wait in the backlog.
rm -f "$T/count" "$T/fifo"
mkfifo "$T/fifo"
$CLI count "$T/count" <"$T/fifo" &
BG_PIDS="$BG_PIDS $!"
# shellcheck disable=SC2086
timeout -k 3 200 "$BBEMU" $DEVS -- sh -c 'ulimit -n 40 && exec "$@"' sh \
    "$SEEDD" -o --no-qa -v -c "$S" >"$T/fifo" 2>"$T/err" &
PID=$!
BG_PIDS="$BG_PIDS $PID"
check "EMFILE: served at first" wait_for both_ids
$CLI holdn "$S" 60 "$T/hn" >/dev/null 2>&1 &
HN=$!
BG_PIDS="$BG_PIDS $HN"
check "EMFILE: 60 connections made" wait_for test -s "$T/hn"
check "EMFILE: accept failed, logged once" wait_for logged "control socket: accept: Too many open files; retrying"
check "EMFILE: only once" equals "$(grep -c 'accept: Too many open files' "$T/err")" 1
c0=$(count)
check "EMFILE: the output keeps growing" wait_for grown_by "$c0" 2097152
kill "$HN"
# (One request: it waits in the backlog until the retry timer accepts it.)
check "EMFILE: served again once the clients left" both_ids
check "EMFILE: accepting again, logged" logged "accepting again (after [0-9]* failed accept() calls)"
stop_seedd
check "EMFILE, SIGTERM: exit 0, no socket file" sh -c "[ $RC = 0 ] && [ ! -e '$S' ]"

# === 4. tcp:HOST:PORT, and -b N (no socket) ========================================
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
rm -f "$T/count" "$T/fifo"
mkfifo "$T/fifo"
$CLI count "$T/count" <"$T/fifo" &
BG_PIDS="$BG_PIDS $!"
# shellcheck disable=SC2086
timeout -k 3 200 "$BBEMU" $DEVS -- "$SEEDD" -o --no-qa -v -c "tcp:127.0.0.1:$PORT" \
    >"$T/fifo" 2>"$T/err" &
PID=$!
BG_PIDS="$BG_PIDS $PID"
tcp_ids() {
    python3 - "$PORT" <<'EOF'
import socket, sys
try:
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=30)
except OSError:
    sys.exit(1)
s.sendall(b'"GetIDs"\0')
r = b''
while not r.endswith(b'\0'):
    d = s.recv(4096)
    if not d:
        sys.exit(1)
    r += d
sys.exit(0 if r.startswith(b'["GetIDs",0,["CTL') else 1)
EOF
}
check "tcp:127.0.0.1:PORT: GetIDs answered" wait_for tcp_ids
stop_seedd
check "tcp: SIGTERM, exit 0" equals "$RC" 0

# shellcheck disable=SC2086
emu $DEVS -- "$SEEDD" -b 64k --no-qa -c "$T/b/seedd.socket" >/dev/null 2>"$T/err"
check "-b N: exit 0, no control socket (nor its directory)" sh -c "[ $? = 0 ] && [ ! -e '$T/b' ]"

[ -s "$T/cli.err" ] && sed 's/^/# client: /' "$T/cli.err"
finish
